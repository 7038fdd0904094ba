/** /crawls/{id}/issues: issues grouped by code with severity and counts; drill down to the URLs. */
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "../../api/client";
import type { IssueSummary, IssueUrl, Paginated, Severity } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/badges";
import { detailsText, formatNumber } from "../../components/format";
import { CrawlTabs } from "../../components/Layout";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../components/useDocumentTitle";

const ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function sortIssues(issues: IssueSummary[]): IssueSummary[] {
  return [...issues].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || b.count - a.count || a.code.localeCompare(b.code));
}

function IssueUrls({ crawlId, issue }: { crawlId: string; issue: IssueSummary }) {
  const { t, lang } = useI18n();
  const urls = useAsync((signal) => api.issueUrls(crawlId, issue.code, lang, null, signal), [crawlId, issue.code]);
  const [more, setMore] = useState(false);
  const next = () => {
    const cursor = urls.data?.next_cursor;
    if (!cursor) return;
    setMore(true);
    api
      .issueUrls(crawlId, issue.code, lang, cursor)
      .then((page: Paginated<IssueUrl>) => urls.setData((old) => old && { items: [...old.items, ...page.items], next_cursor: page.next_cursor }))
      .finally(() => setMore(false));
  };
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
      {urls.error ? (
        <ErrorState error={urls.error} onRetry={urls.reload} />
      ) : !urls.data ? (
        <Loading />
      ) : urls.data.items.length === 0 ? (
        <Empty />
      ) : (
        <>
          <ul className="url-list">
            {urls.data.items.map((u) => (
              <li key={`${u.page_id}-${u.url}`}>
                <Link to={`/crawls/${crawlId}/pages/${u.page_id}`} data-testid="issue-url">
                  {u.url}
                </Link>
                {u.status_code ? <> <HttpStatus code={u.status_code} /></> : null}
                {u.details && Object.keys(u.details).length > 0 && <span className="muted break"> {detailsText(u.details)}</span>}
              </li>
            ))}
          </ul>
          {urls.data.next_cursor && (
            <button type="button" onClick={next} disabled={more}>
              {t("state.loadMore")}
            </button>
          )}
        </>
      )}
    </section>
  );
}

export function IssuesView() {
  const { crawlId = "" } = useParams();
  const { t, locale, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const summary = useAsync((signal) => api.issueSummary(crawlId, lang, signal), [crawlId, lang]);
  useDocumentTitle(t("issues.title"));
  const code = params.get("code");

  if (summary.error)
    return (
      <>
        <CrawlTabs crawlId={crawlId} />
        <ErrorState error={summary.error} onRetry={summary.reload} />
      </>
    );
  if (!summary.data) return <Loading />;
  const severity = params.get("severity");
  const all = sortIssues(summary.data);
  const issues = all.filter((i) => !severity || i.severity === severity);
  const selected = all.find((i) => i.code === code);
  const setParam = (key: string, value: string | null) =>
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  return (
    <div className="issues-view">
      <CrawlTabs crawlId={crawlId} />
      <h1>{t("issues.title")}</h1>
      {all.length > 0 && (
        <div className="presets" role="group" aria-label={t("issues.severity")}>
          {([null, "error", "warning", "notice"] as const).map((s) => (
            <button key={s ?? "all"} type="button" className={severity === s || (!severity && !s) ? "chip active" : "chip"} aria-pressed={severity === s || (!severity && !s)} onClick={() => setParam("severity", s)}>
              {s ? t(`severity.${s}`) : t("issues.all")} ({formatNumber(all.filter((i) => !s || i.severity === s).reduce((n, i) => n + i.count, 0), locale)})
            </button>
          ))}
        </div>
      )}
      {all.length === 0 ? (
        <Empty>{t("issues.empty")}</Empty>
      ) : (
        <div className="split">
          <div className="table-wrap">
            <table className="data issues-table">
              <thead>
                <tr>
                  <th scope="col">{t("issues.severity")}</th>
                  <th scope="col">{t("issues.code")}</th>
                  <th scope="col" className="num">
                    {t("issues.count")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {issues.map((issue) => (
                  <tr key={issue.code} className={issue.code === code ? "selected" : ""} data-testid="issue-row" data-code={issue.code}>
                    <td>
                      <SeverityBadge severity={issue.severity} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        aria-pressed={issue.code === code}
                        onClick={() => setParam("code", issue.code === code ? null : issue.code)}
                      >
                        {issue.title || issue.code}
                      </button>
                    </td>
                    <td className="num">{formatNumber(issue.count, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {selected ? <IssueUrls crawlId={crawlId} issue={selected} /> : <p className="muted">{t("issues.pickOne")}</p>}
        </div>
      )}
    </div>
  );
}
