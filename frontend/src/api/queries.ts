/**
 * Server state through TanStack Query: every query key in one place (so a live update or a
 * mutation can reach every copy of a crawl), and the queries more than one view reads. A query
 * only one view needs lives beside it, in its feature folder, with its key from `keys`.
 *
 * Keys nest: everything about one crawl starts with `keys.crawl(id)`, so invalidating that prefix
 * refreshes the crawl and all that was read about it.
 */
import { infiniteQueryOptions, queryOptions, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { api, type PagesRequest } from "./client";
import type { Crawl, CrawlSummary, Paginated } from "./types";

export const keys = {
  crawls: () => ["crawls"] as const,
  crawlList: () => ["crawls", "list"] as const,
  crawl: (id: string) => ["crawls", "one", id] as const,
  crawlStats: (id: string, lang: string) => [...keys.crawl(id), "stats", lang] as const,
  pages: (crawlId: string, filters: PagesRequest) => [...keys.crawl(crawlId), "pages", filters] as const,
  page: (crawlId: string, pageId: string) => [...keys.crawl(crawlId), "page", pageId] as const,
  issues: (crawlId: string, lang: string) => [...keys.crawl(crawlId), "issues", lang] as const,
  issueUrls: (crawlId: string, code: string, lang: string) => [...keys.crawl(crawlId), "issues", lang, code] as const,
  compare: (crawlId: string, otherId: string) => [...keys.crawl(crawlId), "compare", otherId] as const,
  compareRows: (crawlId: string, otherId: string, kind: string) => [...keys.compare(crawlId, otherId), kind] as const,
  catalogue: (lang: string) => ["catalogue", lang] as const,
  robots: (crawlId: string) => [...keys.crawl(crawlId), "robots"] as const,
  schedules: () => ["schedules"] as const,
  sites: () => ["sites"] as const,
  site: (id: string) => ["sites", "one", id] as const,
  siteHistory: (id: string) => [...keys.site(id), "history"] as const,
  siteCrawls: (id: string) => [...keys.site(id), "crawls"] as const,
  siteSchedules: (id: string) => [...keys.site(id), "schedules"] as const,
  siteRules: (id: string) => [...keys.site(id), "rules"] as const,
  channels: () => ["channels"] as const,
  alerts: (siteId: string | null, lang: string) => ["alerts", siteId ?? "all", lang] as const,
  schedulePreview: (cron: string, timezone: string) => ["schedules", "preview", cron, timezone] as const,
};

type Cursor = string | null;

/** GET /api/crawls, newest first, page by page. */
export const crawlListQuery = () =>
  infiniteQueryOptions({
    queryKey: keys.crawlList(),
    queryFn: ({ pageParam, signal }) => api.listCrawls(pageParam, signal),
    initialPageParam: null as Cursor,
    getNextPageParam: (last: Paginated<CrawlSummary>) => last.next_cursor,
  });

export const crawlQuery = (id: string) =>
  queryOptions({ queryKey: keys.crawl(id), queryFn: ({ signal }) => api.getCrawl(id, signal) });

/** The issue summary of a crawl, titles in the reader's language. */
export const issueSummaryQuery = (crawlId: string, lang: string) =>
  queryOptions({ queryKey: keys.issues(crawlId, lang), queryFn: ({ signal }) => api.issueSummary(crawlId, lang, signal) });

/** The issue catalogue changes only with a new version of the api: read once per language. */
export const catalogueQuery = (lang: string) =>
  queryOptions({ queryKey: keys.catalogue(lang), queryFn: ({ signal }) => api.catalogue(lang, signal), staleTime: Infinity });

/** Every crawl in the list, flattened from its pages. */
export function crawlsOf(data: InfiniteData<Paginated<CrawlSummary>, unknown> | undefined): CrawlSummary[] {
  return data?.pages.flatMap((page) => page.items) ?? [];
}

/** Put a crawl's newest state everywhere it is shown: its own query and the list (new crawls first). */
export function upsertCrawl(client: QueryClient, crawl: Crawl): void {
  client.setQueryData(keys.crawl(crawl.id), crawl);
  client.setQueryData<InfiniteData<Paginated<CrawlSummary>, Cursor>>(keys.crawlList(), (old) => {
    if (!old) return old;
    const known = old.pages.some((page) => page.items.some((c) => c.id === crawl.id));
    if (known) {
      return { ...old, pages: old.pages.map((page) => ({ ...page, items: page.items.map((c) => (c.id === crawl.id ? crawl : c)) })) };
    }
    const [first, ...rest] = old.pages;
    return { ...old, pages: [{ ...(first ?? { next_cursor: null }), items: [crawl, ...(first?.items ?? [])] }, ...rest] };
  });
}

/** Merge fields a live event carried into every copy of the crawl (a no-op for a crawl not loaded). */
export function patchCrawl(client: QueryClient, id: string, fields: Partial<Crawl>): void {
  const old = client.getQueryData<Crawl>(keys.crawl(id));
  if (old) upsertCrawl(client, { ...old, ...fields });
}
