// Browser end-to-end tests: the real stack (embedded Postgres, api, worker, scheduler), a local
// test site, and Debian's Chromium driven by playwright-core. Screenshots of every view go to
// e2e-screenshots/ (named in the README). Run: node --test tests/e2e/  (scripts/test-all.sh does).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createBigSite } from "./bigsite.mjs";
import { createMembersShop, createSite, EVIL, MEMBER } from "./site.mjs";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(REPO, "frontend", "package.json"));
const { chromium } = require("playwright-core");
const SHOTS = join(REPO, "e2e-screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CRAWL_TIMEOUT = 60_000;

let stack; // { api, token, logs, process }
let site;
let bigSite; // the generated 2,000-page site of the views' tests
let bigCrawlId;
let browser;
let context;
let page;
let openapiPaths = [];
const crawlIds = [];
let shotNumber = 0;

async function shot(name, target = page) {
  shotNumber += 1;
  await target.screenshot({ path: join(SHOTS, `${String(shotNumber).padStart(2, "0")}-${name}.png`), fullPage: true });
}

function startStack() {
  const python = join(REPO, ".venv", "bin", "python");
  const child = spawn(python, ["-m", "tests.e2e.stack"], {
    cwd: REPO,
    env: { ...process.env, E2E_LOG_DIR: join(REPO, "test-results", "e2e-logs") },
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      const info = JSON.parse(line);
      if (info.error) reject(new Error(info.error));
      else resolve({ ...info, process: child });
    });
    child.once("exit", (code) => reject(new Error(`the stack exited early with ${code}`)));
  });
}

async function stopStack() {
  if (!stack) return;
  const exited = new Promise((resolve) => stack.process.once("exit", resolve));
  stack.process.stdin.end();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
}

const ui = (path) => `${stack.api}${path}`;
// Prose in the document (descriptions, summaries, examples) may be reworded freely; the
// structure the UI's types come from (paths, parameters, schemas, types) may not drift unseen.
const PROSE = new Set(["description", "summary", "examples", "example"]);
/** A JSON value with object keys in order and prose left out, so two documents compare by structure. */
const sorted = (value) =>
  Array.isArray(value) ? value.map(sorted) : value && typeof value === "object"
    ? Object.fromEntries(Object.keys(value).filter((k) => !PROSE.has(k)).sort().map((k) => [k, sorted(value[k])]))
    : value;
const crawlStatus = () => page.getByTestId("crawl-status");

/**
 * Fill the new-crawl form for the test site and start it; returns the new crawl's id from the
 * overview URL. With `watchList`, first wait on the crawl list until the row says completed
 * (the list is only ever updated by its SSE stream).
 */
async function startCrawlThroughForm({ watchList = false } = {}) {
  await page.goto(ui("/crawls"));
  await page.locator("#crawl-url").fill(site.url);
  const before = crawlIds.length ? await page.getByTestId("crawl-row").count() : 0;
  await page.getByText("Limits and rules").click();
  await page.locator("#crawl-max_rps").fill("20");
  await page.locator("#crawl-concurrency").fill("2");
  await page.getByRole("button", { name: "Start crawl" }).click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="crawl-row"]').length === n + 1, before);
  const row = page.getByTestId("crawl-row").first();
  if (watchList) {
    assert.notEqual(await row.getAttribute("data-status"), "completed");
    await page.locator('[data-testid="crawl-row"][data-status="completed"]').nth(1).waitFor({ timeout: CRAWL_TIMEOUT });
    assert.equal(await row.getAttribute("data-status"), "completed");
    assert.match(await row.getByRole("progressbar").getAttribute("aria-valuetext"), /^(\d+) of \1 pages$/);
  }
  await row.getByRole("link", { name: site.url }).click();
  await page.waitForURL(/\/crawls\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop();
  crawlIds.push(id);
  return id;
}

async function waitCompleted() {
  await page.locator('[data-testid="crawl-status"][data-status="completed"]').waitFor({ timeout: CRAWL_TIMEOUT });
}

