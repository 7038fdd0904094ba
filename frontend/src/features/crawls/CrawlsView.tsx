/** /crawls: the new-crawl form and the crawl list with live status and progress. */
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useLiveCrawlList } from "../../api/live";
import { crawlListQuery, crawlsOf, upsertCrawl } from "../../api/queries";
import type { CrawlSummary } from "../../api/types";
import { StatusBadge } from "../../components/crawl/badges";
import { CrawlActions } from "../../components/crawl/CrawlActions";
import { CompareSelect, comparableWith } from "../../components/crawl/CompareSelect";
import { ProgressBar } from "../../components/crawl/ProgressBar";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n, type Translate } from "../../i18n";
import { formatDate, formatNumber } from "../../lib/format";
import { NewCrawlForm } from "./NewCrawlForm";

/** Earlier completed crawls of the same site, to compare a completed crawl with. */
function ComparePicker({ crawl, all }: { crawl: CrawlSummary; all: CrawlSummary[] }) {
  const { t } = useI18n();
  const others = comparableWith(crawl, all);
  if (crawl.status !== "completed" || others.length === 0) return null;
  return <CompareSelect crawl={crawl} others={others} prompt={t("crawls.compareWith")} label={t("crawls.compareWith")} />;
}

function crawlColumns(t: Translate, locale: string, all: CrawlSummary[]): Column<CrawlSummary>[] {
  return [
    { id: "url", header: t("crawls.url"), width: 220, grow: 3, cell: (c) => <Link to={`/crawls/${c.id}`}>{c.url}</Link> },
    {
      id: "status",
      header: t("crawls.status"),
      width: 120,
      grow: 0,
      cell: (c) => (
        <>
          <StatusBadge status={c.status} />
          {c.status === "failed" && c.error && <p className="field-error break">{c.error}</p>}
        </>
      ),
    },
    { id: "progress", header: t("crawls.progress"), width: 220, grow: 2, cell: (c) => <ProgressBar crawl={c} /> },
    { id: "issues", header: t("crawls.issues"), width: 80, grow: 0, numeric: true, cardLabel: true, cell: (c) => formatNumber(c.issues_count, locale) },
    { id: "created", header: t("crawls.created"), width: 170, grow: 0, cardLabel: true, cell: (c) => <span className="nowrap">{formatDate(c.created_at, locale)}</span> },
    {
      id: "actions",
      header: t("crawls.actions"),
      width: 200,
      grow: 1,
      cell: (c) => (
        <>
          <CrawlActions crawl={c} />
          <ComparePicker crawl={c} all={all} />
        </>
      ),
    },
  ];
}

export function CrawlsView() {
  const { t, locale } = useI18n();
  useDocumentTitle(t("crawls.title"));
  const client = useQueryClient();
  const list = useInfiniteQuery(crawlListQuery());
  // One stream for the whole list; each event re-reads only the crawl it names.
  useLiveCrawlList();

  const items = crawlsOf(list.data);
  return (
    <div className="crawls-view">
      <h1>{t("crawls.title")}</h1>
      <NewCrawlForm onCreated={(crawl) => upsertCrawl(client, crawl)} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Empty>{t("crawls.empty")}</Empty>
      ) : (
        <DataTable
          className="crawls-table"
          label={t("crawls.title")}
          columns={crawlColumns(t, locale, items)}
          rows={items}
          rowKey={(c) => c.id}
          rowProps={(c) => ({ "data-testid": "crawl-row", "data-status": c.status })}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          onLoadMore={() => void list.fetchNextPage({ cancelRefetch: false })}
          cards
        />
      )}
    </div>
  );
}
