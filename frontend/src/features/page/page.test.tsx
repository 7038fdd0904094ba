import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { catalogueFixture, crawlFixture, json, pageFixture, pageViewExtras, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("crawled data is hostile", () => {
  it("renders a title and h1 full of markup as text, runs nothing and adds no elements", async () => {
    const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/5`) {
        return json({ ...pageFixture(5, { title: evil, h1: [evil], meta_description: evil }), inlinks: [{ page_id: 1, url: "https://example.com/", anchor: evil, rel: null }], outlinks: [], issues: [{ code: "title_too_short", severity: "notice", title: "Title too short", details: { title: evil, length: 90 }, family: "length", unit: null, evidence: [{ value: evil, length: 90 }] }] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      if (url.pathname === `/api/crawls/${C}/pages/5/inlinks`) return json({ items: [{ page_id: 1, url: "https://example.com/", status_code: 200, anchor: evil, links: 1, nofollow: false }], total: 1, next_cursor: null });
      return pageViewExtras(url, C, 5);
    });
    const { container } = renderAt(`/crawls/${C}/pages/5`);
    expect(await screen.findByTestId("page-title")).toHaveTextContent(evil);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(await screen.findByText("Write a title of 30 to 60 characters.")).toBeInTheDocument();
  });
});

describe("page detail", () => {
  it("lists a redirect chain that stopped, ending with where it pointed, unfetched", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/8`) {
        const chain = [
          { url: "https://example.com/loop-a", status_code: 301 },
          { url: "https://example.com/loop-b", status_code: 302 },
        ];
        return json({ ...pageFixture(8, { url: chain[0]!.url, status_code: 301, final_url: chain[0]!.url, redirect_chain: chain }), inlinks: [], outlinks: [], issues: [] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      return pageViewExtras(url, C, 8);
    });
    renderAt(`/crawls/${C}/pages/8`);
    const hops = within(await screen.findByTestId("redirect-chain")).getAllByRole("listitem");
    expect(hops.map((h) => h.textContent?.trim())).toEqual([
      "301 https://example.com/loop-a",
      "302 https://example.com/loop-b",
      "— https://example.com/loop-a",
    ]);
  });
});

describe("the page view leads with the page", () => {
  it("puts the key fields and the issues first, and pages the links on the server", async () => {
    const calls = stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/9`) {
        const issues = [
          { code: "broken_internal_link", severity: "error", title: "Broken internal link", details: {}, family: "links", unit: null,
            evidence: [{ target: "https://example.com/gone", anchor: "Changelog", status: 404, occurrences: 10 }, { target: "https://example.com/x", anchor: "", status: 500, occurrences: 1 }] },
        ];
        return json({ ...pageFixture(9, { meta_description: "A fine description", canonical: "https://example.com/p9", url: "https://example.com/p9" }), inlinks: [], outlinks: [], issues });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      if (url.pathname === `/api/crawls/${C}/pages/9/outlinks`) {
        const cursor = url.searchParams.get("cursor");
        const item = (n: number) => ({ ordinal: n, url: `https://example.com/t${n}`, anchor: `Link ${n}`, rel: null, internal: true, nofollow: false, page_id: null, status_code: 200, error: null });
        return json(cursor ? { items: [item(2)], total: 3, next_cursor: null } : { items: [item(0), item(1)], total: 3, next_cursor: "Wzld" });
      }
      return pageViewExtras(url, C, 9);
    });
    renderAt(`/crawls/${C}/pages/9`);
    const fields = await screen.findByTestId("key-fields");
    for (const field of ["status_code", "title", "meta_description", "h1", "canonical"]) expect(within(fields).getByText((_, el) => el?.getAttribute("data-field") === field)).toBeInTheDocument();
    expect(within(fields).getByText("this page")).toBeInTheDocument(); // a self-canonical says so
    const issue = await screen.findByTestId("page-issue");
    // one line: severity, title, the evidence in short (the first broken target and how many more)
    expect(issue).toHaveTextContent("Broken internal link");
    expect(issue).toHaveTextContent("https://example.com/gone");
    expect(issue).toHaveTextContent("and 1 more");
    // links: the first page, then the next one from the server's cursor
    expect(await screen.findByTestId("outlinks-total")).toHaveTextContent("3 links on this page");
    expect(screen.getAllByTestId("outlink-row")).toHaveLength(2);
    await userEvent.click(within(screen.getByTestId("outlinks")).getByTestId("load-more"));
    await waitFor(() => expect(screen.getAllByTestId("outlink-row")).toHaveLength(3));
    expect(calls.some((c) => c.url.pathname.endsWith("/outlinks") && c.url.searchParams.get("cursor") === "Wzld")).toBe(true);
    // a filter is a new server query
    await userEvent.selectOptions(screen.getByTestId("outlinks-status"), "4xx");
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get("status") === "4xx")).toBe(true));
  });
});

