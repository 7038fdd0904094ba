/**
 * /crawls/{id}/compare/{other_id}: what changed from the older crawl to the newer one — pages
 * added and removed, fields changed, issues new and fixed — counted first, rows on demand.
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import { catalogueQuery, keys } from "../../api/queries";
import type { CompareKind, CompareRow, Comparison } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/crawl/badges";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { en } from "../../i18n/en";
import { asText, detailsText, formatDate, formatNumber } from "../../lib/format";

/** Sections opened by themselves when they hold at most this many rows. */
const OPEN_UP_TO = 200;

const SECTIONS: { kind: CompareKind; title: MessageKey; count: (c: Comparison) => number }[] = [
  { kind: "added", title: "compare.added", count: (c) => c.pages.added ?? 0 },
  { kind: "removed", title: "compare.removed", count: (c) => c.pages.removed ?? 0 },
  { kind: "changed", title: "compare.changed", count: (c) => c.pages.changed ?? 0 },
  { kind: "issues_new", title: "compare.issuesNew", count: (c) => c.issues.new ?? 0 },
  { kind: "issues_fixed", title: "compare.issuesFixed", count: (c) => c.issues.fixed ?? 0 },
];

function fieldLabel(field: string, t: Translate): string {
  const key = `field.${field}`;
  return key in en ? t(key as MessageKey) : field;
}

/** Which crawl a row's page belongs to: removed pages and fixed issues are in the older one. */
function pageLink(row: CompareRow, kind: CompareKind, pair: Comparison): string | null {
  if (!row.page_id) return null;
  const crawl = kind === "removed" || kind === "issues_fixed" ? pair.before : pair.after;
  return `/crawls/${crawl}/pages/${row.page_id}`;
}

/** One changed field of one page: a row of the "changed" table. */
interface FieldChange {
  row: CompareRow;
  field: string;
  before: unknown;
  after: unknown;
  first: boolean;
}

const EXTRACTED = "extracted:";

/** A change of `extracted` as one change per rule whose value changed (a price, not the whole object). */
function ruleChanges(before: unknown, after: unknown): { field: string; before: unknown; after: unknown }[] {
  const was = before && typeof before === "object" && !Array.isArray(before) ? (before as Record<string, unknown>) : {};
  const now = after && typeof after === "object" && !Array.isArray(after) ? (after as Record<string, unknown>) : {};
  const names = [...new Set([...Object.keys(was), ...Object.keys(now)])];
  return names
    .filter((name) => JSON.stringify(was[name] ?? null) !== JSON.stringify(now[name] ?? null))
    .map((name) => ({ field: `${EXTRACTED}${name}`, before: was[name] ?? null, after: now[name] ?? null }));
}

function Rows({ kind, rows, pair }: { kind: CompareKind; rows: CompareRow[]; pair: Comparison }) {
  const { t, lang, locale } = useI18n();
  const catalogue = useQuery(catalogueQuery(lang));
  const titles = new Map((catalogue.data ?? []).map((e) => [e.code, e.title]));
  const url = (row: CompareRow) => {
    const to = pageLink(row, kind, pair);
    return to ? <Link to={to}>{row.url}</Link> : <span className="break">{row.url}</span>;
  };
  if (kind === "changed") {
    const changes: FieldChange[] = rows.flatMap((row) =>
      Object.entries(row.fields ?? {})
        .flatMap(([field, change]) => (field === "extracted" ? ruleChanges(change.before, change.after) : [{ field, before: change.before, after: change.after }]))
        .map((change, i) => ({ row, ...change, first: i === 0 })),
    );
    const columns: Column<FieldChange>[] = [
      { id: "url", header: t("field.url"), width: 220, grow: 2, cell: (c) => (c.first ? url(c.row) : null) },
      {
        id: "field",
        header: t("compare.field"),
        width: 140,
        grow: 0,
        cell: (c) => (c.field.startsWith(EXTRACTED) ? `${t("field.extracted")}: ${c.field.slice(EXTRACTED.length)}` : fieldLabel(c.field, t)),
      },
      { id: "before", header: t("compare.before"), width: 180, grow: 2, cell: (c) => <span className="break">{asText(c.before)}</span> },
      { id: "after", header: t("compare.after"), width: 180, grow: 2, cell: (c) => <span className="break">{asText(c.after)}</span> },
    ];
    return <DataTable className="compact" label={t("compare.changed", { n: rows.length })} columns={columns} rows={changes} rowKey={(c) => `${c.row.url}|${c.field}`} />;
  }
  return (
    <ul className="url-list">
      {rows.map((row, i) => (
        <li key={`${row.url}-${row.code ?? ""}-${i}`}>
          {row.severity && <SeverityBadge severity={row.severity} />} {row.code && <span title={row.code}>{titles.get(row.code) ?? row.code}</span>} {url(row)}{" "}
          {row.status_code !== undefined && <HttpStatus code={row.status_code} />}
          {row.details && Object.keys(row.details).length > 0 && <span className="muted break"> {detailsText(row.details, locale)}</span>}
        </li>
      ))}
    </ul>
  );
}

