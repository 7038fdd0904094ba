/**
 * The pages table's columns, one per field of the api's page schema (`pageFields.gen.ts`,
 * generated from the OpenAPI document): a field the api adds becomes a column to choose. Only the
 * presentation is decided here: widths, which columns show by default, and how a cell reads.
 */
import { PAGE_FIELDS, PAGE_SORTS } from "../../api/pageFields.gen";
import type { PageField, PageSort } from "../../api/types";
import type { SortState } from "../../components/ui/DataTable";

export type FieldKind = (typeof PAGE_FIELDS)[number]["kind"];

export interface PageColumn {
  key: PageField;
  kind: FieldKind;
  width: number;
  /** Share of the table's spare width (long text takes it; numbers keep their width). */
  grow: number;
  numeric: boolean;
  sortable: boolean;
}

/** Fields that are no column: the record's id is internal; `rendered` is the page view's comparison. */
const HIDDEN: ReadonlySet<PageField> = new Set<PageField>(["id", "rendered"]);
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

/** The visible columns from the URL's `cols` (unknown names ignored, url always first). */
export function visibleColumns(param: string | null): PageColumn[] {
  const wanted = param ? param.split(",").filter(Boolean) : DEFAULT_COLUMNS;
  const set = new Set<string>(["url", ...wanted]);
  return COLUMNS.filter((c) => set.has(c.key));
}

/** `sort` and `order` in the URL, as the api takes them (a sort the api does not know is none). */
export function parseSort(sort: string | null, order: string | null): SortState | null {
  if (!sort || !SORTABLE.has(sort)) return null;
  return { id: sort, desc: order === "desc" };
}

export function isPageSort(value: string | null | undefined): value is PageSort {
  return typeof value === "string" && SORTABLE.has(value);
}
