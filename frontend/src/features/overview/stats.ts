/** The overview's chart data: distributions over the crawl's pages and issue counts by severity. */
import { queryOptions } from "@tanstack/react-query";
import { api } from "../../api/client";
import { keys } from "../../api/queries";
import type { IssueSummary, Page, Severity } from "../../api/types";
import type { Bar } from "../../components/ui/chart/BarChart";
import type { Translate } from "../../i18n";

/** How many pages the overview reads for its distributions (the key numbers are exact). */
export const SAMPLE_LIMIT = 2000;

export interface OverviewStats {
  pages: Page[];
  truncated: boolean;
  issues: IssueSummary[];
}

export async function loadStats(crawlId: string, lang: string, signal: AbortSignal): Promise<OverviewStats> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  let truncated = false;
  do {
    const batch = await api.listPages(crawlId, { cursor, limit: 500 }, signal);
    pages.push(...batch.items);
    cursor = batch.next_cursor;
    if (pages.length >= SAMPLE_LIMIT && cursor) {
      truncated = true;
      break;
    }
  } while (cursor);
  const report = await api.issueReport(crawlId, lang, signal);
  return { pages, truncated, issues: report.items };
}

/** The overview's chart data; re-read while the crawl runs (see `Charts`). */
export const statsQuery = (crawlId: string, lang: string) =>
  queryOptions({ queryKey: keys.crawlStats(crawlId, lang), queryFn: ({ signal }) => loadStats(crawlId, lang, signal) });

export function statusBars(pages: Page[], t: Translate): Bar[] {
  const counts = new Map<string, number>();
  for (const p of pages) {
    const key = p.status_code === null || p.status_code === undefined ? t("overview.noResponse") : String(p.status_code);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value, tone: /^\d/.test(label) ? `http-${label[0]}xx` : "http-none" }));
}

export function depthBars(pages: Page[]): Bar[] {
  const counts = new Map<number, number>();
  for (const p of pages) {
    const d = Math.min(p.depth ?? 0, 10);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([d, value]) => ({ label: d === 10 ? "10+" : String(d), value }));
}

export const TIME_EDGES = [100, 250, 500, 800, 1500, 3000];

export function responseTimeBars(pages: Page[], t: Translate): Bar[] {
  const ms = t("unit.ms");
  const counts = new Array<number>(TIME_EDGES.length + 1).fill(0);
  for (const p of pages) {
    if (p.response_time_ms === null || p.response_time_ms === undefined) continue;
    const i = TIME_EDGES.findIndex((edge) => p.response_time_ms! < edge);
    counts[i === -1 ? TIME_EDGES.length : i]! += 1;
  }
  return counts.map((value, i) => ({
    label: i === 0 ? `< ${TIME_EDGES[0]} ${ms}` : i === TIME_EDGES.length ? `≥ ${TIME_EDGES[i - 1]} ${ms}` : `${TIME_EDGES[i - 1]}–${TIME_EDGES[i]} ${ms}`,
    value,
    tone: i >= 4 ? "slow" : "",
  }));
}

export function severityBars(issues: IssueSummary[], t: Translate): Bar[] {
  const totals: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const i of issues) totals[i.severity] = (totals[i.severity] ?? 0) + i.count;
  return (["error", "warning", "notice"] as const).map((s) => ({ label: t(`severity.${s}`), value: totals[s], tone: `severity-${s}` }));
}
