/** The pages table's columns: which fields, how wide, which sort on the server. */
import type { MessageKey } from "../../i18n/en";

export interface Column {
  key: string;
  label: MessageKey;
  width: number;
  numeric?: boolean;
  sortable?: boolean;
}

export const COLUMNS: Column[] = [
  { key: "url", label: "field.url", width: 360, sortable: true },
  { key: "status_code", label: "field.status_code", width: 80, numeric: true, sortable: true },
  { key: "indexable", label: "field.indexable", width: 100 },
  { key: "title", label: "field.title", width: 280 },
  { key: "title_length", label: "field.title_length", width: 90, numeric: true, sortable: true },
  { key: "meta_description", label: "field.meta_description", width: 260 },
  { key: "meta_description_length", label: "field.meta_description_length", width: 110, numeric: true },
  { key: "h1", label: "field.h1", width: 220 },
  { key: "depth", label: "field.depth", width: 70, numeric: true, sortable: true },
  { key: "response_time_ms", label: "field.response_time_ms", width: 120, numeric: true, sortable: true },
  { key: "size_bytes", label: "field.size_bytes", width: 110, numeric: true, sortable: true },
  { key: "word_count", label: "field.word_count", width: 80, numeric: true, sortable: true },
  { key: "inlinks_count", label: "field.inlinks_count", width: 90, numeric: true, sortable: true },
  { key: "outlinks_count", label: "field.outlinks_count", width: 90, numeric: true },
  { key: "canonical", label: "field.canonical", width: 240 },
  { key: "content_type", label: "field.content_type", width: 160 },
  { key: "images_missing_alt", label: "field.images_missing_alt", width: 110, numeric: true },
  { key: "in_sitemap", label: "field.in_sitemap", width: 90 },
  { key: "crawled_at", label: "field.crawled_at", width: 170, sortable: true },
];

export const DEFAULT_COLUMNS = ["url", "status_code", "indexable", "title", "depth", "response_time_ms", "word_count", "inlinks_count"];

/** The visible columns from the URL's `cols` (unknown names ignored, url always first). */
export function visibleColumns(param: string | null): Column[] {
  const wanted = param ? param.split(",").filter(Boolean) : DEFAULT_COLUMNS;
  const set = new Set(["url", ...wanted]);
  return COLUMNS.filter((c) => set.has(c.key));
}

/** `sort` and `order` in the URL, as the api takes them. */
export function parseSort(sort: string | null, order: string | null): { key: string; desc: boolean } | null {
  if (!sort) return null;
  return { key: sort, desc: order === "desc" };
}

/** A click on a header: a new column sorts ascending (numbers descending: the worst first), again flips it. */
export function nextSort(current: { key: string; desc: boolean } | null, column: { key: string; numeric?: boolean }): { sort: string; order: "asc" | "desc" } {
  if (!current || current.key !== column.key) return { sort: column.key, order: column.numeric ? "desc" : "asc" };
  return { sort: column.key, order: current.desc ? "asc" : "desc" };
}
