/** The typed client for /api: one function per endpoint, errors as ApiError (problem+json). */
import type {
  Alert,
  AlertRule,
  AlertRuleInput,
  CatalogueEntry,
  CrawlPath,
  Graph,
  InlinksQuery,
  LinkingPageList,
  OutlinksQuery,
  PageLinkList,
  Progress,
  Tree,
  Channel,
  ChannelInput,
  ChannelTest,
  HistoryRow,
  Site,
  SiteCreateInput,
  SitePatchInput,
  CompareKind,
  Comparison,
  Crawl,
  CrawlSummary,
  CrawlSettings,
  FieldError,
  IssueReport,
  IssueSummary,
  IssueUrl,
  Page,
  PageDetail,
  PageQuery,
  Paginated,
  Problem,
  RobotsReport,
  RuleTestInput,
  RuleTestResult,
  Schedule,
  ScheduleInput,
  SchedulePreview,
} from "./types";

/** An error the api answered (or the network failed); `detail` is meant for people. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.detail = problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
    this.errors = problem.errors ?? [];
  }

  /** Field errors keyed by field name ("include.0" is reported under "include" too). */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      out[e.field] ??= e.message;
      const head = e.field.split(".")[0];
      if (head) out[head] ??= e.message;
    }
    return out;
  }
}

/** Called on every 401, so the app can send the user to the login page. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

async function problemOf(response: Response): Promise<Problem> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      return { ...body, status: response.status };
    } catch {
      // a broken body still deserves an error with the status
    }
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      // Changes are always sent as JSON, body or not: the api refuses other content types with the cookie (CSRF).
      headers: method === "GET" ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError({ status: 0, detail: "network" });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && onUnauthorized && !path.startsWith("/api/session")) onUnauthorized();
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : "";
}

const enc = encodeURIComponent;

export type ExportFormat = "csv" | "json" | "xlsx";
/** A pages query as the UI holds it: the api's parameters, with "no cursor" spelled null. */
export type PagesRequest = Omit<PageQuery, "cursor"> & { cursor?: string | null };
export type ExportWhat = "pages" | "issues" | "links";

