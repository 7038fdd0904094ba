// @vitest-environment node
import { describe, expect, it } from "vitest";
import openapi from "../../api/openapi.json";
import { en } from "../../i18n/en";
import { COLUMNS, extractionColumns, parseSort, visibleColumns } from "./columns";

const schema = (openapi as unknown as { components: { schemas: { Page: { properties: Record<string, unknown> } } } }).components.schemas.Page;

describe("the pages table's columns", () => {
  it("are the page schema's fields, nothing hand-written beside it", () => {
    // The id is internal; `rendered` (raw versus rendered) is the page view's comparison, not a cell;
    // `extracted` is one column per rule of the crawl.
    const hidden = ["id", "rendered", "extracted"];
    expect(COLUMNS.map((c) => c.key).sort()).toEqual(Object.keys(schema.properties).filter((f) => !hidden.includes(f)).sort());
  });

  it("each have a label in the dictionaries", () => {
    const missing = COLUMNS.map((c) => `field.${c.key}`).filter((key) => !(key in en));
    expect(missing, "add these keys to i18n/en.ts and ru.ts").toEqual([]);
  });

  it("sort only where the api sorts, numbers aligned right", () => {
    expect(COLUMNS.filter((c) => c.sortable).map((c) => c.key)).toEqual(expect.arrayContaining(["url", "status_code", "depth", "response_time_ms"]));
    expect(COLUMNS.find((c) => c.key === "title")?.sortable).toBe(false);
    expect(COLUMNS.find((c) => c.key === "word_count")?.numeric).toBe(true);
  });

  it("read the chosen columns from the address, URL always first", () => {
    expect(visibleColumns("depth,nonsense,title").map((c) => c.key)).toEqual(["url", "depth", "title"].sort((a, b) => COLUMNS.findIndex((c) => c.key === a) - COLUMNS.findIndex((c) => c.key === b)));
    expect(visibleColumns(null)[0]?.key).toBe("url");
    expect(parseSort("depth", "desc")).toEqual({ id: "depth", desc: true });
    expect(parseSort("title", "asc")).toBeNull();
  });

  it("give each custom extraction rule a column of its own, shown by default, sortable by its value", () => {
    const rules = [{ name: "price", type: "css" }, { name: "Out of stock", type: "text" }, { name: "links", type: "css", value: "count" }];
    expect(extractionColumns(rules).map((c) => [c.key, c.numeric, c.sortable])).toEqual([
      ["extracted:price", false, true],
      ["extracted:Out of stock", true, true],
      ["extracted:links", true, true],
    ]);
    expect(visibleColumns(null, rules).map((c) => c.key)).toEqual(expect.arrayContaining(["extracted:price", "extracted:links"]));
    expect(visibleColumns("title,extracted:price,extracted:gone", rules).map((c) => c.key)).toEqual(["url", "title", "extracted:price"]);
    expect(parseSort("extracted:price", "desc")).toEqual({ id: "extracted:price", desc: true });
    expect(parseSort("extracted:", "asc")).toBeNull();
  });
});
