// Writes src/api/pageFields.gen.ts from the OpenAPI snapshot: the page record's fields (in the
// api model's order, with their JSON types) and the columns the api can sort pages by. The pages
// table and the page view take their columns and fields from it, so a field added to the api's
// page schema shows up in the UI after `npm run openapi:update`, never through a hand-kept copy.
// `pageFields.test.ts` fails when the committed file and the snapshot disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The JSON type of a property: date-time strings apart, `null` in an anyOf only makes it nullable. */
function kindOf(schema) {
  const variants = schema.anyOf ?? [schema];
  const real = variants.filter((v) => v.type !== "null");
  const nullable = real.length < variants.length;
  const first = real[0] ?? {};
  let kind = first.type ?? (first.$ref ? "object" : "unknown");
  if (kind === "string" && first.format === "date-time") kind = "date-time";
  return { kind, nullable };
}

/** The generated module's text for an OpenAPI document. */
export function renderPageFields(document) {
  const page = document.components.schemas.Page;
  const names = [...(page.required ?? []), ...Object.keys(page.properties).filter((n) => !(page.required ?? []).includes(n)).sort()];
  const fields = names.map((name) => ({ name, ...kindOf(page.properties[name]) }));
  const params = document.paths["/api/crawls/{crawl_id}/pages"].get.parameters;
  // The fixed columns (an enum); `extracted:<rule name>` is the other variant, a pattern.
  const sort = params.find((p) => p.name === "sort")?.schema ?? {};
  const sorts = sort.enum ?? (sort.anyOf ?? []).find((v) => v.enum)?.enum ?? [];
  const lines = [
    "/** Generated from openapi.json by scripts/page-fields.mjs (`npm run openapi:update`); do not edit. */",
    "",
    "/** The page record's fields in the api model's order, with their JSON types. */",
    "export const PAGE_FIELDS = [",
    ...fields.map((f) => `  { name: ${JSON.stringify(f.name)}, kind: ${JSON.stringify(f.kind)}, nullable: ${f.nullable} },`),
    "] as const;",
    "",
    "/** The fields GET /api/crawls/{id}/pages can sort by. */",
    `export const PAGE_SORTS = [${sorts.map((s) => JSON.stringify(s)).join(", ")}] as const;`,
    "",
  ];
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const document = JSON.parse(readFileSync(join(root, "src/api/openapi.json"), "utf8"));
  writeFileSync(join(root, "src/api/pageFields.gen.ts"), renderPageFields(document));
}
