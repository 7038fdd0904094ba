/**
 * A crawl's progress: pages per second over time (uPlot), the queue, status codes so far and the
 * latest errors. Read once (GET /progress), then moved on by the crawl's SSE stream: each
 * `CrawlProgressed` adds a point, each `PagesCrawled` its status codes and failures.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import { followStream } from "../../api/live";
import { keys } from "../../api/queries";
import type { LatestError, Progress } from "../../api/types";
import { HttpStatus } from "../../components/crawl/badges";
import { BarChart } from "../../components/ui/chart/BarChart";
import { UPlotChart, type BuildChart } from "../../components/ui/chart/UPlotChart";
import { ErrorState, Loading } from "../../components/ui/states";
import { useI18n } from "../../i18n";
import { formatNumber } from "../../lib/format";

const MAX_POINTS = 600;
const MAX_ERRORS = 10;

export const progressKey = (crawlId: string) => [...keys.crawl(crawlId), "progress"] as const;

interface LiveEvent {
  type?: string;
  recorded_at?: string;
  data?: {
    pages_crawled?: number;
    pages_discovered?: number;
    status_counts?: Record<string, number>;
    errors?: Omit<LatestError, "crawled_at">[];
  };
}

/** One SSE event applied to the progress read so far (pure, so it can be tested on its own). */
export function applyEvent(progress: Progress, event: LiveEvent): Progress {
  const data = event.data ?? {};
  if (event.type === "CrawlProgressed" && typeof data.pages_crawled === "number" && event.recorded_at) {
    const last = progress.points[progress.points.length - 1];
    const seconds = last ? (new Date(event.recorded_at).getTime() - new Date(last.at).getTime()) / 1000 : 0;
    if (last && seconds <= 0) return progress; // already seen (a resumed stream repeats the backlog)
    const rate = last && seconds > 0 ? Math.max(0, (data.pages_crawled - last.pages_crawled) / seconds) : 0;
    const discovered = data.pages_discovered ?? last?.pages_discovered ?? 0;
    const point = { at: event.recorded_at, pages_crawled: data.pages_crawled, pages_discovered: discovered, pages_per_second: Math.round(rate * 100) / 100 };
    return { ...progress, points: [...progress.points, point].slice(-MAX_POINTS), queued: Math.max(0, discovered - data.pages_crawled) };
  }
  if (event.type === "PagesCrawled" && data.status_counts) {
    const codes = { ...progress.status_codes };
    for (const [code, n] of Object.entries(data.status_counts)) codes[code] = (codes[code] ?? 0) + n;
    const at = event.recorded_at ?? new Date().toISOString();
    const errors = [...(data.errors ?? []).map((e) => ({ ...e, crawled_at: at })), ...progress.latest_errors].slice(0, MAX_ERRORS);
    return { ...progress, status_codes: codes, latest_errors: errors };
  }
  return progress;
}

const rateChart =
  (progress: Progress, label: string): BuildChart =>
  (width, theme) => ({
    options: {
      width,
      height: 180,
      scales: { x: { time: true } },
      legend: { show: false },
      axes: [
        { stroke: theme.muted, grid: { stroke: theme.grid }, font: theme.font },
        { stroke: theme.muted, grid: { stroke: theme.grid }, font: theme.font, size: 50 },
      ],
      series: [{}, { label, stroke: theme.tone(undefined), width: 2, fill: `${theme.tone(undefined)}22` }],
    },
    data: [progress.points.map((p) => new Date(p.at).getTime() / 1000), progress.points.map((p) => p.pages_per_second)],
  });

/** `queued` comes from the crawl itself (its live counters), so the screen shows one number. */
export function LiveProgress({ crawlId, live, queued }: { crawlId: string; live: boolean; queued: number }) {
  const { t, locale } = useI18n();
  const client = useQueryClient();
  const progress = useQuery({ queryKey: progressKey(crawlId), queryFn: ({ signal }) => api.progress(crawlId, signal) });
  const loaded = Boolean(progress.data);

  useEffect(() => {
    if (!live || !loaded || typeof EventSource === "undefined") return;
    return followStream(api.eventsUrl(crawlId), (message) => {
      let parsed: LiveEvent;
      try {
        parsed = JSON.parse(message.data) as LiveEvent;
      } catch {
        return;
      }
      client.setQueryData<Progress>(progressKey(crawlId), (old) => (old ? applyEvent(old, { ...parsed, type: parsed.type ?? message.type }) : old));
    });
  }, [client, crawlId, live, loaded]);

  if (progress.isError) return <ErrorState error={progress.error} onRetry={() => void progress.refetch()} />;
  if (!progress.data) return <Loading />;
  const data = progress.data;
  const now = data.points[data.points.length - 1]?.pages_per_second ?? 0;
  const codes = Object.entries(data.status_codes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section aria-labelledby="progress-title" className="live-progress" data-testid="live-progress">
      <h2 id="progress-title">{t("progress.title")}</h2>
      <div className="stats">
        <div className="stat">
          <span className="stat-value" data-testid="progress-rate">
            {t("progress.pagesPerSecond", { n: now })}
          </span>
          <span className="stat-label">{t("progress.rateNow")}</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="progress-queued">
            {formatNumber(queued, locale)}
          </span>
          <span className="stat-label">{t("progress.queued")}</span>
        </div>
      </div>
      <div className="charts">
        <figure className="chart card" data-testid="progress-rate-chart">
          <figcaption>{t("progress.rate")}</figcaption>
          {data.points.length > 1 && <UPlotChart build={rateChart(data, t("progress.rate"))} signature={`${data.points.length}|${data.points[data.points.length - 1]?.at}`} height={180} />}
          <table className="visually-hidden">
            <tbody>
              {data.points.slice(-20).map((p) => (
                <tr key={p.at}>
                  <td>{p.at}</td>
                  <td>{p.pages_per_second}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
        <BarChart
          title={t("progress.statusCodes")}
          bars={codes.map(([code, n]) => ({ label: code === "error" ? t("overview.noResponse") : code, value: n, tone: code === "error" ? "http-none" : `http-${code[0]}xx` }))}
          testId="progress-status"
        />
      </div>
      <h3>{t("progress.latestErrors")}</h3>
      {data.latest_errors.length === 0 ? (
        <p className="muted">{t("progress.noErrors")}</p>
      ) : (
        <ul className="url-list" data-testid="progress-errors">
          {data.latest_errors.map((e) => (
            <li key={`${e.page_id}`}>
              <HttpStatus code={e.status_code} /> <Link to={`/crawls/${crawlId}/pages/${e.page_id}`}>{e.url}</Link> {e.error && <span className="muted break">{e.error}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