export const api: Api = {
  login: (token: string) => request<unknown>("POST", "/api/session", { token }),
  logout: () => request<unknown>("DELETE", "/api/session"),

  listCrawls: (cursor?: string | null, signal?: AbortSignal) =>
    request<Paginated<CrawlSummary>>("GET", `/api/crawls${query({ cursor, limit: 50 })}`, undefined, signal),
  getCrawl: (id: string, signal?: AbortSignal) => request<Crawl>("GET", `/api/crawls/${enc(id)}`, undefined, signal),
  startCrawl: (settings: Partial<CrawlSettings>) => request<Crawl>("POST", "/api/crawls", settings),
  changeCrawl: (id: string, action: "cancel" | "pause" | "resume") =>
    request<Crawl>("POST", `/api/crawls/${enc(id)}/${action}`),
  testRules: (input: RuleTestInput) => request<RuleTestResult>("POST", "/api/extraction/test", input),

  listPages: (crawlId: string, q: PagesRequest, signal?: AbortSignal) =>
    request<Paginated<Page>>(
      "GET",
      `/api/crawls/${enc(crawlId)}/pages${query({ ...q, limit: Math.min(q.limit ?? 200, 500) })}`,
      undefined,
      signal,
    ),
  getPage: (crawlId: string, pageId: string | number, signal?: AbortSignal) =>
    request<PageDetail>("GET", `/api/crawls/${enc(crawlId)}/pages/${enc(String(pageId))}`, undefined, signal),

  issueReport: (crawlId: string, lang: string, signal?: AbortSignal) =>
    request<IssueReport>("GET", `/api/crawls/${enc(crawlId)}/issues${query({ lang })}`, undefined, signal),
  issueSummary: (crawlId: string, lang: string, signal?: AbortSignal) =>
    api.issueReport(crawlId, lang, signal).then((body) => body.items),
  issueUrls: (crawlId: string, code: string, lang: string, cursor?: string | null, signal?: AbortSignal) =>
    request<IssueReport>("GET", `/api/crawls/${enc(crawlId)}/issues${query({ code, lang, cursor, limit: 200 })}`, undefined, signal).then(
      (body): Paginated<IssueUrl> => ({ items: body.urls ?? [], next_cursor: body.next_cursor ?? null }),
    ),
  inlinks: (crawlId: string, pageId: string | number, q: InlinksQuery, signal?: AbortSignal) =>
    request<LinkingPageList>("GET", `/api/crawls/${enc(crawlId)}/pages/${enc(String(pageId))}/inlinks${query(q)}`, undefined, signal),
  outlinks: (crawlId: string, pageId: string | number, q: OutlinksQuery, signal?: AbortSignal) =>
    request<PageLinkList>("GET", `/api/crawls/${enc(crawlId)}/pages/${enc(String(pageId))}/outlinks${query(q)}`, undefined, signal),
  crawlPath: (crawlId: string, pageId: string | number, signal?: AbortSignal) =>
    request<CrawlPath>("GET", `/api/crawls/${enc(crawlId)}/pages/${enc(String(pageId))}/path`, undefined, signal),
  structure: (crawlId: string, path: string, signal?: AbortSignal) =>
    request<Tree>("GET", `/api/crawls/${enc(crawlId)}/structure${query({ path: path || undefined })}`, undefined, signal),
  graph: (crawlId: string, limit: number, signal?: AbortSignal) =>
    request<Graph>("GET", `/api/crawls/${enc(crawlId)}/graph${query({ limit })}`, undefined, signal),
  progress: (crawlId: string, signal?: AbortSignal) =>
    request<Progress>("GET", `/api/crawls/${enc(crawlId)}/progress`, undefined, signal),
  catalogue: (lang: string, signal?: AbortSignal) =>
    request<{ items: CatalogueEntry[] }>("GET", `/api/issues/catalogue${query({ lang })}`, undefined, signal).then((b) => b.items),
  robots: (crawlId: string, signal?: AbortSignal) =>
    request<RobotsReport>("GET", `/api/crawls/${enc(crawlId)}/robots`, undefined, signal),

  compare: (crawlId: string, otherId: string, page?: { kind: CompareKind; cursor?: string | null }, signal?: AbortSignal) =>
    request<Comparison>(
      "GET",
      `/api/crawls/${enc(crawlId)}/compare/${enc(otherId)}${query({ kind: page?.kind, cursor: page?.cursor, limit: page ? 200 : undefined })}`,
      undefined,
      signal,
    ),

  listSchedules: (signal?: AbortSignal) =>
    request<{ items: Schedule[] }>("GET", "/api/schedules", undefined, signal).then((body) => body.items),
  createSchedule: (input: ScheduleInput) => request<Schedule>("POST", "/api/schedules", input),
  deleteSchedule: (id: string) => request<unknown>("DELETE", `/api/schedules/${enc(id)}`),
  schedulePreview: (cron: string, timezone: string, signal?: AbortSignal) =>
    request<SchedulePreview>("GET", `/api/schedules/preview${query({ cron, timezone })}`, undefined, signal),

  listSites: (signal?: AbortSignal) => request<{ items: Site[] }>("GET", "/api/sites", undefined, signal).then((b) => b.items),
  getSite: (id: string, signal?: AbortSignal) => request<Site>("GET", `/api/sites/${enc(id)}`, undefined, signal),
  createSite: (input: SiteCreateInput) => request<Site>("POST", "/api/sites", input),
  patchSite: (id: string, input: SitePatchInput) => request<Site>("PATCH", `/api/sites/${enc(id)}`, input),
  deleteSite: (id: string) => request<unknown>("DELETE", `/api/sites/${enc(id)}`),
  siteHistory: (id: string, signal?: AbortSignal) =>
    request<{ items: HistoryRow[] }>("GET", `/api/sites/${enc(id)}/history`, undefined, signal).then((b) => b.items),
  siteCrawls: (id: string, signal?: AbortSignal) =>
    request<Paginated<Crawl>>("GET", `/api/crawls${query({ site_id: id, limit: 20 })}`, undefined, signal).then((b) => b.items),
  siteSchedules: (id: string, signal?: AbortSignal) =>
    request<{ items: Schedule[] }>("GET", `/api/schedules${query({ site_id: id })}`, undefined, signal).then((b) => b.items),

  listChannels: (signal?: AbortSignal) =>
    request<{ items: Channel[] }>("GET", "/api/channels", undefined, signal).then((b) => b.items),
  createChannel: (input: ChannelInput) => request<Channel>("POST", "/api/channels", input),
  deleteChannel: (id: string) => request<unknown>("DELETE", `/api/channels/${enc(id)}`),
  testChannel: (id: string) => request<ChannelTest>("POST", `/api/channels/${enc(id)}/test`),
  listRules: (siteId: string, signal?: AbortSignal) =>
    request<{ items: AlertRule[] }>("GET", `/api/sites/${enc(siteId)}/alert-rules`, undefined, signal).then((b) => b.items),
  createRule: (siteId: string, input: AlertRuleInput) => request<AlertRule>("POST", `/api/sites/${enc(siteId)}/alert-rules`, input),
  deleteRule: (id: string) => request<unknown>("DELETE", `/api/alert-rules/${enc(id)}`),
  listAlerts: (siteId: string | null, lang: string, signal?: AbortSignal) =>
    request<{ items: Alert[] }>("GET", `/api/alerts${query({ site_id: siteId, lang, limit: 100 })}`, undefined, signal).then((b) => b.items),

  exportUrl: (crawlId: string, format: ExportFormat, what: ExportWhat, lang?: string) =>
    `/api/crawls/${enc(crawlId)}/export${query({ format, what, lang })}`,
  sitemapUrl: (crawlId: string) => `/api/crawls/${enc(crawlId)}/sitemap.xml`,
  eventsUrl: (crawlId: string) => `/api/crawls/${enc(crawlId)}/events`,
  listEventsUrl: () => "/api/crawls/events",
};

