/** /crawls/{id}/compare/{other_id}: pages added and removed, fields changed, issues new and fixed. */
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import type { Comparison, IssueChange } from "../../api/types";
import { SeverityBadge } from "../../components/badges";
import { asText, formatDate } from "../../components/format";
import { ErrorState, Loading } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/en";

function Section({ title, count, children, testId }: { title: string; count: number; children: ReactNode; testId: string }) {
  const { t } = useI18n();
  return (
    <details className="card compare-section" open={count > 0 && count <= 200} data-testid={testId}>
      <summary>
        <h2>{title}</h2>
      </summary>
      {count === 0 ? <p className="muted">{t("compare.none")}</p> : children}
    </details>
  );
}

function IssueList({ items }: { items: IssueChange[] }) {
  return (
    <ul className="url-list">
      {items.map((i, n) => (
        <li key={`${i.code}-${i.url}-${n}`}>
          {i.severity && <SeverityBadge severity={i.severity} />} <code>{i.code}</code> <span className="break">{i.url}</span>
        </li>
      ))}
    </ul>
  );
}

const list = <T,>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

export function CompareView() {
  const { crawlId = "", otherId = "" } = useParams();
  const { t, locale } = useI18n();
  const data = useAsync(
    async (signal) => {
      const [diff, before, after] = await Promise.all([
        api.compare(crawlId, otherId, signal),
        api.getCrawl(otherId, signal),
        api.getCrawl(crawlId, signal),
      ]);
      return { diff, before, after };
    },
    [crawlId, otherId],
  );
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { before, after } = data.data;
  const diff: Comparison = data.data.diff;
  const added = list(diff.pages_added);
  const removed = list(diff.pages_removed);
  const changed = list(diff.changed);
  const issuesNew = list(diff.issues_new);
  const issuesFixed = list(diff.issues_fixed);
  const fieldLabel = (f: string) => t(`field.${f}` as MessageKey) || f;

  return (
    <div className="compare-view">
      <nav className="tabs">
        <Link to={`/crawls/${crawlId}`} className="tab-back">
          ← {t("nav.overview")}
        </Link>
      </nav>
      <h1>{t("compare.title")}</h1>
      <p className="muted break">
        {after.url} — {t("compare.between", { before: formatDate(before.created_at, locale), after: formatDate(after.created_at, locale) })}
      </p>
      <Section title={t("compare.added", { n: added.length })} count={added.length} testId="compare-added">
        <ul className="url-list">
          {added.map((p, i) => (
            <li key={i} className="break">
              {p.url}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t("compare.removed", { n: removed.length })} count={removed.length} testId="compare-removed">
        <ul className="url-list">
          {removed.map((p, i) => (
            <li key={i} className="break">
              {p.url}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t("compare.changed", { n: changed.length })} count={changed.length} testId="compare-changed">
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
              {changed.map((c, i) => (
                <tr key={i}>
                  <td className="url-cell">{c.url}</td>
                  <td>{fieldLabel(c.field)}</td>
                  <td className="break">{asText(c.before)}</td>
                  <td className="break">{asText(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title={t("compare.issuesNew", { n: issuesNew.length })} count={issuesNew.length} testId="compare-issues-new">
        <IssueList items={issuesNew} />
      </Section>
      <Section title={t("compare.issuesFixed", { n: issuesFixed.length })} count={issuesFixed.length} testId="compare-issues-fixed">
        <IssueList items={issuesFixed} />
      </Section>
    </div>
  );
}