before(async () => {
  assert.ok(existsSync(join(REPO, "frontend", "dist", "index.html")), "build the UI first: cd frontend && npm run build");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-system-deps.sh`);
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  [stack, site, bigSite] = await Promise.all([startStack(), createSite(), createBigSite()]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-GB", colorScheme: "light" });
  page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
});

after(async () => {
  await browser?.close();
  site?.server.close();
  bigSite?.server.close();
  await stopStack();
});

describe("the web UI against the real stack", { concurrency: false }, () => {
  it("sends a visitor to the login page and lets them in with the token", async () => {
    await page.goto(ui("/crawls"));
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("API token").fill("not the token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token was not accepted.").waitFor();
    await shot("login");
    await page.getByLabel("API token").fill(stack.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/crawls$/);
    await page.getByRole("heading", { name: "Crawls", level: 1 }).waitFor();
    const response = await page.request.get(ui("/api/openapi.json"));
    openapiPaths = Object.keys((await response.json()).paths);
  });

  it("serves the OpenAPI document the UI's types were generated from", async () => {
    const served = await (await page.request.get(ui("/api/openapi.json"))).json();
    const snapshot = JSON.parse(readFileSync(join(REPO, "frontend", "src", "api", "openapi.json"), "utf8"));
    const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
    const differing = [];
    for (const section of ["paths", "components.schemas"]) {
      const get = (doc) => section.split(".").reduce((o, k) => o?.[k] ?? {}, doc);
      for (const key of new Set([...Object.keys(get(served)), ...Object.keys(get(snapshot))])) {
        if (!same(get(served)[key], get(snapshot)[key])) differing.push(`${section} ${key}`);
      }
    }
    if (!differing.length && !same(served, snapshot)) differing.push("the document's other fields");
    assert.deepEqual(differing, [], "the api changed: run `npm run openapi:update` in frontend/, then fix what `npm run typecheck` reports");
  });

  it("shows the api's validation error beside the field", async () => {
    await page.locator("#crawl-url").fill("http://127.0.0.1:1/");
    await page.getByText("Limits and rules").click();
    await page.locator("#crawl-include").fill("^https://elsewhere/");
    await page.getByRole("button", { name: "Start crawl" }).click();
    await page.locator("#crawl-include-error").filter({ hasText: /include/ }).waitFor();
    assert.equal(await page.locator("#crawl-include").getAttribute("aria-invalid"), "true");
    await shot("crawls-form-error");
  });

  it("starts a crawl and follows its progress live to completion", async () => {
    const id = await startCrawlThroughForm();
    assert.match(id, /^[0-9a-f-]{36}$/);
    // The overview reads the crawl once; after that only the SSE stream moves it on.
    const first = await crawlStatus().getAttribute("data-status");
    assert.notEqual(first, "completed", "the crawl ended before the overview showed it; make the site slower");
    await waitCompleted();
    assert.equal(await page.getByRole("progressbar").getAttribute("aria-valuenow"), "100");
    await page.getByTestId("chart-status").waitFor();
    // the charts are drawn (uPlot on a canvas), their numbers also there as text
    await page.getByTestId("chart-status").locator("canvas").first().waitFor();
    const pages = Number((await page.getByTestId("stat-pages").innerText()).replace(/\D/g, ""));
    assert.ok(pages >= 6, `expected the whole site crawled, saw ${pages} pages`);
    assert.equal(await page.title(), `${site.url} — SEO Crawler`);
    // the worst problems first, one click from their URLs
    await page.getByTestId("top-issues").getByRole("link").first().waitFor();
    assert.match(await page.getByTestId("top-issues").locator("li").first().innerText(), /^error/);
    await shot("overview");
    await page.goto(ui("/crawls"));
    await page.locator('[data-testid="crawl-row"][data-status="completed"]').first().waitFor();
    await shot("crawls");
  });

  it("refuses another site's forged requests that carry the session cookie, and the UI still changes crawls", async () => {
    // The issue's attacks, from a page on another port of the same host (same-site: the browser sends
    // the SameSite=Strict cookie with them): a no-cors text/plain fetch and HTML form posts.
    const bearer = { Authorization: `Bearer ${stack.token}` };
    const count = async () => (await (await page.request.get(ui("/api/crawls?limit=200"), { headers: bearer })).json()).items.length;
    // A slow list-mode crawl (one request a second): still paused, not finished, when the attacks come.
    const urls = Array.from({ length: 100 }, (_, i) => `${site.url}?n=${i}`);
    const target = await (await page.request.post(ui("/api/crawls"), { headers: bearer, data: { mode: "list", urls, max_rps: 1, concurrency: 1 } })).json();
    assert.equal((await page.request.post(ui(`/api/crawls/${target.id}/pause`), { headers: bearer })).status(), 200);
    const before = await count();
    const attacker = http.createServer((req, res) => {
      const field = JSON.stringify(`{"url": "${site.url}", "x": "`).slice(1, -1);
      res.writeHead(200, { "Content-Type": "text/html" }).end(`<!doctype html><title>attack</title>
<iframe name="a"></iframe><iframe name="b"></iframe>
<form id="cancel" method="POST" action="${stack.api}/api/crawls/${target.id}/cancel" target="a"></form>
<form id="start" method="POST" action="${stack.api}/api/crawls" enctype="text/plain" target="b"><input name='${field}' value='"}'></form>
<script>
  const loaded = (name) => new Promise((r) => document.querySelector('iframe[name="' + name + '"]').addEventListener("load", r, { once: true }));
  const done = [loaded("a"), loaded("b"),
    fetch("${stack.api}/api/crawls", { method: "POST", mode: "no-cors", credentials: "include",
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ url: "${site.url}" }) })];
  document.getElementById("cancel").submit();
  document.getElementById("start").submit();
  Promise.all(done).then(() => { document.title = "done"; });
</script>`);
    });
    await new Promise((r) => attacker.listen(0, "127.0.0.1", r));
    const evil = await context.newPage(); // the same browser profile: the victim's session cookie
    const answers = [];
    evil.on("response", (r) => r.url().startsWith(`${stack.api}/api/`) && answers.push(r.status()));
    try {
      await evil.goto(`http://127.0.0.1:${attacker.address().port}/`);
      await evil.waitForFunction(() => document.title === "done");
    } finally {
      await evil.close();
      attacker.close();
    }
    // Each request reached the api with a valid session (else 401) and was refused as cross-site.
    assert.equal(answers.length, 3, `answers: ${answers}`);
    assert.ok(answers.every((status) => status === 415 || status === 403), `answers: ${answers}`);
    assert.equal(await count(), before, "a forged request started a crawl");
    const after = await (await page.request.get(ui(`/api/crawls/${target.id}`), { headers: bearer })).json();
    assert.equal(after.status, "paused", "a forged request cancelled the crawl");

    // The UI itself (same origin, JSON, no body for the action) still changes crawls.
    await page.goto(ui("/crawls"));
    const row = page.locator(`[data-testid="crawl-row"]`, { has: page.locator(`a[href="/crawls/${target.id}"]`) });
    await row.getByRole("button", { name: "Cancel" }).click();
    await page.locator(`[data-testid="crawl-row"][data-status="cancelled"]`, { has: page.locator(`a[href="/crawls/${target.id}"]`) }).waitFor();
  });

  it("filters and sorts pages on the server, keeping both in the URL", async () => {
    await page.goto(ui(`/crawls/${crawlIds[0]}/pages`));
    await page.getByTestId("page-row").first().waitFor();
    await page.getByTestId("filter-status").selectOption("4xx");
    await page.waitForURL(/status_code=4xx/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length === 1);
    assert.match(await page.getByTestId("page-row").innerText(), /\/missing/);
    await page.reload();
    await page.getByTestId("page-row").first().waitFor();
    assert.equal(await page.getByTestId("filter-status").inputValue(), "4xx");
    assert.equal(await page.getByTestId("page-row").count(), 1);

    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByTestId("sort-word_count").click();
    await page.waitForURL(/sort=word_count&order=desc/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length > 3);
    const times = await page.evaluate(() => {
      const column = [...document.querySelectorAll('[role="columnheader"]')].findIndex((h) => h.getAttribute("aria-label") === "Words");
      return [...document.querySelectorAll('[data-testid="page-row"]')].map((r) => Number(r.children[column].textContent.replace(/[^\d.]/g, "")) || 0);
    });
    assert.deepEqual(times, [...times].sort((a, b) => b - a), `rows not sorted by words: ${times}`);
    // the column chooser adds a column and remembers it in the address
    await page.getByText("Columns", { exact: true }).click();
    await page.getByLabel("Canonical", { exact: true }).check();
    await page.waitForURL(/cols=[^&]*canonical/);
    await page.getByRole("columnheader", { name: "Canonical" }).waitFor();
    await page.getByText("Columns", { exact: true }).click();
    // a column is resized by dragging its header's edge, and keeps its width after a reload
    const handle = page.getByRole("separator", { name: "Resize the column URL" });
    const before = Number(await handle.getAttribute("aria-valuenow"));
    const box = await handle.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = Number(await handle.getAttribute("aria-valuenow"));
    assert.ok(after >= before + 100, `the URL column went from ${before} to ${after} px`);
    await page.reload();
    await page.getByTestId("page-row").first().waitFor();
    assert.equal(Number(await page.getByRole("separator", { name: "Resize the column URL" }).getAttribute("aria-valuenow")), after);
    // keyboard: arrows move between rows, Enter opens one
    await page.getByTestId("page-row").first().focus();
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-index") === "1", null, { timeout: 5000 });
    await shot("pages");
  });

  it("scrolls a 100,000-page crawl smoothly, with only the visible rows in the page", async () => {
    const total = 100_000;
    const fake = (n) => ({
      id: n, url: `${site.url}product/${n}`, status_code: n % 97 ? 200 : 404, indexable: n % 97 !== 0, title: `Product ${n}`,
      depth: 2, response_time_ms: 40 + (n % 300), word_count: 300, inlinks_count: 3, h1: [], h2: [], hreflang: [],
      redirect_chain: [], structured_data_types: [], crawled_at: "2026-11-27T08:00:00.000000+00:00",
    });
    // Stand-in answers for the pages list only: the api's paging is tested in Python; here the browser is.
    await page.route(/\/api\/crawls\/[^/]+\/pages\?/, async (route) => {
      const url = new URL(route.request().url());
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const limit = Number(url.searchParams.get("limit"));
      const items = Array.from({ length: Math.min(limit, total - start) }, (_, i) => fake(start + i + 1));
      await route.fulfill({ json: { items, total, next_cursor: start + limit < total ? String(start + limit) : null } });
    });
    try {
      await page.goto(ui(`/crawls/${crawlIds[0]}/pages`));
      await page.getByTestId("page-row").first().waitFor();
      assert.match(await page.getByTestId("pages-count").innerText(), /100,000 pages/);
      const table = page.getByTestId("pages-table");
      const frames = await page.getByTestId("pages-scroll").evaluate(async (el) => {
        // Scroll in steps of a screen, as a user holding Page Down would, and time every frame.
        const gaps = [];
        let last = performance.now();
        for (let i = 0; i < 200; i++) {
          el.scrollTop += el.clientHeight;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          gaps.push(now - last);
          last = now;
        }
        return gaps.sort((a, b) => a - b);
      });
      const loaded = Number(await table.getAttribute("data-loaded"));
      assert.ok(loaded >= 3_000, `only ${loaded} rows loaded while scrolling`);
      const inDom = await page.getByTestId("page-row").count();
      assert.ok(inDom < 100, `${inDom} rows in the DOM: the table is not virtualised`);
      const median = frames[Math.floor(frames.length / 2)];
      assert.ok(median < 100, `median frame while scrolling ${median.toFixed(1)} ms`);
      await shot("pages-100k");
    } finally {
      await page.unroute(/\/api\/crawls\/[^/]+\/pages\?/);
    }
  });

  it("renders a crawled title and h1 full of markup as text and runs none of it", async () => {
    await page.getByTestId("pages-search").fill("evil");
    await page.waitForURL(/q=evil/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length === 1);
    assert.ok((await page.getByTestId("page-row").innerText()).includes("<script>"));
    await page.getByTestId("page-row").press("Enter");
    await page.waitForURL(/\/pages\/\d+$/);
    await page.getByTestId("page-title").waitFor();
    assert.equal(await page.getByTestId("page-title").innerText(), EVIL);
    assert.equal((await page.locator('[data-field="h1"]').innerText()).trim(), EVIL);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator("main img, main script").count(), 0);
    await shot("page-hostile");
  });

  it("shows a redirect's chain on its page", async () => {
    await page.goto(ui(`/crawls/${crawlIds[0]}/pages?status_code=3xx`));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length === 1);
    await page.getByTestId("page-row").click();
    const chain = page.getByTestId("redirect-chain");
    await chain.waitFor();
    const hops = await chain.locator("li").allInnerTexts();
    assert.deepEqual(hops.map((h) => h.trim()), [`301 ${site.url}moved`, `200 ${site.url}a`]);
    await shot("page-redirect");
  });

  it("shows the issues by code with the explanation and the URLs", async () => {
    await page.goto(ui(`/crawls/${crawlIds[0]}/issues`));
    const row = page.locator('[data-testid="issue-row"][data-code="title_too_short"]');
    await row.waitFor();
    const codes = await page.$$eval('[data-testid="issue-row"]', (rows) => rows.map((r) => r.dataset.code));
    assert.ok(codes.includes("status_4xx"), `issues: ${codes}`);
    await page.getByRole("button", { name: /^error \(/ }).click();
    await page.waitForURL(/severity=error/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="issue-row"] .severity-warning').length === 0);
    assert.ok((await page.getByTestId("issue-row").count()) < codes.length);
    await page.getByRole("button", { name: /^all \(/ }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="issue-row"]').length === n, codes.length);
    await row.getByRole("button").click();
    await page.waitForURL(/code=title_too_short/);
    const detail = page.getByTestId("issue-detail");
    await detail.getByTestId("issue-url").first().waitFor();
    assert.match(await detail.getByTestId("issue-url").first().innerText(), /\/short$/);
    assert.ok((await detail.getByTestId("issue-fix").innerText()).length > 10);
    await shot("issues");
    await detail.getByTestId("issue-url").first().click();
    await page.getByTestId("page-issue").first().waitFor();
    await shot("page-detail");
  });

  it("exports pages as CSV, JSON Lines and XLSX, and a sitemap", async (t) => {
    if (!openapiPaths.includes("/api/crawls/{crawl_id}/export")) return t.skip("the api has no export endpoint yet");
    await page.goto(ui(`/crawls/${crawlIds[0]}`));
    await page.getByTestId("export-pages-csv").waitFor();
    for (const [id, type] of [["export-pages-csv", /csv/], ["export-issues-json", /json/], ["export-links-xlsx", /sheet|xlsx|octet/], ["export-sitemap", /xml/]]) {
      const href = await page.getByTestId(id).getAttribute("href");
      const response = await page.request.get(ui(href));
      assert.equal(response.status(), 200, `${href}: ${response.status()}`);
      assert.match(response.headers()["content-type"] ?? "", type, href);
    }
    const csv = await (await page.request.get(ui(await page.getByTestId("export-pages-csv").getAttribute("href")))).text();
    assert.ok(csv.includes(`${site.url}a`), "the CSV lists the crawled pages");
  });

  it("compares two crawls of the site after it changed", async (t) => {
    site.version = 2;
    await startCrawlThroughForm({ watchList: true });
    await waitCompleted();
    if (!openapiPaths.includes("/api/crawls/{crawl_id}/compare/{other_id}")) return t.skip("the api has no compare endpoint yet");
    await page.getByTestId("compare-picker").selectOption(crawlIds[0]);
    await page.waitForURL(new RegExp(`/compare/${crawlIds[0]}$`));
    await page.getByTestId("compare-added").getByRole("link", { name: `${site.url}new` }).waitFor();
    const changed = page.getByTestId("compare-changed");
    await changed.getByRole("link", { name: `${site.url}a` }).waitFor();
    assert.match(await changed.innerText(), /Page A has a brand new title for the second crawl/);
    assert.match(await page.getByTestId("compare-fields").innerText(), /Title: 1/);
    await shot("compare");
  });

  it("crawls a generated 2,000-page site, its progress live: rate, queue, status codes, errors", async () => {
    // a script's request: the Bearer token, as scripts send it (the session cookie is the UI's)
    const response = await page.request.post(ui("/api/crawls"), {
      headers: { Authorization: `Bearer ${stack.token}` },
      data: { url: bigSite.url, max_pages: 2100, max_rps: 1000, concurrency: 8, use_sitemaps: false },
    });
    assert.equal(response.status(), 201, await response.text());
    bigCrawlId = (await response.json()).id;
    await page.goto(ui(`/crawls/${bigCrawlId}`));
    const live = page.getByTestId("live-progress");
    await live.waitFor();
    // the stream moves it on: pages arrive (status codes), the rate chart gets its points
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="progress-status"]')?.textContent ?? ""), null, { timeout: CRAWL_TIMEOUT });
    // two progress events (a second apart) make a line of pages per second
    await page.getByTestId("progress-rate-chart").locator("canvas").first().waitFor({ timeout: CRAWL_TIMEOUT });
    await shot("progress-running", page);
  });

  it("renders a JavaScript site from the form and shows raw beside rendered on a page", async () => {
    await page.goto(ui("/crawls"));
    await page.locator("#crawl-url").fill(`${site.url}app/`);
    await page.getByLabel("Render JavaScript (headless Chromium)").check();
    await page.getByRole("button", { name: "Start crawl" }).click();
    const row = page.getByTestId("crawl-row").filter({ hasText: `${site.url}app/` });
    await row.getByRole("link", { name: `${site.url}app/` }).click();
    await page.waitForURL(/\/crawls\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split("/").pop();
    crawlIds.push(id);
    await waitCompleted();
    const crawl = await (await page.request.get(ui(`/api/crawls/${id}`))).json();
    assert.equal(crawl.settings.render, "chromium");
    // The menu exists only after the script ran: the rendered crawl found the second route through it.
    await page.goto(ui(`/crawls/${id}/pages?q=about`));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length === 1);
    await page.getByTestId("page-row").click();
    const comparison = page.getByTestId("rendered-comparison");
    await comparison.waitFor();
    const title = comparison.locator('[data-signal="title"]');
    assert.match(await title.innerText(), /Loading[\s\S]*About the shop, also built by the script/);
    assert.match(await title.innerText(), /changed by JavaScript/);
    assert.equal(await page.getByTestId("page-title").innerText(), "About the shop, also built by the script");
    assert.equal(await comparison.getByTestId("rendered-only-links").locator("li").count(), 2);
    const codes = await page.getByTestId("page-issue").evaluateAll((items) => items.map((item) => item.dataset.code));
    assert.ok(codes.includes("js_links_only_rendered"), codes.join("\n"));
    await shot("page-rendered");
  });

  it("crawls a members-only shop with the form's credentials and extraction rules; each rule is a column and in the export", async () => {
    const shop = await createMembersShop();
    try {
      await page.goto(ui("/crawls"));
      await page.locator("#crawl-url").fill(shop.url + "p/kettle");
      // Credentials: write-only, sent to the shop's origin only.
      await page.getByTestId("auth-section").locator("summary").click();
      await page.getByLabel("Basic auth user").fill(MEMBER.user);
      await page.getByLabel("Basic auth password").fill(MEMBER.password);
      // Extraction: a rule, tested on the start URL before the crawl (with the form's credentials).
      await page.getByTestId("extraction-details").locator("summary").click();
      await page.getByTestId("rule-add").click();
      await page.getByTestId("rule-name").fill("price");
      await page.getByTestId("rule-expression").fill(".price");
      await page.getByTestId("rule-test").click();
      const tested = page.getByTestId("rule-test-row");
      await tested.waitFor();
      assert.match(await tested.innerText(), /price\s+\$19\.99/);
      await shot("crawl-form-auth-extraction");
      await page.locator("#crawl-url").fill(shop.url);
      await page.getByRole("button", { name: "Start crawl" }).click();
      const row = page.getByTestId("crawl-row").filter({ hasText: shop.url });
      await row.getByRole("link", { name: shop.url }).click();
      await page.waitForURL(/\/crawls\/[0-9a-f-]{36}$/);
      const id = new URL(page.url()).pathname.split("/").pop();
      crawlIds.push(id);
      await waitCompleted();
      const crawl = await (await page.request.get(ui(`/api/crawls/${id}`))).json();
      assert.deepEqual(Object.keys(crawl.settings.auth).sort(), ["methods", "secret_ref"]);
      assert.ok(!JSON.stringify(crawl).includes(MEMBER.password), "the crawl's settings show the password");

      // The rule is a column of its own: its values, sorted (as numbers) and filtered on the server.
      await page.goto(ui(`/crawls/${id}/pages`));
      await page.getByRole("columnheader", { name: /^price/ }).waitFor();
      await page.getByTestId("sort-extracted:price").click(); // text: ascending first
      await page.waitForURL(/sort=extracted(%3A|:)price&order=asc/);
      await page.getByTestId("sort-extracted:price").click();
      await page.waitForURL(/sort=extracted(%3A|:)price&order=desc/);
      await page.waitForFunction(() => document.querySelector('[data-testid="page-row"]')?.textContent?.includes("120.00"));
      const first = await page.getByTestId("page-row").first().innerText();
      assert.match(first, /\/p\/mixer/);
      await page.getByTestId("filter-extracted").fill("19.99");
      await page.getByTestId("filter-extracted-apply").click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="page-row"]').length === 1);
      assert.match(await page.getByTestId("page-row").innerText(), /\/p\/kettle[\s\S]*\$19\.99/);
      await shot("pages-extraction-columns");

      // The export has one column per rule; no export holds the password.
      const csv = await (await page.request.get(ui(`/api/crawls/${id}/export?format=csv&what=pages`))).text();
      const [header, ...lines] = csv.replace(/^\ufeff/, "").trim().split(/\r?\n/);
      const column = header.split(",").indexOf("extracted.price");
      assert.ok(column >= 0, header);
      assert.ok(lines.some((line) => line.includes("/p/toaster") && line.includes("$ 34.50")), csv);
      for (const format of ["csv", "json", "xlsx"]) {
        const body = await (await page.request.get(ui(`/api/crawls/${id}/export?format=${format}&what=pages`))).body();
        assert.ok(!body.includes(MEMBER.password), `the ${format} export holds the password`);
      }
      assert.equal(shop.refused, 0, "a request of the crawl went without the credentials");
      // Nor do the services' logs (the worker's names the crawl: its log is the one written).
      const logs = ["api", "worker", "scheduler"].map((name) => readFileSync(join(stack.logs, `${name}.log`), "utf8"));
      assert.ok(logs[1].includes(id), "the worker's log does not name the crawl");
      for (const text of logs) assert.ok(!text.includes(MEMBER.password), "a service's log holds the password");
    } finally {
      shop.server.close();
    }
  });

  it("creates a schedule with next runs in words, and deletes it", async () => {
    await page.goto(ui("/schedules"));
    await page.getByText("No schedules yet.").waitFor();
    await page.locator("#sched-url").fill(site.url);
    await page.locator("#sched-tz").fill("Europe/Moscow");
    // the api judges what is typed: a well-formed day that never comes is refused in place
    await page.locator("#sched-cron").fill("0 0 30 2 *");
    await page.getByTestId("cron-error").filter({ hasText: "never fires" }).waitFor();
    await page.getByRole("button", { name: "Every Monday at 03:00" }).click();
    assert.equal(await page.locator("#sched-cron").inputValue(), "0 3 * * 1");
    await page.getByTestId("cron-words").filter({ hasText: "At 03:00, only on Monday" }).waitFor();
    const next = page.getByTestId("cron-next").locator("li");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="cron-next"] li').length === 5);
    // the runs the api computed for Moscow, shown in Moscow time
    await page.getByTestId("cron-next").filter({ hasText: /Monday.*03:00/ }).waitFor();
    assert.match(await next.first().innerText(), /Monday.*03:00/);
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.getByTestId("schedule-row").waitFor();
    await shot("schedules");
    await page.reload();
    await page.getByTestId("schedule-row").waitFor();
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByTestId("schedule-row").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No schedules yet.").waitFor();
    const listed = await (await page.request.get(ui("/api/schedules"))).json();
    assert.equal(listed.items.length, 0);
  });

  it("switches to Russian and keeps the choice across a reload", async () => {
    await page.goto(ui("/crawls"));
    await page.getByTestId("language").selectOption("ru");
    await page.getByRole("heading", { name: "Сканирования", level: 1 }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Сканирования", level: 1 }).waitFor();
    assert.ok(await page.getByRole("button", { name: "Начать сканирование" }).isVisible());
    await page.goto(ui(`/crawls/${crawlIds[0]}/issues`));
    await page.getByRole("heading", { name: "Проблемы", level: 1 }).waitFor();
    await page.getByTestId("issue-row").first().waitFor();
    await shot("issues-ru");
    await page.goto(ui(`/crawls/${crawlIds[0]}`));
    await page.getByRole("heading", { name: "Графики" }).waitFor();
    await shot("overview-ru");
    await page.getByTestId("language").selectOption("en");
    await page.getByRole("heading", { name: "Charts" }).waitFor();
  });

  it("shows every view in Russian in dark mode, counts in the right plural form", async () => {
    const dark = await browser.newContext({
      storageState: await context.storageState(),
      viewport: { width: 1280, height: 860 },
      colorScheme: "dark",
      locale: "ru-RU",
    });
    await dark.addInitScript(() => localStorage.setItem("seo.lang", "ru"));
    const ru = await dark.newPage();
    try {
      await ru.goto(ui("/crawls"));
      await ru.getByRole("heading", { name: "Сканирования", level: 1 }).waitFor();
      await ru.getByTestId("crawl-row").first().waitFor();
      const progress = await ru.getByTestId("crawl-row").first().getByRole("progressbar").getAttribute("aria-valuetext");
      assert.match(progress, /^[\d\u00a0\u202f ]+ из [\d\u00a0\u202f ]+ (страницы|страниц)$/);
      await shot("crawls-ru-dark", ru);
      await ru.goto(ui(`/crawls/${crawlIds[0]}`));
      await ru.getByTestId("chart-status").locator("canvas").first().waitFor();
      await shot("overview-ru-dark", ru);
      await ru.goto(ui(`/crawls/${crawlIds[0]}/pages`));
      await ru.getByTestId("page-row").first().waitFor();
      const count = await ru.getByTestId("pages-count").innerText();
      const n = Number(count.replace(/\D/g, ""));
      const form = n % 10 === 1 && n % 100 !== 11 ? "страница" : [2, 3, 4].includes(n % 10) && ![12, 13, 14].includes(n % 100) ? "страницы" : "страниц";
      assert.equal(count, `${n} ${form}`);
      await shot("pages-ru-dark", ru);
      await ru.getByTestId("page-row").first().click();
      await ru.getByTestId("page-title").waitFor();
      await shot("page-ru-dark", ru);
      await ru.goto(ui(`/crawls/${crawlIds[0]}/issues?code=title_too_short`));
      await ru.getByTestId("issue-detail").getByTestId("issue-url").first().waitFor();
      await shot("issues-ru-dark", ru);
      await ru.goto(ui(`/crawls/${crawlIds[1]}/compare/${crawlIds[0]}`));
      await ru.getByTestId("compare-changed").waitFor();
      await shot("compare-ru-dark", ru);
      await ru.goto(ui("/schedules"));
      await ru.getByRole("heading", { name: "Расписания", level: 1 }).waitFor();
      await ru.getByTestId("cron-next").waitFor();
      await shot("schedules-ru-dark", ru);
    } finally {
      await dark.close();
    }
  });

  it("shows the sites dashboard, a site's trends, channels (a test message arrives) and alerts, in English and Russian, light and dark", async () => {
    // A webhook receiver on loopback: the channel's test message must reach it, signed.
    const received = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
      });
    });
    await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      await page.goto(ui("/"));
      // the test site's card (the 2,000-page site and others are sites too)
      const card = page.getByTestId("site-card").filter({ hasText: new URL(site.url).host }).first();
      await card.getByTestId("site-health").waitFor();
      assert.match(await card.innerText(), /Health \d/);
      await shot("sites");
      await card.getByRole("link").first().click();
      await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
      const siteUrl = page.url().replace(stack.api, "");
      await page.getByTestId("trend-chart").first().locator("canvas").first().waitFor();
      assert.equal(await page.getByTestId("trend-chart").count(), 4);
      await page.getByTestId("last-changes").getByRole("link", { name: "Full comparison" }).waitFor();
      await shot("site");

      await page.goto(ui("/channels"));
      await page.getByLabel("Name", { exact: true }).fill("Loopback hook");
      await page.getByLabel("Webhook URL").fill(`http://127.0.0.1:${receiver.address().port}/hook`);
      await page.getByLabel("Signing secret (16+ characters)").fill("e2e-signing-secret-0123");
      await page.getByRole("button", { name: "Create channel" }).click();
      const row = page.getByTestId("channel-row").first();
      await row.getByRole("button", { name: "Send test message" }).click();
      await row.getByTestId("test-result").filter({ hasText: "Delivered" }).waitFor();
      assert.equal(received.length, 1);
      assert.equal(received[0].headers["x-seo-event"], "test.message");
      assert.match(received[0].headers["x-seo-signature"], /^sha256=[0-9a-f]{64}$/);
      assert.ok(!(await row.innerText()).includes("e2e-signing-secret"), "the secret is never shown again");
      await shot("channels");

      // A rule on the site (the form's default: pages that stopped answering 200), sent through the channel.
      await page.goto(ui(siteUrl));
      await page.getByLabel("Loopback hook").check();
      await page.getByRole("button", { name: "Add rule" }).click();
      await page.getByTestId("rule-row").first().waitFor();

      // A crawl of the whole site as it is (the site's last crawl was of its /app/ alone), then page B
      // breaks: the next crawl raises the alert, the worker delivers it to the webhook, and the history
      // shows what fired, why, and the delivery's status.
      const crawlSite = async () => {
        const started = await page.request.post(ui("/api/crawls"), {
          headers: { Authorization: `Bearer ${stack.token}` },
          data: { url: site.url, max_rps: 50, concurrency: 4 },
        });
        assert.equal(started.status(), 201, await started.text());
        await page.goto(ui(`/crawls/${(await started.json()).id}`));
        await waitCompleted();
      };
      await crawlSite();
      site.broken.add("/b");
      try {
        await crawlSite();
      } finally {
        site.broken.delete("/b");
      }
      await page.goto(ui("/alerts"));
      await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
      const alert = page.getByTestId("alert-row").filter({ hasText: "stopped answering 200" }).first();
      await alert.waitFor({ timeout: CRAWL_TIMEOUT });
      // The history is read once per visit: reload until the worker's delivery shows as delivered.
      const deadline = Date.now() + CRAWL_TIMEOUT;
      while (!/Loopback hook: delivered/.test(await alert.getByTestId("delivery").first().innerText())) {
        assert.ok(Date.now() < deadline, `the delivery never showed as delivered: ${await alert.innerText()}`);
        await page.waitForTimeout(500);
        await page.reload();
        await alert.waitFor();
      }
      await alert.getByText("Why").click();
      assert.match(await alert.innerText(), new RegExp(`${site.url}b: 200 → 500`));
      const raised = received.filter((r) => r.headers["x-seo-event"] === "alert.raised");
      assert.equal(raised.length, 1, "the alert reached the webhook once");
      assert.match(raised[0].headers["x-seo-signature"], /^sha256=[0-9a-f]{64}$/);
      assert.equal(JSON.parse(raised[0].body).alert.kind, "pages_broken");
      await shot("alerts");

      for (const [lang, scheme] of [["ru", "dark"], ["ru", "light"], ["en", "dark"]]) {
        const themed = await browser.newContext({
          storageState: await context.storageState(),
          viewport: { width: 1280, height: 860 },
          colorScheme: scheme,
          locale: lang === "ru" ? "ru-RU" : "en-GB",
        });
        await themed.addInitScript((value) => localStorage.setItem("seo.lang", value), lang);
        const view = await themed.newPage();
        try {
          await view.goto(ui("/"));
          await view.getByTestId("site-health").first().waitFor();
          if (lang === "ru") assert.match(await view.getByTestId("site-card").first().innerText(), /Здоровье/);
          await shot(`sites-${lang}-${scheme}`, view);
          await view.goto(ui(siteUrl));
          await view.getByTestId("trend-chart").first().locator("canvas").first().waitFor();
          await shot(`site-${lang}-${scheme}`, view);
          await view.goto(ui("/channels"));
          await view.getByTestId("channel-row").first().waitFor();
          await shot(`channels-${lang}-${scheme}`, view);
          await view.goto(ui("/alerts"));
          await view.locator("h1").waitFor();
          await shot(`alerts-${lang}-${scheme}`, view);
        } finally {
          await themed.close();
        }
      }
    } finally {
      receiver.close();
    }
  });

  it("logs out, after which the UI asks for the token again", async () => {
    await page.goto(ui("/schedules"));
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(ui(`/crawls/${crawlIds[0]}`));
    await page.waitForURL(/\/login\?next=/);
    assert.equal((await page.request.get(ui("/api/crawls"))).status(), 401);
    await page.getByLabel("API token").fill(stack.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(new RegExp(`/crawls/${crawlIds[0]}$`)); // back where they were going
  });

  it("fits the overview on a phone, in dark mode too", async () => {
    const phone = await browser.newContext({
      storageState: await context.storageState(),
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: "dark",
      locale: "en-GB",
    });
    const mobile = await phone.newPage();
    await mobile.goto(ui(`/crawls/${crawlIds[0]}`));
    await mobile.getByTestId("chart-status").waitFor();
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the overview scrolls sideways by ${overflow}px on a phone`);
    const background = await mobile.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background, "rgb(16, 19, 23)", "dark mode follows the system");
    await shot("overview-phone-dark", mobile);
    await mobile.goto(ui("/crawls"));
    await mobile.getByTestId("crawl-row").first().waitFor();
    await mobile.getByText("Limits and rules").click();
    await shot("crawls-phone-dark", mobile);
    await phone.close();
  });

  // --- the views of issue 16, on the generated 2,000-page site -------------------------------------

  async function bigCrawlDone() {
    // the overview follows the crawl over SSE until it says completed
    await page.goto(ui(`/crawls/${bigCrawlId}`));
    await page.locator('[data-testid="crawl-status"][data-status="completed"]').waitFor({ timeout: 4 * CRAWL_TIMEOUT });
    return (await page.request.get(ui(`/api/crawls/${bigCrawlId}`))).json();
  }

  async function pageIdOf(path) {
    const body = await (await page.request.get(ui(`/api/crawls/${bigCrawlId}/pages?q=${encodeURIComponent(path)}&limit=5`))).json();
    const found = body.items.find((p) => p.url === new URL(path, bigSite.url).href);
    assert.ok(found, `no page ${path}`);
    return found.id;
  }

  it("shows issue evidence as tables: each broken link with its anchor, status and count", async () => {
    const crawl = await bigCrawlDone();
    assert.ok(crawl.pages_crawled >= 2000, `crawled ${crawl.pages_crawled}`);
    // the overview leads with the template problems: one finding each, with its page count
    // (the charts re-read the issue counts once the crawl has ended: wait for the final numbers)
    await page.waitForFunction(() => /Viewport missing.*2,000 pages/.test(document.querySelector('[data-testid="site-wide"]')?.innerText ?? ""));
    await shot("overview-site-wide");
    await page.goto(ui(`/crawls/${bigCrawlId}/issues?code=broken_internal_link`));
    const detail = page.getByTestId("issue-detail");
    await detail.getByTestId("evidence-row").first().waitFor();
    const row = await detail.getByTestId("evidence-row").first().innerText();
    assert.match(row, /changelog\.html/);
    assert.match(row, /Changelog/);
    assert.match(row, /404/);
    assert.match(row, /\b2\b/, "the broken link repeated twice on the page is one row with its count");
    assert.ok(!(await detail.innerText()).includes('{"'), "evidence is never raw JSON");
    await shot("evidence-broken-links");
    // duplicates read as groups; redirects as chains (the small site has one)
    await page.goto(ui(`/crawls/${crawlIds[0]}/issues?code=status_3xx`));
    await page.getByTestId("evidence-chain").first().waitFor();
  });

  it("leads the page view with status, title, description, h1, canonical and issues on the first screen", async () => {
    const id = await pageIdOf("/docs/section-3/");
    await page.goto(ui(`/crawls/${bigCrawlId}/pages/${id}`));
    await page.getByTestId("key-fields").waitFor();
    await page.getByTestId("page-issue").first().waitFor();
    const height = page.viewportSize().height;
    for (const field of ["status_code", "title", "meta_description", "h1", "canonical"]) {
      const box = await page.locator(`[data-testid="key-fields"] [data-field="${field}"]`).boundingBox();
      assert.ok(box && box.y + box.height <= height, `${field} is below the first screen (${box?.y})`);
    }
    const issues = await page.locator("#page-issues").boundingBox();
    assert.ok(issues.y < height, `the issues start at ${issues.y}px`);
    const first = await page.getByTestId("page-issue").first().boundingBox();
    assert.ok(first.y + first.height <= height, "the first issue is on the first screen");
    await shot("page-first-screen");
    // further down, the crawl path: how the crawler first reached the page, link by link
    const steps = page.getByTestId("crawl-path").locator("li");
    await steps.first().waitFor();
    assert.equal(await steps.count(), 2);
    assert.equal(await steps.nth(0).innerText(), `200 ${bigSite.url} → Section 3`);
    assert.equal(await steps.nth(0).getByRole("link").count(), 1, "an earlier step opens its page");
    assert.match(await steps.nth(1).locator("strong").innerText(), /\/docs\/section-3\/$/);
  });

  it("pages a page's 1,000 links on the server, with counts that agree", async () => {
    const id = await pageIdOf("/contents.html");
    await page.goto(ui(`/crawls/${bigCrawlId}/pages/${id}`));
    const outlinks = page.getByTestId("outlinks");
    await outlinks.getByTestId("outlink-row").first().waitFor();
    assert.match(await page.getByTestId("outlinks-total").innerText(), /^1,001 links on this page$/);
    assert.equal(await outlinks.getByTestId("outlink-row").count(), 50);
    await outlinks.getByTestId("load-more").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="outlink-row"]').length === 100);
    await page.getByTestId("outlinks-search").fill("Page 999");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="outlink-row"]').length === 1);
    // the home page: linked from every page; the list's total is the record's inlinks_count
    const home = await pageIdOf("/");
    const record = await (await page.request.get(ui(`/api/crawls/${bigCrawlId}/pages/${home}`))).json();
    await page.goto(ui(`/crawls/${bigCrawlId}/pages/${home}`));
    await page.getByTestId("inlinks-total").waitFor();
    assert.equal(Number((await page.getByTestId("inlinks-total").innerText()).replace(/\D/g, "")), record.inlinks_count);
    assert.equal(Number((await page.locator('[data-testid="key-fields"] [data-field="inlinks_count"]').innerText()).replace(/\D/g, "")), record.inlinks_count);
    assert.equal(record.link_score, 100, "the page every page links to is the strongest");
    await shot("page-links");
  });

  it("shows the pages table's default columns on a laptop's screen, issue count and top issue included", async () => {
    // the session cookie only: no column widths remembered from the resizing test
    const { cookies } = await context.storageState();
    const laptop = await browser.newContext({ storageState: { cookies, origins: [] }, viewport: { width: 1366, height: 768 }, locale: "en-GB" });
    const tab = await laptop.newPage();
    try {
      await tab.goto(ui(`/crawls/${bigCrawlId}/pages?sort=issues_count&order=desc`));
      await tab.getByTestId("page-row").first().waitFor();
      const headers = await tab.locator(".dt-head-row .dt-cell").allInnerTexts();
      assert.deepEqual(headers.map((h) => h.split("\n")[0].replace(/[▲▼]/g, "").trim()),
        ["URL", "Status", "Indexable", "Title", "Meta description", "H1", "Words", "Inlinks", "Link score", "Issues", "Top issue"]);
      const scroll = await tab.getByTestId("pages-scroll").evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.ok(scroll <= 1, `the default columns need ${scroll}px of sideways scrolling`);
      const last = await tab.locator(".dt-head-row .dt-cell").last().boundingBox();
      assert.ok(last.x + last.width <= 1366, "the top issue column is on screen");
      const cells = await tab.getByTestId("page-row").first().locator(".dt-cell").allInnerTexts();
      assert.ok(Number(cells[9].replace(/\D/g, "")) > 0 && cells[10].trim().length > 0, cells.join(" | "));
      await tab.screenshot({ path: join(SHOTS, "pages-laptop.png") });
    } finally {
      await laptop.close();
    }
  });

  it("draws the site's structure: the folder tree and the WebGL link graph", async () => {
    await page.goto(ui(`/crawls/${bigCrawlId}/structure`));
    const tree = page.getByTestId("structure-tree");
    await tree.locator('[data-testid="tree-row"][data-path$="/docs/"]').waitFor();
    await tree.locator('[data-testid="tree-row"][data-path$="/docs/"]').getByTestId("tree-toggle").click();
    await tree.locator('[data-testid="tree-row"][data-path$="/docs/section-1/"]').waitFor();
    const graph = page.locator('[data-testid="link-graph"][data-state="rendered"]');
    await graph.waitFor({ timeout: 10_000 });
    assert.equal(Number(await graph.getAttribute("data-nodes")), 200);
    assert.ok(Number(await graph.getAttribute("data-edges")) > 200);
    await shot("structure");
  });

  it("shows the new views in English and Russian, light and dark, on a desktop and a phone", async () => {
    const state = await context.storageState();
    const issues = `/crawls/${bigCrawlId}/issues?code=broken_internal_link`;
    const pageView = `/crawls/${bigCrawlId}/pages/${await pageIdOf("/docs/section-3/")}`;
    const structure = `/crawls/${bigCrawlId}/structure?n=100`;
    for (const lang of ["en", "ru"]) {
      for (const scheme of ["light", "dark"]) {
        for (const device of ["desktop", "phone"]) {
          const phone = device === "phone";
          const ctx = await browser.newContext({
            storageState: state,
            viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
            isMobile: phone,
            hasTouch: phone,
            colorScheme: scheme,
            locale: lang === "ru" ? "ru-RU" : "en-GB",
          });
          await ctx.addInitScript((l) => localStorage.setItem("seo.lang", l), lang);
          const tab = await ctx.newPage();
          try {
            const name = `${lang}-${scheme}-${device}`;
            await tab.goto(ui(issues));
            await tab.getByTestId("issue-detail").getByTestId(phone ? "evidence-table" : "evidence-row").first().waitFor();
            await tab.screenshot({ path: join(SHOTS, `views-evidence-${name}.png`) });
            await tab.goto(ui(pageView));
            await tab.getByTestId("page-issue").first().waitFor();
            await tab.screenshot({ path: join(SHOTS, `views-page-${name}.png`) });
            await tab.goto(ui(structure));
            await tab.locator('[data-testid="link-graph"][data-state="rendered"]').waitFor({ timeout: 10_000 });
            await tab.screenshot({ path: join(SHOTS, `views-structure-${name}.png`) });
            const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert.ok(overflow <= 1, `${name}: the structure view scrolls sideways by ${overflow}px`);
          } finally {
            await ctx.close();
          }
        }
      }
    }
  });
});
