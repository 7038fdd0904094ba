/** /crawls: the new-crawl form and the crawl list with live status and progress. */
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../api/client";
import { FINAL, useCrawlListEvents } from "../../api/live";
import type { Crawl, Paginated } from "../../api/types";
import { StatusBadge } from "../../components/badges";
import { formatDate, formatNumber } from "../../components/format";
import { ProgressBar } from "../../components/ProgressBar";
import { Empty, ErrorState, Loading, describeError } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { NewCrawlForm } from "./NewCrawlForm";
import { useDocumentTitle } from "../../components/useDocumentTitle";

export function CrawlActions({ crawl, onChange }: { crawl: Crawl; onChange: (crawl: Crawl) => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const act = (action: "cancel" | "pause" | "resume") => {
    setError(null);
    api.changeCrawl(crawl.id, action).then(onChange, (err: unknown) => setError(describeError(err, t)));
  };
  return (
    <span className="actions">
      {(crawl.status === "queued" || crawl.status === "running") && (
        <button type="button" onClick={() => act("pause")}>
          {t("action.pause")}
        </button>
      )}
      {crawl.status === "paused" && (
        <button type="button" onClick={() => act("resume")}>
          {t("action.resume")}
        </button>
      )}
      {!FINAL.has(crawl.status) && (
        <button type="button" className="danger" onClick={() => act("cancel")}>
          {t("action.cancel")}
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function CrawlRow({ crawl, others, onChange }: { crawl: Crawl; others: Crawl[]; onChange: (c: Crawl) => void }) {
  const { t, locale } = useI18n();
  const navigate = useNavigate();
  const comparable = others.filter((o) => o.id !== crawl.id && o.url === crawl.url && o.status === "completed");
  return (
    <tr data-testid="crawl-row" data-status={crawl.status}>
      <td className="url-cell">
        <Link to={`/crawls/${crawl.id}`}>{crawl.url}</Link>
      </td>
      <td>
        <StatusBadge status={crawl.status} />
        {crawl.status === "failed" && crawl.error && <p className="field-error break">{crawl.error}</p>}
      </td>
      <td className="progress-cell">
        <ProgressBar crawl={crawl} />
      </td>
      <td className="num" data-label={t("crawls.issues")}>
        {formatNumber(crawl.issues_count, locale)}
      </td>
      <td className="nowrap" data-label={t("crawls.created")}>
        {formatDate(crawl.created_at, locale)}
      </td>
      <td>
        <CrawlActions crawl={crawl} onChange={onChange} />
        {crawl.status === "completed" && comparable.length > 0 && (
          <select
            aria-label={t("crawls.compareWith")}
            value=""
            onChange={(e) => e.target.value && navigate(`/crawls/${crawl.id}/compare/${e.target.value}`)}
          >
            <option value="">{t("crawls.compareWith")}</option>
            {comparable.map((o) => (
              <option key={o.id} value={o.id}>
                {formatDate(o.created_at, locale)}
              </option>
            ))}
          </select>
        )}
      </td>
    </tr>
  );
}

export function CrawlsView() {
  const { t } = useI18n();
  useDocumentTitle(t("crawls.title"));
  const list = useAsync((signal) => api.listCrawls(null, signal), []);
  const [loadingMore, setLoadingMore] = useState(false);

  const update = (next: Crawl) =>
    list.setData((old) => {
      if (!old) return old;
      if (!old.items.some((c) => c.id === next.id)) return { ...old, items: [next, ...old.items] };
      return { ...old, items: old.items.map((c) => (c.id === next.id ? next : c)) };
    });
  // One stream for the whole list; each event re-reads only the crawl it names.
  useCrawlListEvents(
    (id) => {
      api.getCrawl(id).then(update, () => undefined);
    },
    list.reload,
  );
  const added = (crawl: Crawl) => list.setData((old) => (old ? { ...old, items: [crawl, ...old.items.filter((c) => c.id !== crawl.id)] } : { items: [crawl], next_cursor: null }));
  const more = () => {
    const cursor = list.data?.next_cursor;
    if (!cursor) return;
    setLoadingMore(true);
    api
      .listCrawls(cursor)
      .then((page: Paginated<Crawl>) => list.setData((old) => old && { items: [...old.items, ...page.items], next_cursor: page.next_cursor }))
      .finally(() => setLoadingMore(false));
  };

  const items = list.data?.items ?? [];
  return (
    <div className="crawls-view">
      <h1>{t("crawls.title")}</h1>
      <NewCrawlForm onCreated={added} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <Empty>{t("crawls.empty")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data crawls-table">
            <thead>
              <tr>
                <th scope="col">{t("crawls.url")}</th>
                <th scope="col">{t("crawls.status")}</th>
                <th scope="col">{t("crawls.progress")}</th>
                <th scope="col" className="num">
                  {t("crawls.issues")}
                </th>
                <th scope="col">{t("crawls.created")}</th>
                <th scope="col">{t("crawls.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((crawl) => (
                <CrawlRow key={crawl.id} crawl={crawl} others={items} onChange={update} />
              ))}
            </tbody>
          </table>
          {list.data?.next_cursor && (
            <button type="button" onClick={more} disabled={loadingMore}>
              {t("state.loadMore")}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
