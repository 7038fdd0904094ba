/** /crawls/{id}: live progress, key numbers, charts, exports; usable on a phone. */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useParams } from "react-router";
import { FINAL, useLiveCrawl } from "../../api/live";
import { crawlListQuery, crawlQuery, crawlsOf } from "../../api/queries";
import type { Crawl } from "../../api/types";
import { SeverityBadge, StatusBadge } from "../../components/crawl/badges";
import { CrawlActions } from "../../components/crawl/CrawlActions";
import { CompareSelect, comparableWith } from "../../components/crawl/CompareSelect";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { ProgressBar } from "../../components/crawl/ProgressBar";
import { BarChart } from "../../components/ui/chart/BarChart";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n } from "../../i18n";
import { asText, formatDate, formatDuration, formatNumber } from "../../lib/format";
import { fixOrder } from "../../lib/issues";
import { ExportButtons } from "./ExportButtons";
import { LiveProgress } from "./LiveProgress";
import { RobotsReport } from "./RobotsReport";
import { depthBars, responseTimeBars, severityBars, statsQuery, statusBars } from "./stats";

/** How often, at most, the charts are redrawn while the crawl runs. */
const CHART_REFRESH_MS = 4000;

function Stat({ label, value, to, testId }: { label: string; value: string; to?: string; testId?: string }) {
  const body = (
    <>
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
    </>
  );
  return to ? (
    <Link className="stat" to={to}>
      {body}
    </Link>
  ) : (
    <div className="stat">{body}</div>
  );
}

