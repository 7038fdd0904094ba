import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { catalogueFixture, crawlFixture, json, pageFixture, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("crawled data is hostile", () => {
  it("renders a title and h1 full of markup as text, runs nothing and adds no elements", async () => {
    const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/5`) {
        return json({ ...pageFixture(5, { title: evil, h1: [evil], meta_description: evil }), inlinks: [{ page_id: 1, url: "https://example.com/", anchor: evil, rel: null }], outlinks: [], issues: [{ code: "title_too_short", severity: "notice", title: "Title too short", details: { value: evil } }] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      return undefined;
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
      return undefined;
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
