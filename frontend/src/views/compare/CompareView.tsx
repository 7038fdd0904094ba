/**
 * /crawls/{id}/compare/{other_id}: what changed from the older crawl to the newer one — pages
 * added and removed, fields changed, issues new and fixed — counted first, rows on demand.
 */
import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import type { CompareKind, CompareRow, Comparison } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/badges";
import { asText, detailsText, formatDate, formatNumber } from "../../components/format";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { en, type MessageKey } from "../../i18n/en";
import { useDocumentTitle } from "../../components/useDocumentTitle";

const SECTIONS: { kind: CompareKind; title: MessageKey; count: (c: Comparison) => number }[] = [
  { kind: "added", title: "compare.added", count: (c) => c.pages.added ?? 0 },
  { kind: "removed", title: "compare.removed", count: (c) => c.pages.removed ?? 0 },
  { kind: "changed", title: "compare.changed", count: (c) => c.pages.changed ?? 0 },
  { kind: "issues_new", title: "compare.issuesNew", count: (c) => c.issues.new ?? 0 },
  { kind: "issues_fixed", title: "compare.issuesFixed", count: (c) => c.issues.fixed ?? 0 },
];

function fieldLabel(field: string, t: (k: MessageKey) => string): string {
  const key = `field.${field}`;
  return key in en ? t(key as MessageKey) : field;
}

/** Which crawl a row's page belongs to: removed pages and fixed issues are in the older one. */
function pageLink(row: CompareRow, kind: CompareKind, pair: Comparison): string | null {
  if (!row.page_id) return null;
  const crawl = kind === "removed" || kind === "issues_fixed" ? pair.before : pair.after;
  return `/crawls/${crawl}/pages/${row.page_id}`;
}

function Rows({ kind, rows, pair }: { kind: CompareKind; rows: CompareRow[]; pair: Comparison }) {
  const { t, lang } = useI18n();
  const catalogue = useAsync((signal) => api.catalogue(lang, signal), [lang]);
  const titles = new Map((catalogue.data ?? []).map((e) => [e.code, e.title]));
  const url = (row: CompareRow) => {
    const to = pageLink(row, kind, pair);
    return to ? <Link to={to}>{row.url}</Link> : <span className="break">{row.url}</span>;
  };
  if (kind === "changed") {
    return (
      <div className="table-wrap">
        <table className="data compact">
          <thead>
            <tr>
              <th scope="col">{t("field.url")}</th>
              <th scope="col">{t("compare.field")}</th>
              <th scope="col">{t("compare.before")}</th>
              <th scope="col">{t("compare.after")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.flatMap((row) =>
              Object.entries(row.fields ?? {}).map(([field, change], i) => (
                <tr key={`${row.url}-${field}`}>
                  <td className="url-cell">{i === 0 ? url(row) : null}</td>
                  <td>{fieldLabel(field, t)}</td>
                  <td className="break">{asText(change.before)}</td>
                  <td className="break">{asText(change.after)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <ul className="url-list">
      {rows.map((row, i) => (
        <li key={`${row.url}-${row.code ?? ""}-${i}`}>
          {row.severity && <SeverityBadge severity={row.severity} />} {row.code && <span title={row.code}>{titles.get(row.code) ?? row.code}</span>} {url(row)}{" "}
          {row.status_code !== undefined && <HttpStatus code={row.status_code} />}
          {row.details && Object.keys(row.details).length > 0 && <span className="muted break"> {detailsText(row.details)}</span>}
        </li>
      ))}
    </ul>
  );
}

function Section({ kind, title, count, pair, crawlId, otherId }: { kind: CompareKind; title: string; count: number; pair: Comparison; crawlId: string; otherId: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(count > 0 && count <= 200);
  const [more, setMore] = useState<CompareRow[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const first = useAsync(
    (signal) => (open && count > 0 ? api.compare(crawlId, otherId, { kind }, signal) : Promise.resolve(null)),
    [open, crawlId, otherId, kind],
  );
  const next = cursor === undefined ? first.data?.next_cursor : cursor;
  const loadMore = () => {
    if (!next) return;
    api.compare(crawlId, otherId, { kind, cursor: next }).then((page) => {
      setMore((old) => [...old, ...(page.items ?? [])]);
      setCursor(page.next_cursor ?? null);
    });
  };
  let body: ReactNode;
  if (count === 0) body = <p className="muted">{t("compare.none")}</p>;
  else if (first.error) body = <ErrorState error={first.error} onRetry={first.reload} />;
  else if (!first.data) body = <Loading />;
  else
    body = (
      <>
        <Rows kind={kind} rows={[...(first.data.items ?? []), ...more]} pair={pair} />
        {next && (
          <button type="button" onClick={loadMore}>
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
  const data = useAsync(
    async (signal) => {
      const summary = await api.compare(crawlId, otherId, undefined, signal);
      const [before, after] = await Promise.all([api.getCrawl(summary.before, signal), api.getCrawl(summary.after, signal)]);
      return { summary, before, after };
    },
    [crawlId, otherId],
  );
  const back = (
    <nav className="tabs">
      <Link to={`/crawls/${crawlId}`} className="tab-back">
        ← {t("nav.overview")}
      </Link>
    </nav>
  );
  if (data.error)
    return (
      <>
        {back}
        <ErrorState error={data.error} onRetry={data.reload} />
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
        <Section key={s.kind} kind={s.kind} title={t(s.title, { n: formatNumber(s.count(summary), locale) })} count={s.count(summary)} pair={summary} crawlId={crawlId} otherId={otherId} />
      ))}
    </div>
  );
}
