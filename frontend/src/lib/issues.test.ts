// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { IssueSummary } from "../api/types";
import { fixOrder } from "./issues";

const issue = (code: string, severity: IssueSummary["severity"], count: number, site_wide = false) =>
  ({ code, severity, count, site_wide, title: code, explanation: "", fix: "", scope: "page", threshold: null, evidence: { family: "fact", columns: [], unit: null } }) as IssueSummary;

describe("what to fix first", () => {
  it("puts the audit's template problems first, one finding each, most pages first", () => {
    const issues = [issue("broken_internal_link", "error", 20), issue("viewport_missing", "notice", 2000, true), issue("html_lang_missing", "notice", 1900, true), issue("thin_content", "warning", 300)];
    const { siteWide, rest } = fixOrder(issues);
    expect(siteWide.map((i) => i.code)).toEqual(["viewport_missing", "html_lang_missing"]);
    expect(rest.map((i) => i.code)).toEqual(["broken_internal_link", "thin_content"]);
  });

  it("leaves every code the audit does not call site-wide in the ordinary list", () => {
    const { siteWide, rest } = fixOrder([issue("viewport_missing", "notice", 9)]);
    expect(siteWide).toEqual([]);
    expect(rest.map((i) => i.code)).toEqual(["viewport_missing"]);
  });
});