function Section({ kind, title, count, pair, crawlId, otherId }: { kind: CompareKind; title: string; count: number; pair: Comparison; crawlId: string; otherId: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(count > 0 && count <= OPEN_UP_TO);
  const rows = useInfiniteQuery({
    queryKey: keys.compareRows(crawlId, otherId, kind),
    queryFn: ({ pageParam, signal }) => api.compare(crawlId, otherId, { kind, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled: open && count > 0,
  });
  let body;
  if (count === 0) body = <p className="muted">{t("compare.none")}</p>;
  else if (rows.isError && !rows.data) body = <ErrorState error={rows.error} onRetry={() => void rows.refetch()} />;
  else if (!rows.data) body = <Loading />;
  else
    body = (
      <>
        <Rows kind={kind} rows={rows.data.pages.flatMap((p) => p.items ?? [])} pair={pair} />
        {rows.hasNextPage && (
          <button type="button" onClick={() => void rows.fetchNextPage({ cancelRefetch: false })} disabled={rows.isFetchingNextPage}>
            {t("state.loadMore")}
          </button>
        )}
      </>
    );
  return (
    <details className="card compare-section" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid={`compare-${kind}`}>
      <summary>
        <h2>{title}</h2>
      </summary>
      {(open || count === 0) && body}
    </details>
  );
}

export function CompareView() {
  const { crawlId = "", otherId = "" } = useParams();
  const { t, locale } = useI18n();
  useDocumentTitle(t("compare.title"));
  const data = useQuery({
    queryKey: keys.compare(crawlId, otherId),
    queryFn: async ({ signal }) => {
      const summary = await api.compare(crawlId, otherId, undefined, signal);
      const [before, after] = await Promise.all([api.getCrawl(summary.before, signal), api.getCrawl(summary.after, signal)]);
      return { summary, before, after };
    },
  });
  const back = (
    <nav className="tabs">
      <Link to={`/crawls/${crawlId}`} className="tab-back">
        ← {t("nav.overview")}
      </Link>
    </nav>
  );
  if (data.isError)
    return (
      <>
        {back}
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      </>
    );
  if (!data.data) return <Loading />;
  const { summary, before, after } = data.data;
  const changedFields = Object.entries(summary.fields).filter(([, n]) => n > 0);
  const total = SECTIONS.reduce((sum, s) => sum + s.count(summary), 0);
  return (
    <div className="compare-view">
      {back}
      <h1>{t("compare.title")}</h1>
      <p className="muted break">
        {summary.site} — {t("compare.between", { before: formatDate(before.created_at, locale), after: formatDate(after.created_at, locale) })}
      </p>
      {total === 0 && <Empty>{t("compare.none")}</Empty>}
      {changedFields.length > 0 && (
        <p data-testid="compare-fields">
          {t("compare.byField", { list: changedFields.map(([field, n]) => `${fieldLabel(field, t)}: ${formatNumber(n, locale)}`).join(" · ") })}
        </p>
      )}
      {SECTIONS.map((s) => (
        <Section key={s.kind} kind={s.kind} title={t(s.title, { n: s.count(summary) })} count={s.count(summary)} pair={summary} crawlId={crawlId} otherId={otherId} />
      ))}
    </div>
  );
}
