// @vitest-environment node
// "No hard-coded strings": every word a user reads in the UI comes from the dictionaries.
// This walks the TSX sources and fails on JSX text or user-facing attributes written inline.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const USER_FACING_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label"]);
/** Names that read the same in every language (file formats, examples of input). */
const ALLOWED = new Set(["CSV", "JSONL", "XLSX", "https://example.com/", "SEOCrawler/1.0 (+self-hosted)"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "test" ? [] : sources(path);
    return entry.name.endsWith(".tsx") && !entry.name.endsWith(".test.tsx") ? [path] : [];
  });
}

function literalsIn(file: string, text: string = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node)) {
      const text = node.getText().trim();
      if (/\p{L}/u.test(text) && !ALLOWED.has(text)) found.push(text);
    } else if (ts.isJsxAttribute(node) && node.initializer && ts.isStringLiteral(node.initializer)) {
      const name = node.name.getText();
      const text = node.initializer.text;
      if (USER_FACING_ATTRIBUTES.has(name) && /\p{L}/u.test(text) && !ALLOWED.has(text)) found.push(`${name}="${text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map((text) => `${relative(ROOT, file)}: ${text}`);
}

describe("no hard-coded strings", () => {
  it("finds the TSX sources", () => {
    expect(sources(ROOT).length).toBeGreaterThan(10);
  });

  it("has no words written inline in JSX", () => {
    expect(sources(ROOT).flatMap((file) => literalsIn(file))).toEqual([]);
  });

  it("would notice one", () => {
    const probe = `export const A = () => <p title="Hello">Start crawl <b>{t("x")}</b> CSV</p>;`;
    expect(literalsIn(join(ROOT, "probe.tsx"), probe)).toEqual(['probe.tsx: title="Hello"', "probe.tsx: Start crawl"]);
  });
});
