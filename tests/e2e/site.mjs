// A small web site on loopback for the browser tests, with known defects and one hostile page.
// `site.version = 2` changes it in known ways, so a second crawl has something to compare.
import http from "node:http";

export const EVIL = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;

const page = ({ title, h1, body = "", links = [], lang = "en", description = "A page of the test site, long enough to be a fine meta description for the audit rules." }) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><meta name="description" content="${description}"></head>
<body><h1>${h1}</h1><p>${body}</p>${links.map((l) => `<a href="${l}">${l}</a>`).join(" ")}</body></html>`;

// In <title> markup is already text (RCDATA); in <h1> it must be escaped to arrive as text.
const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const words = (n) => Array.from({ length: n }, (_, i) => `word${i % 50}`).join(" ");

// A single-page application under /app/: every route answers the same shell, and the script builds
// the title, the menu and the text (a raw crawl sees "Loading" and no link; a rendered one sees it all).
const SPA_ROUTES = { "/app/": "Tea shop, rendered by a script", "/app/about": "About the shop, also built by the script" };
const SPA_SHELL = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading</title><script src="/app/app.js" defer></script></head><body><div id="root"></div></body></html>`;
const SPA_SCRIPT = `const routes = ${JSON.stringify(SPA_ROUTES)};
document.title = routes[location.pathname];
const root = document.getElementById("root");
for (const [href, title] of Object.entries(routes)) {
  const a = document.createElement("a"); a.href = href; a.textContent = title; root.appendChild(a);
}
const h1 = document.createElement("h1"); h1.textContent = routes[location.pathname]; root.appendChild(h1);
const p = document.createElement("p"); p.textContent = ${JSON.stringify(words(220))}; root.appendChild(p);`;

export function createSite() {
  // `broken`: paths that answer 500 (a page that breaks between two crawls raises the alert rule).
  const site = { version: 1, server: null, url: "", delayMs: 300, broken: new Set() };
  const pages = () => {
    const v2 = site.version === 2;
    const map = {
      "/": page({ title: "Test shop home page with a reasonable title", h1: "Welcome", body: words(250), links: ["/a", "/b", "/short", "/missing", "/moved", "/evil", ...(v2 ? ["/new"] : [])] }),
      "/a": page({ title: v2 ? "Page A has a brand new title for the second crawl" : "Page A with a title of a sensible length", h1: "Page A", body: words(260), links: ["/", "/b"] }),
      "/b": page({ title: "Page B with a title of a sensible length here", h1: "Page B", body: words(30), links: ["/", "/a"] }),
      "/short": page({ title: "Hi", h1: "Short title", body: words(220), links: ["/"] }),
      "/evil": page({ title: EVIL, h1: escape(EVIL), description: escape(EVIL), body: words(210), links: ["/"] }),
    };
    if (v2) map["/new"] = page({ title: "A new page that only the second crawl finds", h1: "New", body: words(230), links: ["/"] });
    return map;
  };
  site.server = http.createServer(async (req, res) => {
    // A little latency per page, so a crawl lasts long enough to be watched in progress.
    await new Promise((r) => setTimeout(r, site.delayMs));
    const path = new URL(req.url, "http://x").pathname;
    if (site.broken.has(path)) return res.writeHead(500, { "Content-Type": "text/html" }).end("<title>Server error</title><h1>500</h1>");
    if (path === "/robots.txt") return res.writeHead(200, { "Content-Type": "text/plain" }).end("User-agent: *\nAllow: /\n");
    if (path === "/moved") return res.writeHead(301, { Location: "/a" }).end();
    if (path === "/app/app.js") return res.writeHead(200, { "Content-Type": "application/javascript" }).end(SPA_SCRIPT);
    if (path in SPA_ROUTES) return res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(SPA_SHELL);
    const html = pages()[path];
    if (!html) return res.writeHead(404, { "Content-Type": "text/html" }).end("<title>Not found</title><h1>404</h1>");
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
  });
  return new Promise((resolve) => {
    site.server.listen(0, "127.0.0.1", () => {
      site.url = `http://127.0.0.1:${site.server.address().port}/`;
      resolve(site);
    });
  });
}

// A members-only shop: every request needs HTTP basic auth; products show prices in varying markup.
export const MEMBER = { user: "auditor", password: "e2e-basic-secret-7d1f" };
const PRODUCTS = { "/p/kettle": "$19.99", "/p/mixer": "120.00", "/p/toaster": "$ 34.50" };

export function createMembersShop() {
  const shop = { server: null, url: "", refused: 0 };
  const expected = `Basic ${Buffer.from(`${MEMBER.user}:${MEMBER.password}`).toString("base64")}`;
  const nav = Object.keys(PRODUCTS).map((p) => `<a href="${p}">${p.slice(3)}</a>`).join(" ");
  shop.server = http.createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      shop.refused += 1;
      return res.writeHead(401, { "WWW-Authenticate": 'Basic realm="members"', "Content-Type": "text/plain" }).end("401");
    }
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/robots.txt") return res.writeHead(200, { "Content-Type": "text/plain" }).end("User-agent: *\nAllow: /\n");
    const price = PRODUCTS[path];
    if (path !== "/" && !price) return res.writeHead(404, { "Content-Type": "text/html" }).end("<title>Not found</title>");
    const body = price ? `<h1>${path.slice(3)}</h1><p class="price">${price}</p>` : "<h1>Members shop</h1>";
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      .end(`<!doctype html><html lang="en"><head><title>Members ${path}</title></head><body><nav>${nav}</nav>${body}</body></html>`);
  });
  return new Promise((resolve) => {
    shop.server.listen(0, "127.0.0.1", () => {
      shop.url = `http://127.0.0.1:${shop.server.address().port}/`;
      resolve(shop);
    });
  });
}
