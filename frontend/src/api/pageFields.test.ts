// @vitest-environment node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error a plain ES module script without types
import { renderPageFields } from "../../scripts/page-fields.mjs";
import openapi from "./openapi.json";

describe("pageFields.gen.ts", () => {
  it("is what the OpenAPI snapshot says (run `npm run openapi:update` after the api changes)", () => {
    const committed = readFileSync(join(__dirname, "pageFields.gen.ts"), "utf8");
    expect(committed).toBe((renderPageFields as (doc: unknown) => string)(openapi));
  });
});
