/** The typed client for /api: one function per endpoint, errors as ApiError (problem+json). */
import type {
  CatalogueEntry,
  CompareKind,
  Comparison,
  Crawl,
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
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
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
    request<Paginated<Crawl>>("GET", `/api/crawls${query({ cursor, limit: 50 })}`, undefined, signal),
  getCrawl: (id: string, signal?: AbortSignal) => request<Crawl>("GET", `/api/crawls/${enc(id)}`, undefined, signal),
  startCrawl: (settings: Partial<CrawlSettings>) => request<Crawl>("POST", "/api/crawls", settings),
  changeCrawl: (id: string, action: "cancel" | "pause" | "resume") =>
    request<Crawl>("POST", `/api/crawls/${enc(id)}/${action}`),

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
  listCrawls(cursor?: string | null, signal?: AbortSignal): Promise<Paginated<Crawl>>;
  getCrawl(id: string, signal?: AbortSignal): Promise<Crawl>;
  startCrawl(settings: Partial<CrawlSettings>): Promise<Crawl>;
  changeCrawl(id: string, action: "cancel" | "pause" | "resume"): Promise<Crawl>;
  listPages(crawlId: string, q: PagesRequest, signal?: AbortSignal): Promise<Paginated<Page>>;
  getPage(crawlId: string, pageId: string | number, signal?: AbortSignal): Promise<PageDetail>;
  issueReport(crawlId: string, lang: string, signal?: AbortSignal): Promise<IssueReport>;
  issueSummary(crawlId: string, lang: string, signal?: AbortSignal): Promise<IssueSummary[]>;
  issueUrls(crawlId: string, code: string, lang: string, cursor?: string | null, signal?: AbortSignal): Promise<Paginated<IssueUrl>>;
  catalogue(lang: string, signal?: AbortSignal): Promise<CatalogueEntry[]>;
  robots(crawlId: string, signal?: AbortSignal): Promise<RobotsReport>;
  compare(crawlId: string, otherId: string, page?: { kind: CompareKind; cursor?: string | null }, signal?: AbortSignal): Promise<Comparison>;
  listSchedules(signal?: AbortSignal): Promise<Schedule[]>;
  createSchedule(input: ScheduleInput): Promise<Schedule>;
  deleteSchedule(id: string): Promise<unknown>;
  schedulePreview(cron: string, timezone: string, signal?: AbortSignal): Promise<SchedulePreview>;
  exportUrl(crawlId: string, format: ExportFormat, what: ExportWhat, lang?: string): string;
  sitemapUrl(crawlId: string): string;
  eventsUrl(crawlId: string): string;
  listEventsUrl(): string;
}
