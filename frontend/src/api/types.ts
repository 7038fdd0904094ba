/**
 * The shapes the UI reads from the api, aliased from the generated `schema.d.ts` (made from the
 * committed OpenAPI snapshot, which the e2e suite compares with what the server serves). Only
 * what the document leaves open (free-form objects the api fills in) is spelled out here, and
 * `contract.ts` proves those hand-written parts still fit the schema.
 */
import type { PAGE_SORTS } from "./pageFields.gen";
import type { components, operations } from "./schema";

type S = components["schemas"];

/** A crawl as GET /api/crawls lists it: status, counters, times, `mode`, `max_pages`, `urls_count`; no settings. */
export type CrawlSummary = S["CrawlSummary"];
/** One crawl (GET /api/crawls/{id}): the summary plus its settings (never a list-mode crawl's `urls`). */
export type Crawl = S["Crawl"] & {
  /** The crawl's settings as the api echoes them: the request's fields. */
  settings: CrawlSettings;
};
export type CrawlStatus = S["Crawl"]["status"];
export type Severity = S["IssueSummaryRow"]["severity"];
/** The body of POST /api/crawls (the schema's first variant names every field). */
export type CrawlRequest = Extract<S["CrawlRequest"], { use_sitemaps?: boolean }>;
export type CrawlSettings = Partial<CrawlRequest>;
export type CrawlMode = NonNullable<CrawlRequest["mode"]>;

export interface Paginated<T> {
  items: T[];
  next_cursor: string | null;
  total?: number | null;
}

/** A page record (CONTRACT.md "Page record fields"); every text field is crawled, hostile input. */
export type Page = S["Page"];
export type PageField = keyof Page;
export type PageDetail = S["PageDetail"];
export type RedirectHop = S["RedirectHop"];
export type Hreflang = S["Hreflang"];
export type Inlink = S["Inlink"];
export type Outlink = S["Outlink"];
/** A link in either direction (inlinks carry no status or `internal`). */
export type LinkRef = Inlink | Outlink;
export type PageIssue = S["PageIssue"];
/** GET /api/crawls/{id}/pages query parameters. */
export type PageQuery = NonNullable<operations["list_pages"]["parameters"]["query"]>;
/** A column the pages can be sorted by: a field of the record, or a custom extraction rule's value. */
export type PageSort = (typeof PAGE_SORTS)[number] | `extracted:${string}`;

/** GET /api/crawls/{id}/issues: rows per code; with `code`, that code's URLs too. */
export type IssueReport = S["IssueSummary"];
export type IssueSummary = S["IssueSummaryRow"];
export type IssueUrl = S["IssueUrl"];
/** Issue evidence: the family that draws it and its rows (shared.audit.evidence). */
export type EvidenceFamily = S["EvidenceSpec"]["family"];
export type EvidenceUnit = NonNullable<S["EvidenceSpec"]["unit"]>;
export type EvidenceRow = S["EvidenceRow"];

/** A page's links, paged: the pages linking to it and the links on it. */
export type LinkingPage = S["LinkingPage"];
export type PageLink = S["PageLink"];
export type LinkingPageList = S["LinkingPageList"];
export type PageLinkList = S["PageLinkList"];
export type OutlinksQuery = NonNullable<operations["page_outlinks"]["parameters"]["query"]>;
export type InlinksQuery = NonNullable<operations["page_inlinks"]["parameters"]["query"]>;
export type CrawlPath = S["CrawlPath"];

/** Maps of a crawl: the URL tree, the link graph, progress. */
export type Tree = S["Tree"];
export type TreeNode = S["TreeNode"];
export type Graph = S["Graph"];
export type GraphNode = S["GraphNode"];
export type Progress = S["Progress"];
export type ProgressPoint = S["ProgressPoint"];
export type LatestError = S["LatestError"];

/** One entry of GET /api/issues/catalogue (the schema leaves the entries open). */
export interface CatalogueEntry {
  code: string;
  severity: Severity;
  title: string;
  explanation: string;
  fix: string;
  threshold?: string | null;
}

export type CompareKind = NonNullable<S["Comparison"]["kind"]>;

/** A row of one kind of change; which fields are present depends on the kind (the schema leaves rows open). */
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
export type Comparison = Omit<S["Comparison"], "issues" | "items"> & {
  issues: { new?: number; fixed?: number; by_code?: { code: string; new: number; fixed: number }[]; [key: string]: unknown };
  items?: CompareRow[] | null;
};

export type ExtractionRule = S["ExtractionRule"];
export type RuleTestInput = S["RuleTestRequest"];
export type RuleTestResult = S["RuleTestResult"];
export type Schedule = S["Schedule"];
export type ScheduleInput = S["ScheduleCreate"];
export type SchedulePreview = S["SchedulePreview"];

export type FieldError = S["FieldError"];

/** RFC 9457 problem details as the client meets them (a broken answer may lack any field but the status). */
export type Problem = Partial<S["ProblemDocument"]> & { status: number };

/** Sites (origins): dashboard figures, history rows (GET /api/sites, /api/sites/{id}/history). */
export type Site = S["Site"];
export type SiteCreateInput = S["SiteCreate"];
export type SitePatchInput = S["SitePatch"];
export type HistoryRow = S["HistoryRow"];

/** Alerting: channels (secrets never come back), rules, the alert history with its deliveries. */
export type Channel = S["Channel"];
export type ChannelInput = S["ChannelCreate"];
export type ChannelType = S["Channel"]["type"];
export type ChannelTest = S["TestResult"];
export type AlertRule = S["Rule"];
export type AlertRuleInput = S["RuleCreate"];
export type RuleKind = S["Rule"]["kind"];
export type Alert = S["Alert"];
export type Delivery = S["Delivery"];

/** robots.txt, llms.txt and the AI crawler verdicts of a crawl (GET /api/crawls/{id}/robots). */
export type RobotsReport = S["RobotsReport"];
export type AiCrawlerVerdict = S["AiCrawlerVerdict"];
export type SitemapFile = S["SitemapFile"];
