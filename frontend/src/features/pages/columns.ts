/**
 * The pages table's columns, one per field of the api's page schema (`pageFields.gen.ts`,
 * generated from the OpenAPI document): a field the api adds becomes a column to choose. Only the
 * presentation is decided here: widths, which columns show by default, and how a cell reads.
 */
import { PAGE_FIELDS, PAGE_SORTS } from "../../api/pageFields.gen";
import type { PageField, PageSort } from "../../api/types";
import type { SortState } from "../../components/ui/DataTable";

export type FieldKind = (typeof PAGE_FIELDS)[number]["kind"];

/** A custom extraction rule's column: `extracted:<rule name>` (rule names hold no colon). */
export type ExtractedKey = `extracted:${string}`;
export const EXTRACTED = "extracted:";

export interface PageColumn {
  key: PageField | ExtractedKey;
  kind: FieldKind;
  width: number;
  /** Share of the table's spare width (long text takes it; numbers keep their width). */
  grow: number;
  numeric: boolean;
  sortable: boolean;
}

/**
 * Fields that are no column: the record's id is internal; `rendered` is the page view's comparison;
 * `extracted` is one column per rule of the crawl (`extractionColumns`), not one object.
 */
const HIDDEN: ReadonlySet<PageField> = new Set<PageField>(["id", "rendered", "extracted"]);
const KIND_WIDTHS: Record<FieldKind, number> = { integer: 100, number: 110, boolean: 100, string: 200, "date-time": 170, array: 200, object: 240 };
// Least widths. The default columns together fit a 1366-pixel window (1440 in Russian, whose headers
// are longer), so the issue count and the top issue show without scrolling sideways; spare width
// goes to the text (GROW), and the pages view takes the window's whole width (styles.css), so a wide
// screen shows more of each URL and title.
const WIDTHS: Partial<Record<PageField, number>> = {
  url: 200,
  final_url: 240,
  title: 170,
  meta_description: 150,
  canonical: 220,
  h1: 120,
  status_code: 60,
  indexable: 80,
  word_count: 70,
  depth: 60,
  content_hash: 160,
  top_issue: 130,
  issues_count: 60,
  link_score: 70,
  inlinks_count: 70,
};
const GROW: Partial<Record<PageField, number>> = { url: 3, title: 2, meta_description: 2, h1: 1.5, final_url: 2, canonical: 2, top_issue: 1 };
const SORTABLE: ReadonlySet<string> = new Set(PAGE_SORTS);

export const COLUMNS: PageColumn[] = PAGE_FIELDS.filter((f) => !HIDDEN.has(f.name)).map((f) => ({
  key: f.name,
  kind: f.kind,
  width: WIDTHS[f.name] ?? KIND_WIDTHS[f.kind],
  grow: GROW[f.name] ?? 0,
  numeric: f.kind === "integer" || f.kind === "number",
  sortable: SORTABLE.has(f.name),
}));

/** What an SEO reads first: the answer, the words search engines show, how linked it is, what is wrong. */
export const DEFAULT_COLUMNS: PageField[] = [
  "url", "status_code", "indexable", "title", "meta_description", "h1", "word_count", "inlinks_count", "link_score",
  "issues_count", "top_issue",
];

/** A rule of the crawl's `extraction`, as far as its column needs it. */
export interface RuleInfo {
  name: string;
  type?: string;
  value?: string | null;
}

/** One column per custom extraction rule of the crawl, sortable and filterable; counts read as numbers. */
export function extractionColumns(rules: readonly RuleInfo[]): PageColumn[] {
  return rules.map((rule) => {
    const counts = rule.value === "count" || (rule.type === "text" && !rule.value);
    return { key: `${EXTRACTED}${rule.name}` as ExtractedKey, kind: counts ? "integer" : "string", width: counts ? 110 : 180, grow: counts ? 0 : 1, numeric: counts, sortable: true };
  });
}

export const isExtracted = (key: string): key is ExtractedKey => key.startsWith(EXTRACTED);

/** Every column the table can show: the record's fields, then the crawl's rules. */
export const allColumns = (rules: readonly RuleInfo[] = []): PageColumn[] => [...COLUMNS, ...extractionColumns(rules)];

/** The visible columns from the URL's `cols` (unknown names ignored, url always first); by default the
 * usual set and every rule of the crawl. */
export function visibleColumns(param: string | null, rules: readonly RuleInfo[] = []): PageColumn[] {
  const columns = allColumns(rules);
  const wanted = param ? param.split(",").filter(Boolean) : [...DEFAULT_COLUMNS, ...extractionColumns(rules).map((c) => c.key)];
  const set = new Set<string>(["url", ...wanted]);
  return columns.filter((c) => set.has(c.key));
}

/** `sort` and `order` in the URL, as the api takes them (a sort the api does not know is none). */
export function parseSort(sort: string | null, order: string | null): SortState | null {
  if (!isPageSort(sort)) return null;
  return { id: sort, desc: order === "desc" };
}

export function isPageSort(value: string | null | undefined): value is PageSort {
  return typeof value === "string" && (SORTABLE.has(value) || (isExtracted(value) && value.length > EXTRACTED.length));
}
