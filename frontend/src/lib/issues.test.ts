// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { IssueSummary } from "../api/types";
import { fixOrder, isSiteWide } from "./issues";

const issue = (code: string, severity: IssueSummary["severity"], count: number) =>
  ({ code, severity, count, title: code, explanation: "", fix: "", scope: "page", threshold: null, evidence: { family: "fact", columns: [], unit: null } }) as IssueSummary;

describe("what to fix first", () => {
  it("puts template problems (on 90 % of pages or more) first, one finding each, most pages first", () => {
    const issues = [issue("broken_internal_link", "error", 20), issue("viewport_missing", "notice", 2000), issue("html_lang_missing", "notice", 1900), issue("thin_content", "warning", 300)];
    const { siteWide, rest } = fixOrder(issues, 2000);
    expect(siteWide.map((i) => i.code)).toEqual(["viewport_missing", "html_lang_missing"]);
    expect(rest.map((i) => i.code)).toEqual(["broken_internal_link", "thin_content"]);
  });

  it("calls nothing site-wide on a handful of pages", () => {
    expect(isSiteWide(issue("viewport_missing", "notice", 5), 5)).toBe(false);
    expect(isSiteWide(issue("viewport_missing", "notice", 9), 10)).toBe(true);
    expect(isSiteWide(issue("viewport_missing", "notice", 8), 10)).toBe(false);
  });
});
