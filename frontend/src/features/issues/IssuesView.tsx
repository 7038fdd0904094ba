/** /crawls/{id}/issues: issues grouped by code with severity and counts; drill down to the URLs. */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import { api } from "../../api/client";
import { issueSummaryQuery, keys } from "../../api/queries";
import type { IssueSummary, Severity } from "../../api/types";
import { SeverityBadge } from "../../components/crawl/badges";
import { EvidenceTable } from "../../components/evidence/Evidence";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useSearchParamsUpdate } from "../../hooks/useSearchParamsUpdate";
import { useI18n, type Translate } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { SEVERITIES, SEVERITY_ORDER, sortIssues } from "../../lib/issues";

function IssueUrls({ crawlId, issue }: { crawlId: string; issue: IssueSummary }) {
  const { t, lang } = useI18n();
  const urls = useInfiniteQuery({
    queryKey: keys.issueUrls(crawlId, issue.code, lang),
    queryFn: ({ pageParam, signal }) => api.issueUrls(crawlId, issue.code, lang, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = urls.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card issue-detail" aria-labelledby="issue-detail-title" data-testid="issue-detail">
      <div className="issue-head">
        <SeverityBadge severity={issue.severity} />
        <h2 id="issue-detail-title">{issue.title || issue.code}</h2>
        <code className="muted">{issue.code}</code>
      </div>
      <h3>{t("issues.explanation")}</h3>
      {issue.explanation && <p data-testid="issue-explanation">{issue.explanation}</p>}
      {issue.fix && (
        <p data-testid="issue-fix">
          <strong>{t("page.howToFix")}: </strong>
          {issue.fix}
        </p>
      )}
      <h3>{t("issues.urls")}</h3>
      {urls.isError && !urls.data ? (
        <ErrorState error={urls.error} onRetry={() => void urls.refetch()} />
      ) : !urls.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty />
      ) : (
        <>
          <EvidenceTable crawlId={crawlId} family={issue.evidence.family} unit={issue.evidence.unit} urls={items} label={t("issues.urls")} />
          {urls.hasNextPage && (
            <button type="button" onClick={() => void urls.fetchNextPage({ cancelRefetch: false })} disabled={urls.isFetchingNextPage}>
              {t("state.loadMore")}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function issueColumns(t: Translate, locale: string, selected: string | null, select: (code: string | null) => void): Column<IssueSummary>[] {
  return [
    {
      id: "severity",
      header: t("issues.severity"),
      width: 120,
      grow: 0,
      sortable: true,
      sortValue: (i) => SEVERITY_ORDER[i.severity],
      cell: (i) => <SeverityBadge severity={i.severity} />,
    },
    {
      id: "title",
      header: t("issues.code"),
      width: 200,
      grow: 1,
      sortable: true,
      sortValue: (i) => i.title || i.code,
      cell: (i) => (
        <>
          <button type="button" className="link-button" aria-pressed={i.code === selected} onClick={() => select(i.code === selected ? null : i.code)}>
            {i.title || i.code}
          </button>
          {i.site_wide && (
            <span className="badge site-wide" title={t("issues.siteWideHint")} data-testid={`site-wide-${i.code}`}>
              {t("issues.siteWide")}
            </span>
          )}
        </>
      ),
    },
    { id: "count", header: t("issues.count"), width: 80, grow: 0, numeric: true, sortable: true, sortValue: (i) => i.count, cell: (i) => formatNumber(i.count, locale) },
  ];
}

export function IssuesView() {
  const { crawlId = "" } = useParams();
  const { t, locale, lang } = useI18n();
  const [params, update] = useSearchParamsUpdate();
  const summary = useQuery(issueSummaryQuery(crawlId, lang));
  useDocumentTitle(t("issues.title"));
  const code = params.get("code");

  if (summary.isError)
    return (
      <>
        <CrawlTabs crawlId={crawlId} />
        <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />
      </>
    );
  if (!summary.data) return <Loading />;
  const severity = params.get("severity");
  const all = sortIssues(summary.data);
  const issues = all.filter((i) => !severity || i.severity === severity);
  const selected = all.find((i) => i.code === code);
  const total = (s: Severity | null) => all.filter((i) => !s || i.severity === s).reduce((n, i) => n + i.count, 0);

  return (
    <div className="issues-view">
      <CrawlTabs crawlId={crawlId} />
      <h1>{t("issues.title")}</h1>
      {all.length > 0 && (
        <div className="presets" role="group" aria-label={t("issues.severity")}>
          {([null, ...SEVERITIES] as const).map((s) => {
            const on = severity === s || (!severity && !s);
            return (
              <button key={s ?? "all"} type="button" className={on ? "chip active" : "chip"} aria-pressed={on} onClick={() => update({ severity: s })}>
                {t("common.withCount", { label: s ? t(`severity.${s}`) : t("issues.all"), n: total(s) })}
              </button>
            );
          })}
        </div>
      )}
      {all.length === 0 ? (
        <Empty>{t("issues.empty")}</Empty>
      ) : (
        <div className="split">
          <DataTable
            className="issues-table"
            label={t("issues.title")}
            columns={issueColumns(t, locale, code, (next) => update({ code: next }))}
            rows={issues}
            rowKey={(i) => i.code}
            rowProps={(i) => ({ "data-testid": "issue-row", "data-code": i.code, className: i.code === code ? "selected" : undefined })}
          />
          {selected ? <IssueUrls crawlId={crawlId} issue={selected} /> : <p className="muted">{t("issues.pickOne")}</p>}
        </div>
      )}
    </div>
  );
}
