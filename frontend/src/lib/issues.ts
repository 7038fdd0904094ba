/** The order issues are read in: the most severe first, then the most frequent. */
import type { IssueSummary, Severity } from "../api/types";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "notice"];
export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function sortIssues(issues: IssueSummary[]): IssueSummary[] {
  return [...issues].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count || a.code.localeCompare(b.code));
}
