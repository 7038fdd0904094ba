/**
 * The shapes the UI reads from the api. Names are CONTRACT.md's; `contract.test.ts` checks
 * them against the committed OpenAPI snapshot (src/api/openapi.json), which another test
 * compares with what the server serves.
 */

export type CrawlStatus = "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
export type Severity = "error" | "warning" | "notice";
export type CrawlMode = "spider" | "list";

export interface CrawlSettings {
  url: string;
  mode: CrawlMode;
  urls: string[];
  max_pages: number;
  max_depth: number | null;
  include: string[];
  exclude: string[];
  user_agent: string;
  max_rps: number;
  concurrency: number;
  respect_robots: boolean;
  use_sitemaps: boolean;
  [key: string]: unknown;
}

export interface Crawl {
  id: string;
  url: string;
  status: CrawlStatus;
  pages_crawled: number;
  pages_discovered: number;
  issues_count: number;
  errors_count?: number;
  error: string | null;
  schedule_id?: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  settings: Partial<CrawlSettings>;
}

export interface Paginated<T> {
  items: T[];
  next_cursor: string | null;
  total?: number | null;
}

export interface RedirectHop {
  url: string;
  status_code: number;
}

export interface Hreflang {
  lang: string;
  url: string;
}

/** A page record (CONTRACT.md "Page record fields"); every text field is crawled, hostile input. */
export interface Page {
  id: number;
  url: string;
  final_url: string | null;
  status_code: number | null;
  error?: string | null;
  redirect_chain: RedirectHop[];
  content_type: string | null;
  size_bytes: number | null;
  response_time_ms: number | null;
  depth: number;
  indexable: boolean;
  indexability_reason: string | null;
  title: string | null;
  title_length: number | null;
  meta_description: string | null;
  meta_description_length: number | null;
  h1: string[];
  h2: string[];
  canonical: string | null;
  meta_robots: string | null;
  x_robots_tag: string | null;
  hreflang: Hreflang[];
  lang: string | null;
  word_count: number | null;
  content_hash: string | null;
  inlinks_count: number;
  outlinks_count: number;
  external_links_count: number;
  images_count: number;
  images_missing_alt: number;
  structured_data_types: string[];
  in_sitemap: boolean;
  crawled_at: string;
}

export interface LinkRef {
  url: string;
  anchor?: string | null;
  rel?: string | null;
  internal?: boolean;
  page_id?: number | null;
  status_code?: number | null;
}

export interface PageIssue {
  code: string;
  severity: Severity;
  title: string;
  details?: Record<string, unknown>;
}

export interface PageDetail extends Page {
  inlinks: LinkRef[];
  outlinks: LinkRef[];
  issues: PageIssue[];
}

export interface IssueSummary {
  code: string;
  severity: Severity;
  count: number;
  title: string;
  explanation: string;
  fix: string;
}

/** GET /api/crawls/{id}/issues: rows per code; with `code`, that code's URLs too. */
export interface IssueReport {
  crawl_id: string;
  totals: Record<string, number>;
  items: IssueSummary[];
  urls?: IssueUrl[] | null;
  next_cursor?: string | null;
}

export interface IssueUrl {
  page_id: number;
  url: string;
  status_code?: number | null;
  details?: Record<string, unknown>;
}

export interface CatalogueEntry {
  code: string;
  severity: Severity;
  title: string;
  explanation: string;
  fix: string;
  threshold?: string | null;
}

export type CompareKind = "added" | "removed" | "changed" | "issues_new" | "issues_fixed";

/** A row of one kind of change; which fields are present depends on the kind. */
export interface CompareRow {
  url: string;
  page_id?: number | null;
  status_code?: number | null;
  /** `changed`: the fields that differ, before and after. */
  fields?: Record<string, { before: unknown; after: unknown }>;
  /** `issues_new` / `issues_fixed` */
  code?: string;
  severity?: Severity;
  details?: Record<string, unknown>;
  page_added?: boolean;
  page_removed?: boolean;
}

/** GET /api/crawls/{id}/compare/{other}: counts; with `kind`, one page of those rows. `before` is the older crawl. */
export interface Comparison {
  before: string;
  after: string;
  site: string;
  pages: Record<string, number>;
  fields: Record<string, number>;
  issues: { new?: number; fixed?: number; by_code?: { code: string; new: number; fixed: number }[]; [key: string]: unknown };
  kind?: CompareKind | null;
  items?: CompareRow[] | null;
  next_cursor?: string | null;
}

export interface Schedule {
  id: string;
  url: string;
  cron: string;
  timezone: string;
  settings: Partial<CrawlSettings>;
  created_at: string;
  last_fire_at?: string | null;
  last_crawl_id?: string | null;
  /** The next fire times, in UTC (the api computes them with the scheduler's cron reader). */
  next_fire_times: string[];
}

export interface ScheduleInput {
  url: string;
  cron: string;
  timezone: string;
  /** The crawl settings of every run (the URL is the schedule's own). */
  settings: { max_pages?: number; max_depth?: number | null; max_rps?: number; concurrency?: number };
}

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as the api sends them. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[] | null;
}

export interface PageQuery {
  q?: string;
  status_code?: string;
  indexable?: string;
  issue?: string;
  sort?: string;
  order?: "asc" | "desc";
  cursor?: string | null;
  limit?: number;
}
