/** Generated from openapi.json by scripts/page-fields.mjs (`npm run openapi:update`); do not edit. */

/** The page record's fields in the api model's order, with their JSON types. */
export const PAGE_FIELDS = [
  { name: "id", kind: "integer", nullable: false },
  { name: "url", kind: "string", nullable: false },
  { name: "final_url", kind: "string", nullable: true },
  { name: "status_code", kind: "integer", nullable: true },
  { name: "error", kind: "string", nullable: true },
  { name: "redirect_chain", kind: "array", nullable: false },
  { name: "content_type", kind: "string", nullable: true },
  { name: "size_bytes", kind: "integer", nullable: true },
  { name: "response_time_ms", kind: "number", nullable: true },
  { name: "depth", kind: "integer", nullable: false },
  { name: "blocked_by_robots", kind: "boolean", nullable: false },
  { name: "indexable", kind: "boolean", nullable: false },
  { name: "indexability_reason", kind: "string", nullable: true },
  { name: "title", kind: "string", nullable: true },
  { name: "title_length", kind: "integer", nullable: true },
  { name: "meta_description", kind: "string", nullable: true },
  { name: "meta_description_length", kind: "integer", nullable: true },
  { name: "h1", kind: "array", nullable: false },
  { name: "h2", kind: "array", nullable: false },
  { name: "canonical", kind: "string", nullable: true },
  { name: "canonical_raw", kind: "string", nullable: true },
  { name: "meta_robots", kind: "string", nullable: true },
  { name: "x_robots_tag", kind: "string", nullable: true },
  { name: "hreflang", kind: "array", nullable: false },
  { name: "lang", kind: "string", nullable: true },
  { name: "word_count", kind: "integer", nullable: true },
  { name: "content_hash", kind: "string", nullable: true },
  { name: "inlinks_count", kind: "integer", nullable: false },
  { name: "outlinks_count", kind: "integer", nullable: false },
  { name: "external_links_count", kind: "integer", nullable: false },
  { name: "images_count", kind: "integer", nullable: false },
  { name: "images_missing_alt", kind: "integer", nullable: false },
  { name: "structured_data_types", kind: "array", nullable: false },
  { name: "in_sitemap", kind: "boolean", nullable: false },
  { name: "crawled_at", kind: "date-time", nullable: false },
  { name: "rendered", kind: "object", nullable: true },
] as const;

/** The fields GET /api/crawls/{id}/pages can sort by. */
export const PAGE_SORTS = ["id", "url", "status_code", "depth", "response_time_ms", "size_bytes", "title_length", "word_count", "inlinks_count", "crawled_at"] as const;