function Charts({ crawl }: { crawl: Crawl }) {
  const { t, lang } = useI18n();
  const stats = useQuery(statsQuery(crawl.id, lang));
  // While the crawl runs, redraw at most every few seconds; once it ends, once more.
  const progress = `${crawl.pages_crawled}|${crawl.status}|${crawl.issues_count}`;
  const seen = useRef(progress);
  const last = useRef(Date.now());
  const { refetch } = stats;
  useEffect(() => {
    if (progress === seen.current) return; // the first load already has these numbers
    seen.current = progress;
    const now = Date.now();
    if (FINAL.has(crawl.status) || now - last.current > CHART_REFRESH_MS) {
      last.current = now;
      void refetch();
    }
  }, [progress, crawl.status, refetch]);

  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />;
  if (!stats.data) return <Loading />;
  const { pages, truncated, issues } = stats.data;
  if (!pages.length) return <Empty>{t("overview.noData")}</Empty>;
  const { siteWide, rest } = fixOrder(issues);
  const top = rest.slice(0, 6);
  return (
    <>
      {siteWide.length > 0 && (
        <section aria-labelledby="site-wide-title">
          <h2 id="site-wide-title">{t("overview.siteWide")}</h2>
          <p className="muted">{t("overview.siteWideIntro")}</p>
          <ul className="top-issues" data-testid="site-wide">
            {siteWide.map((issue) => (
              <li key={issue.code}>
                <SeverityBadge severity={issue.severity} />{" "}
                <Link to={`/crawls/${crawl.id}/issues?code=${encodeURIComponent(issue.code)}`}>{issue.title || issue.code}</Link>{" "}
                <span className="muted">
                  {t("overview.pagesAffected", { n: issue.count })} · {t("overview.shareOfPages", { n: Math.min(1, issue.count / Math.max(1, crawl.pages_crawled)) })}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {top.length > 0 && (
        <section aria-labelledby="top-issues-title">
          <h2 id="top-issues-title">{t("overview.topIssues")}</h2>
          <ul className="top-issues" data-testid="top-issues">
            {top.map((issue) => (
              <li key={issue.code}>
                <SeverityBadge severity={issue.severity} />{" "}
                <Link to={`/crawls/${crawl.id}/issues?code=${encodeURIComponent(issue.code)}`}>{issue.title || issue.code}</Link>{" "}
                <span className="muted">{t("common.count", { n: issue.count })}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">{t("overview.charts")}</h2>
        {truncated && <p className="muted">{t("overview.sampled", { n: pages.length })}</p>}
        <div className="charts">
          <BarChart title={t("overview.statusCodes")} bars={statusBars(pages, t)} testId="chart-status" />
          <BarChart title={t("overview.severities")} bars={severityBars(issues, t)} testId="chart-severity" />
          <BarChart title={t("overview.depths")} bars={depthBars(pages)} testId="chart-depth" />
          <BarChart title={t("overview.responseTimes")} bars={responseTimeBars(pages, t)} testId="chart-time" />
        </div>
      </section>
    </>
  );
}

/** What the crawl was asked to do, for reading its numbers right. */
function CrawlSettingsSummary({ crawl }: { crawl: Crawl }) {
  const { t } = useI18n();
  const s = crawl.settings ?? {};
  const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? t("page.yes") : t("page.no"));
  const rows: [string, unknown][] = [
    [t("form.mode"), s.mode === "list" ? t("form.mode.list") : t("form.mode.spider")],
    [t("form.maxPages"), s.max_pages],
    [t("form.maxDepth"), s.max_depth],
    [t("form.include"), s.include],
    [t("form.exclude"), s.exclude],
    [t("form.maxRps"), s.max_rps],
    [t("form.concurrency"), s.concurrency],
    [t("form.userAgent"), s.user_agent],
    [t("form.respectRobots"), yesNo(s.respect_robots)],
    [t("form.useSitemaps"), yesNo(s.use_sitemaps)],
  ];
  return (
    <details className="card settings-summary">
      <summary>{t("overview.settings")}</summary>
      <dl className="fields">
        {rows.map(([label, value]) => (
          <div key={label} className="field-row">
            <dt>{label}</dt>
            <dd className="break">{asText(value)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function ComparePicker({ crawl }: { crawl: Crawl }) {
  const { t } = useI18n();
  const list = useInfiniteQuery(crawlListQuery());
  const others = comparableWith(crawl, crawlsOf(list.data));
  if (!others.length) return null;
  return (
    <label className="compare-picker">
      {t("overview.compareWith")} <CompareSelect crawl={crawl} others={others} prompt={t("compare.pick")} testId="compare-picker" />
    </label>
  );
}

export function OverviewView() {
  const { crawlId = "" } = useParams();
  const { t, locale } = useI18n();
  const crawl = useQuery(crawlQuery(crawlId));
  const data = crawl.data;
  useDocumentTitle(data?.url);
  useLiveCrawl(crawlId, Boolean(data && !FINAL.has(data.status)));

  if (crawl.isError)
    return (
      <>
        <CrawlTabs crawlId={crawlId} />
        <ErrorState error={crawl.error} onRetry={() => void crawl.refetch()} />
      </>
    );
  if (!data) return <Loading />;
  const base = `/crawls/${data.id}`;
  return (
    <div className="overview">
      <CrawlTabs crawlId={data.id} />
      <header className="view-head">
        <h1 className="break">{t("overview.title", { url: data.url })}</h1>
        <div className="head-row">
          <span data-testid="crawl-status" data-status={data.status}>
            <StatusBadge status={data.status} />
          </span>
          <CrawlActions crawl={data} />
        </div>
      </header>
      <ProgressBar crawl={data} />
      {data.status === "failed" && data.error && (
        <p className="form-error" role="alert">
          {t("overview.failedReason", { error: data.error })}
        </p>
      )}
      <div className="stats">
        <Stat label={t("overview.pagesCrawled")} value={formatNumber(data.pages_crawled, locale)} to={`${base}/pages`} testId="stat-pages" />
        <Stat label={t("overview.pagesDiscovered")} value={formatNumber(data.pages_discovered, locale)} />
        <Stat label={t("overview.issues")} value={formatNumber(data.issues_count, locale)} to={`${base}/issues`} testId="stat-issues" />
        <Stat label={t("overview.duration")} value={formatDuration(data.started_at, data.finished_at, locale)} />
        <Stat label={t("overview.started")} value={formatDate(data.started_at ?? data.created_at, locale)} />
        <Stat label={t("overview.finished")} value={formatDate(data.finished_at, locale)} />
      </div>
      {!FINAL.has(data.status) && <LiveProgress crawlId={data.id} live={data.status === "running" || data.status === "queued"} queued={Math.max(0, data.pages_discovered - data.pages_crawled)} />}
      <Charts crawl={data} />
      <RobotsReport crawlId={data.id} />
      <CrawlSettingsSummary crawl={data} />
      <ComparePicker crawl={data} />
      <ExportButtons crawlId={data.id} />
    </div>
  );
}