/** The client's shape, spelled out so `api` can refer to itself. */
export interface Api {
  login(token: string): Promise<unknown>;
  logout(): Promise<unknown>;
  listCrawls(cursor?: string | null, signal?: AbortSignal): Promise<Paginated<CrawlSummary>>;
  getCrawl(id: string, signal?: AbortSignal): Promise<Crawl>;
  startCrawl(settings: Partial<CrawlSettings>): Promise<Crawl>;
  changeCrawl(id: string, action: "cancel" | "pause" | "resume"): Promise<Crawl>;
  testRules(input: RuleTestInput): Promise<RuleTestResult>;
  listPages(crawlId: string, q: PagesRequest, signal?: AbortSignal): Promise<Paginated<Page>>;
  getPage(crawlId: string, pageId: string | number, signal?: AbortSignal): Promise<PageDetail>;
  issueReport(crawlId: string, lang: string, signal?: AbortSignal): Promise<IssueReport>;
  issueSummary(crawlId: string, lang: string, signal?: AbortSignal): Promise<IssueSummary[]>;
  issueUrls(crawlId: string, code: string, lang: string, cursor?: string | null, signal?: AbortSignal): Promise<Paginated<IssueUrl>>;
  inlinks(crawlId: string, pageId: string | number, q: InlinksQuery, signal?: AbortSignal): Promise<LinkingPageList>;
  outlinks(crawlId: string, pageId: string | number, q: OutlinksQuery, signal?: AbortSignal): Promise<PageLinkList>;
  crawlPath(crawlId: string, pageId: string | number, signal?: AbortSignal): Promise<CrawlPath>;
  structure(crawlId: string, path: string, signal?: AbortSignal): Promise<Tree>;
  graph(crawlId: string, limit: number, signal?: AbortSignal): Promise<Graph>;
  progress(crawlId: string, signal?: AbortSignal): Promise<Progress>;
  catalogue(lang: string, signal?: AbortSignal): Promise<CatalogueEntry[]>;
  robots(crawlId: string, signal?: AbortSignal): Promise<RobotsReport>;
  compare(crawlId: string, otherId: string, page?: { kind: CompareKind; cursor?: string | null }, signal?: AbortSignal): Promise<Comparison>;
  listSchedules(signal?: AbortSignal): Promise<Schedule[]>;
  createSchedule(input: ScheduleInput): Promise<Schedule>;
  deleteSchedule(id: string): Promise<unknown>;
  schedulePreview(cron: string, timezone: string, signal?: AbortSignal): Promise<SchedulePreview>;
  listSites(signal?: AbortSignal): Promise<Site[]>;
  getSite(id: string, signal?: AbortSignal): Promise<Site>;
  createSite(input: SiteCreateInput): Promise<Site>;
  patchSite(id: string, input: SitePatchInput): Promise<Site>;
  deleteSite(id: string): Promise<unknown>;
  siteHistory(id: string, signal?: AbortSignal): Promise<HistoryRow[]>;
  siteCrawls(id: string, signal?: AbortSignal): Promise<Crawl[]>;
  siteSchedules(id: string, signal?: AbortSignal): Promise<Schedule[]>;
  listChannels(signal?: AbortSignal): Promise<Channel[]>;
  createChannel(input: ChannelInput): Promise<Channel>;
  deleteChannel(id: string): Promise<unknown>;
  testChannel(id: string): Promise<ChannelTest>;
  listRules(siteId: string, signal?: AbortSignal): Promise<AlertRule[]>;
  createRule(siteId: string, input: AlertRuleInput): Promise<AlertRule>;
  deleteRule(id: string): Promise<unknown>;
  listAlerts(siteId: string | null, lang: string, signal?: AbortSignal): Promise<Alert[]>;
  exportUrl(crawlId: string, format: ExportFormat, what: ExportWhat, lang?: string): string;
  sitemapUrl(crawlId: string): string;
  eventsUrl(crawlId: string): string;
  listEventsUrl(): string;
}
