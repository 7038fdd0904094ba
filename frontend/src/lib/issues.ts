/** The order issues are read in: the most severe first, then the most frequent. */
import type { IssueSummary, Severity } from "../api/types";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "notice"];
export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function sortIssues(issues: IssueSummary[]): IssueSummary[] {
  return [...issues].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count || a.code.localeCompare(b.code));
}

/**
 * What to fix first: site-wide problems (the audit marks a code on at least 90 % of the crawl's
 * HTML pages, and 10 or more, as one template problem: `site_wide`), most pages first, then the
 * others, the most severe first and, within a severity, the ones on the most pages.
 */
export function fixOrder(issues: IssueSummary[]): { siteWide: IssueSummary[]; rest: IssueSummary[] } {
  const siteWide = issues.filter((i) => i.site_wide).sort((a, b) => b.count - a.count || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const rest = sortIssues(issues.filter((i) => !i.site_wide));
  return { siteWide, rest };
}
