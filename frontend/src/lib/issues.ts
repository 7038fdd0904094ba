/** The order issues are read in: the most severe first, then the most frequent. */
import type { IssueSummary, Severity } from "../api/types";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "notice"];
export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function sortIssues(issues: IssueSummary[]): IssueSummary[] {
  return [...issues].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count || a.code.localeCompare(b.code));
}

/**
 * A code on at least this share of the crawled pages is a template problem: one fix (in the
 * template) for all of them, so it is shown once, as a site-wide finding with its page count
 * (issue 13's rule; the audit's own site-wide summary replaces this once the api sends it).
 */
export const SITE_WIDE_SHARE = 0.9;
const SITE_WIDE_MIN_PAGES = 10;

export function isSiteWide(issue: IssueSummary, pages: number): boolean {
  return pages >= SITE_WIDE_MIN_PAGES && issue.count >= SITE_WIDE_SHARE * pages;
}

/**
 * What to fix first: site-wide problems (one fix each, most pages first), then the others, the
 * most severe first and, within a severity, the ones on the most pages.
 */
export function fixOrder(issues: IssueSummary[], pages: number): { siteWide: IssueSummary[]; rest: IssueSummary[] } {
  const siteWide = issues.filter((i) => isSiteWide(i, pages)).sort((a, b) => b.count - a.count || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const rest = sortIssues(issues.filter((i) => !isSiteWide(i, pages)));
  return { siteWide, rest };
}