describe("raw and rendered", () => {
  const rendered = {
    title: "Green tea from the spring harvest",
    meta_description: "About green tea.",
    canonical: "https://example.com/teas/green",
    meta_robots: "noindex",
    h1: ["Green tea"],
    word_count: 310,
    outlinks_count: 10,
    external_links_count: 0,
    rendered_only_links: 2,
    rendered_only_link_urls: ["https://example.com/", "https://example.com/teas"],
    raw: { title: "Loading", meta_description: null, canonical: null, meta_robots: null, h1: [], word_count: 0, outlinks_count: 0, external_links_count: 0 },
    render_error: null,
    render_time_ms: 840,
    requests: 3,
    bytes: 52_000,
    console_errors: ["TypeError: <img src=x onerror=alert(1)> is not a function"],
    failed_requests: [{ url: "https://example.com/api/private/reviews.json", resource_type: "fetch", reason: "disallowed by robots.txt", blocked: true, robots: true }],
  };
  const serve = (page: Record<string, unknown>) =>
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/9`) return json({ ...pageFixture(9, page), inlinks: [], outlinks: [], issues: [] });
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      return undefined;
    });

  it("shows each signal raw and rendered side by side, marking what scripts changed", async () => {
    serve({ rendered });
    const { container } = renderAt(`/crawls/${C}/pages/9`);
    const table = await screen.findByTestId("render-signals");
    const row = (signal: string) => container.querySelector(`[data-signal="${signal}"]`)!;
    expect(within(table).getAllByRole("row")).toHaveLength(9); // the header and eight signals
    expect(row("title")).toHaveTextContent("Title · changed by JavaScriptLoadingGreen tea from the spring harvest");
    expect(row("title")).toHaveClass("changed");
    expect(row("meta_robots")).toHaveTextContent("Meta robots · changed by JavaScript—noindex");
    expect(row("external_links_count")).not.toHaveClass("changed");
    expect(screen.getByText("Rendered in 840 ms: 3 requests, 52 kB.")).toBeInTheDocument();
    expect(within(screen.getByTestId("rendered-only-links")).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByTestId("console-errors")).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull(); // crawled text stays text
    expect(screen.getByText("disallowed by robots.txt")).toBeInTheDocument();
    expect(screen.queryByText("[object Object]")).toBeNull(); // not among the plain fields
  });

  it("says why a page could not be rendered, and that the audit judged its raw HTML", async () => {
    serve({ rendered: { ...rendered, render_error: "render timed out after 20 s waiting for the load event", title: null, word_count: null } });
    renderAt(`/crawls/${C}/pages/9`);
    expect(await screen.findByTestId("render-error")).toHaveTextContent(
      "The page could not be rendered: render timed out after 20 s waiting for the load event The audit judged the raw HTML.",
    );
    expect(document.querySelectorAll("[data-signal].changed")).toHaveLength(0);
  });

  it("has no comparison for a page of a crawl that did not render", async () => {
    serve({ rendered: null });
    renderAt(`/crawls/${C}/pages/9`);
    await screen.findByTestId("page-title");
    expect(screen.queryByTestId("rendered-comparison")).toBeNull();
  });
});
