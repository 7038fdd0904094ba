/** The crawl overview's robots.txt card: what robots.txt said, what it tells each AI crawler, and llms.txt. */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { keys } from "../../api/queries";
import type { AiCrawlerVerdict, RobotsReport as Report, SitemapFile } from "../../api/types";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { ErrorState } from "../../components/ui/states";
import { useI18n, type Translate } from "../../i18n";

export const robotsQuery = (crawlId: string) =>
  queryOptions({ queryKey: keys.robots(crawlId), queryFn: ({ signal }) => api.robots(crawlId, signal) });

function columns(t: Translate): Column<AiCrawlerVerdict>[] {
  return [
    { id: "token", header: t("robots.crawler"), cell: (v) => v.token, width: 170, sortValue: (v) => v.token },
    { id: "operator", header: t("robots.operator"), cell: (v) => v.operator, width: 120, sortValue: (v) => v.operator },
    { id: "purpose", header: t("robots.purpose"), cell: (v) => t(`robots.purpose.${v.purpose}`), width: 150, cardLabel: true },
    {
      id: "verdict",
      header: t("robots.verdict"),
      cell: (v) => (
        <span className={`verdict verdict-${v.verdict.replace(" ", "-")}`} data-testid={`ai-${v.token}`} data-verdict={v.verdict}>
          {t(`robots.verdict.${v.verdict}`)}
          {v.group === "*" ? ` (${t("robots.viaStar")})` : ""}
        </span>
      ),
      width: 190,
      sortValue: (v) => v.verdict,
      title: (v) => v.note || undefined,
    },
  ];
}

/** Every sitemap file the crawl read: where it found it, what it answered, the URLs it gave, and why not. */
function sitemapColumns(t: Translate, locale: string): Column<SitemapFile>[] {
  return [
    { id: "url", header: t("robots.sitemap"), cell: (f) => <span className="mono">{f.url}</span>, width: 320, sortValue: (f) => f.url },
    { id: "found", header: t("robots.foundIn"), cell: (f) => (f.found_in === "index" ? t("robots.foundIn.index", { index: f.index ?? "" }) : f.found_in), width: 170 },
    { id: "status", header: t("robots.answer"), cell: (f) => (f.status === null || f.status === undefined ? "—" : String(f.status)), width: 90, numeric: true },
    { id: "urls", header: t("robots.sitemapUrls"), cell: (f) => new Intl.NumberFormat(locale).format(f.urls ?? 0), width: 90, numeric: true, sortValue: (f) => f.urls ?? 0 },
    {
      id: "error",
      header: t("robots.sitemapProblem"),
      cell: (f) => (f.error ? <span className="field-error" data-testid="sitemap-error">{f.error}</span> : t("robots.sitemapRead")),
      width: 360,
    },
  ];
}

function robotsLine(report: Report, t: Translate): string {
  const file = report.robots_txt;
  if (!file) return "";
  if (file.outcome === "missing") return t("robots.missing", { status: String(file.status ?? "") });
  if (file.outcome === "unavailable") return t("robots.unavailable", { reason: file.reason ?? "" });
  if (file.outcome === "not consulted") return t("robots.notConsulted");
  return t("robots.read", { problems: file.problem_count ?? 0, sitemaps: file.sitemaps?.length ?? 0 });
}

function llmsLine(report: Report, t: Translate): string {
  const file = report.llms_txt;
  if (!file || !file.exists) return t("robots.llmsNone");
  return (file.problem_count ?? 0) > 0 ? t("robots.llmsInvalid", { n: file.problem_count ?? 0 }) : t("robots.llmsOk");
}

export function RobotsReport({ crawlId }: { crawlId: string }) {
  const { t, locale } = useI18n();
  const report = useQuery(robotsQuery(crawlId));
  if (report.isError) return <ErrorState error={report.error} onRetry={() => void report.refetch()} />;
  const data = report.data;
  if (!data?.robots_txt) return null; // not read yet (a crawl that has not started)
  return (
    <section aria-labelledby="robots-title" className="robots-report" data-testid="robots-report">
      <h2 id="robots-title">{t("robots.title")}</h2>
      <p data-testid="robots-summary">{robotsLine(data, t)}</p>
      {data.ai_crawlers.length > 0 && (
        <DataTable className="compact" label={t("robots.aiTitle")} columns={columns(t)} rows={data.ai_crawlers} rowKey={(v) => v.token} />
      )}
      {(data.sitemaps ?? []).length > 0 && (
        <div data-testid="sitemaps-read">
          <DataTable className="compact" label={t("robots.sitemapsTitle")} columns={sitemapColumns(t, locale)} rows={data.sitemaps ?? []} rowKey={(f) => f.url} />
        </div>
      )}
      <p data-testid="llms-summary">{llmsLine(data, t)}</p>
    </section>
  );
}
