/**
 * Issue evidence as people read it: a table of the findings of one code (the issues view), and
 * one finding's evidence on its page (the page view). Each family's renderer (families.tsx) says
 * which columns and which one-line summary; the rows come from the api (`evidence`), the same
 * rows the exports write.
 */
import { Link } from "react-router";
import type { EvidenceFamily, EvidenceRow, EvidenceUnit, IssueUrl } from "../../api/types";
import { useI18n } from "../../i18n";
import { HttpStatus } from "../crawl/badges";
import { DataTable, type Column } from "../ui/DataTable";
import { FAMILIES, Quoted, type EvidenceContext, type EvidenceItem } from "./families";

/** Findings as table rows: one per evidence row (a finding with nothing to show is one row of its page). */
export function evidenceItems(urls: IssueUrl[]): EvidenceItem[] {
  return urls.flatMap((u) => {
    const rows: EvidenceRow[] = u.evidence?.length ? u.evidence : [{}];
    return rows.map((row, n) => ({ key: `${u.page_id}:${n}`, pageId: u.page_id, url: u.url, row, group: u.group }));
  });
}

/** The findings of one code, as a table (or, for duplicates, group by group). */
export function EvidenceTable({ crawlId, family, unit, urls, label }: { crawlId: string; family: EvidenceFamily; unit?: EvidenceUnit | null; urls: IssueUrl[]; label: string }) {
  const { t, locale } = useI18n();
  const ctx: EvidenceContext = { t, locale, unit, withTarget: urls.some((u) => u.evidence?.some((r) => r.target)) };
  const renderer = FAMILIES[family];
  if (renderer.grouped) return <EvidenceGroups crawlId={crawlId} urls={urls} />;
  const pageColumn: Column<EvidenceItem> = {
    id: "page",
    header: t("evidence.page"),
    grow: 3,
    sortable: true,
    sortValue: (i) => i.url,
    cell: (i) => (
      <Link to={`/crawls/${crawlId}/pages/${i.pageId}`} data-testid="issue-url">
        {i.url}
      </Link>
    ),
  };
  return (
    <DataTable
      className="compact evidence-table"
      label={label}
      columns={[pageColumn, ...renderer.columns(ctx)]}
      rows={evidenceItems(urls)}
      rowKey={(i) => i.key}
      rowProps={() => ({ "data-testid": "evidence-row", "data-family": family })}
      cards
      testId="evidence-table"
    />
  );
}

/** Duplicates: each group once, its shared value and the pages that share it. */
function EvidenceGroups({ crawlId, urls }: { crawlId: string; urls: IssueUrl[] }) {
  const { t } = useI18n();
  const groups: { key: string; row: EvidenceRow; pages: IssueUrl[] }[] = [];
  for (const u of urls) {
    const key = u.group ?? `page-${u.page_id}`;
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.pages.push(u);
    else groups.push({ key, row: u.evidence?.[0] ?? {}, pages: [u] });
  }
  return (
    <ul className="evidence-groups" data-testid="evidence-groups">
      {groups.map((g) => (
        <li key={g.key} className="card evidence-group" data-testid="evidence-group">
          <div className="group-head">
            {g.row.value ? <Quoted value={g.row.value} /> : <span className="muted">{t("evidence.sameContent")}</span>}{" "}
            <span className="muted">{t("evidence.sharedBy", { n: Math.max(g.row.group_size ?? 0, g.pages.length) })}</span>
          </div>
          <ul className="url-list">
            {g.pages.map((u) => (
              <li key={u.page_id}>
                <Link to={`/crawls/${crawlId}/pages/${u.page_id}`} data-testid="issue-url">
                  {u.url}
                </Link>{" "}
                <HttpStatus code={u.status_code ?? null} />
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

/** One finding's evidence on its page: a one-line summary, and the rows in full when there are several. */
export function EvidenceSummary({ family, unit, rows }: { family: EvidenceFamily; unit?: EvidenceUnit | null; rows: EvidenceRow[] }) {
  const { t, locale } = useI18n();
  return <>{FAMILIES[family].summary(rows, { t, locale, unit })}</>;
}

export function EvidenceDetail({ family, unit, rows, label }: { family: EvidenceFamily; unit?: EvidenceUnit | null; rows: EvidenceRow[]; label: string }) {
  const { t, locale } = useI18n();
  if (!rows.length) return null;
  const columns = FAMILIES[family].columns({ t, locale, unit, withTarget: rows.some((r) => r.target) });
  const items = rows.map((row, n) => ({ key: String(n), pageId: 0, url: "", row }));
  return (
    <DataTable className="compact evidence-table" label={label} columns={columns} rows={items} rowKey={(i) => i.key} testId="evidence-detail" />
  );
}
