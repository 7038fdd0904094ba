/** Render a view the way the app does: i18n, a fresh query cache, a router at `path`, the app's routes. */
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import { App } from "../app/App";
import { Providers } from "../app/Providers";
import { createQueryClient } from "../app/queryClient";
import type { Language } from "../i18n";

export function renderAt(path: string, lang: Language = "en") {
  const client = createQueryClient();
  const result = render(
    <Providers lang={lang} client={client}>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </Providers>,
  );
  return { ...result, client };
}

export function json(body: unknown, status = 200, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

type Route = (url: URL, init: RequestInit | undefined) => Response | Promise<Response> | undefined;

/** A fetch stub answering by path; unknown requests fail the test loudly. */
export function stubFetch(route: Route) {
  const calls: { url: URL; init: RequestInit | undefined }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://ui.test");
    calls.push({ url, init });
    const answer = await route(url, init);
    if (!answer) throw new Error(`unexpected request ${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    return answer;
  });
  vi.stubGlobal("fetch", fn);
  return calls;
}

export const crawlFixture = {
  id: "11111111-1111-4111-8111-111111111111",
  url: "https://example.com/",
  status: "completed" as const,
  pages_crawled: 3,
  pages_discovered: 3,
  errors_count: 0,
  issues_count: 2,
  attempts: 1,
  error: null,
  schedule_id: null,
  created_at: "2026-11-27T08:00:00.000000+00:00",
  started_at: "2026-11-27T08:00:01.000000+00:00",
  finished_at: "2026-11-27T08:00:09.000000+00:00",
  updated_at: "2026-11-27T08:00:09.000000+00:00",
  settings: { max_pages: 100 },
};

export function pageFixture(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    url: `https://example.com/p${id}`,
    final_url: null,
    status_code: 200,
    error: null,
    redirect_chain: [],
    content_type: "text/html",
    size_bytes: 1000,
    response_time_ms: 120,
    depth: 1,
    blocked_by_robots: false,
    indexable: true,
    indexability_reason: null,
    title: `Page ${id}`,
    title_length: 6,
    meta_description: null,
    meta_description_length: null,
    h1: [`Heading ${id}`],
    h2: [],
    canonical: null,
    canonical_raw: null,
    meta_robots: null,
    x_robots_tag: null,
    hreflang: [],
    lang: "en",
    word_count: 300,
    content_hash: "abc",
    inlinks_count: 1,
    outlinks_count: 2,
    external_links_count: 0,
    images_count: 0,
    images_missing_alt: 0,
    structured_data_types: [],
    in_sitemap: false,
    crawled_at: "2026-11-27T08:00:05.000000+00:00",
    link_score: 42.5,
    issues_count: 0,
    top_issue: null,
    ...extra,
  };
}

/** The answers of a page view's own reads (links both ways, crawl path) for a page without links. */
export function pageViewExtras(url: URL, crawlId: string, pageId: number): Response | undefined {
  const base = `/api/crawls/${crawlId}/pages/${pageId}`;
  if (url.pathname === `${base}/inlinks` || url.pathname === `${base}/outlinks`) return json({ items: [], total: 0, next_cursor: null });
  if (url.pathname === `${base}/path`) return json({ steps: [{ page_id: pageId, url: `https://example.com/p${pageId}`, depth: 0, status_code: 200, anchor: null }], complete: true, sitemap_only: false });
  return undefined;
}

/** The issue catalogue as the api sends it, with one entry. */
export const catalogueFixture = {
  items: [
    { code: "title_too_short", severity: "notice", scope: "page", threshold: null, title: "Title too short", explanation: "Short titles waste space.", fix: "Write a title of 30 to 60 characters." },
  ],
};
