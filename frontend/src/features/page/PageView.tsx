/** /crawls/{id}/pages/{page_id}: every field, raw versus rendered, the redirect chain, links in and out, and issues. */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import { PAGE_FIELDS } from "../../api/pageFields.gen";
import { catalogueQuery, keys } from "../../api/queries";
import type { CatalogueEntry, LinkRef, PageDetail } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/crawl/badges";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { en } from "../../i18n/en";
import { asText, detailsText, fieldOf, formatDate, formatNumber } from "../../lib/format";
import { RenderedComparison } from "./RenderedComparison";

/** Shown in their own sections, or internal. */
const SHOWN_ELSEWHERE = new Set(["id", "crawl_id", "inlinks", "outlinks", "issues", "redirect_chain", "links", "rendered"]);
/** The page schema's fields in the api's order (generated from the OpenAPI document). */
const FIELDS: string[] = PAGE_FIELDS.map((f) => f.name).filter((name) => !SHOWN_ELSEWHERE.has(name));

const label = (field: string, t: Translate) => (`field.${field}` in en ? t(`field.${field}` as MessageKey) : field);

function linkColumns(crawlId: string, t: Translate, withStatus: boolean): Column<LinkRef>[] {
  const columns: Column<LinkRef>[] = [
    {
      id: "url",
      header: t("field.url"),
      width: 280,
      grow: 3,
      sortable: true,
      sortValue: (link) => link.url,
      cell: (link) => (
        <>
          {link.page_id ? <Link to={`/crawls/${crawlId}/pages/${link.page_id}`}>{link.url}</Link> : <span className="break">{link.url}</span>}
          {link.rel ? <span className="muted"> [{link.rel}]</span> : null}
        </>
      ),
    },
    { id: "anchor", header: t("page.anchor"), width: 180, grow: 2, sortable: true, sortValue: (link) => link.anchor, cell: (link) => link.anchor || t("page.none") },
  ];
  if (withStatus) {
    columns.push({
      id: "status",
      header: t("field.status_code"),
      width: 90,
      grow: 0,
      sortable: true,
      numeric: true,
      sortValue: (link) => ("status_code" in link ? link.status_code : null),
      cell: (link) => <HttpStatus code={"status_code" in link ? link.status_code : null} />,
    });
  }
  return columns;
}

function LinkTable({ crawlId, links, title, withStatus }: { crawlId: string; links: LinkRef[]; title: string; withStatus: boolean }) {
  const { t } = useI18n();
  if (!links.length) return <p className="muted">{t("page.noLinks")}</p>;
  return <DataTable className="compact" label={title} columns={linkColumns(crawlId, t, withStatus)} rows={links} rowKey={(_link, index) => index} />;
}

function FieldValue({ page, field }: { page: PageDetail; field: string }) {
  const { t, locale } = useI18n();
  const value = fieldOf(page, field);
  if (field === "status_code") return <HttpStatus code={page.status_code} />;
  if (field === "crawled_at") return <>{formatDate(page.crawled_at, locale)}</>;
  if (typeof value === "boolean") return <>{value ? t("page.yes") : t("page.no")}</>;
  if (typeof value === "number") return <>{formatNumber(value, locale)}</>;
  if (field === "hreflang" && Array.isArray(value)) {
    return value.length ? (
      <ul className="plain">
        {page.hreflang.map((h, i) => (
          <li key={i}>
            {h.lang}: <span className="break">{h.url}</span>
          </li>
        ))}
      </ul>
    ) : (
      <>{t("page.none")}</>
    );
  }
  if (Array.isArray(value) && value.length > 1) {
    return (
      <ul className="plain">
        {value.map((v, i) => (
          <li key={i}>{asText(v)}</li>
        ))}
      </ul>
    );
  }
  return <span className="break">{asText(value)}</span>;
}

export function PageView() {
  const { crawlId = "", pageId = "" } = useParams();
  const { t, lang, locale } = useI18n();
  const page = useQuery({ queryKey: keys.page(crawlId, pageId), queryFn: ({ signal }) => api.getPage(crawlId, pageId, signal) });
  useDocumentTitle(page.data?.url);
  // Explanations and fixes come from the catalogue, in the reader's language.
  const entries = useQuery(catalogueQuery(lang));
  const catalogue: Record<string, CatalogueEntry> = Object.fromEntries((entries.data ?? []).map((e) => [e.code, e]));

  if (page.isError)
    return (
      <>
        <CrawlTabs crawlId={crawlId} />
        <ErrorState error={page.error} onRetry={() => void page.refetch()} />
      </>
    );
  if (!page.data) return <Loading />;
  const p = page.data;
  const extra = Object.keys(p).filter((k) => !SHOWN_ELSEWHERE.has(k) && !FIELDS.includes(k));
  const issues = p.issues ?? [];

  return (
    <div className="page-view">
      <CrawlTabs crawlId={crawlId} />
      <header className="view-head">
        <p className="muted">{t("page.title")}</p>
        <h1 className="break" data-testid="page-url">
          {p.url}
        </h1>
        <p className="page-title-text" data-testid="page-title">
          {p.title ?? t("page.none")}
        </p>
      </header>

      <section aria-labelledby="page-issues">
        <h2 id="page-issues">{t("page.issues")}</h2>
        {issues.length === 0 ? (
          <p className="muted">{t("page.noIssues")}</p>
        ) : (
          <ul className="issue-cards">
            {issues.map((issue) => (
              <li key={issue.code} className="card issue-card" data-testid="page-issue">
                <div className="issue-head">
                  <SeverityBadge severity={issue.severity} />
                  <Link to={`/crawls/${crawlId}/issues?code=${encodeURIComponent(issue.code)}`}>{catalogue[issue.code]?.title || issue.title || issue.code}</Link>
                  <code className="muted">{issue.code}</code>
                </div>
                {catalogue[issue.code]?.explanation && <p>{catalogue[issue.code]?.explanation}</p>}
                {catalogue[issue.code]?.fix && (
                  <p data-testid="page-issue-fix">
                    <strong>{t("page.howToFix")}: </strong>
                    {catalogue[issue.code]?.fix}
                  </p>
                )}
                {issue.details && Object.keys(issue.details).length > 0 && <p className="muted break">{detailsText(issue.details, locale)}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>

      {p.rendered && <RenderedComparison rendered={p.rendered} />}

      <section aria-labelledby="page-redirects">
        <h2 id="page-redirects">{t("page.redirects")}</h2>
        {p.redirect_chain?.length ? (
          <ol className="redirects" data-testid="redirect-chain">
            {p.redirect_chain.map((hop, i) => (
              <li key={i}>
                <HttpStatus code={hop.status_code} /> <span className="break">{hop.url}</span>
              </li>
            ))}
            {/* The chain ends with the final URL's own answer, unless it stopped (a loop, too many hops):
                then final_url names where it pointed, unfetched. */}
            {p.final_url && p.redirect_chain[p.redirect_chain.length - 1]?.url !== p.final_url && (
              <li>
                <HttpStatus code={null} /> <span className="break">{p.final_url}</span>
              </li>
            )}
          </ol>
        ) : (
          <p className="muted">{t("page.noRedirects")}</p>
        )}
      </section>

      <section aria-labelledby="page-fields">
        <h2 id="page-fields">{t("page.fields")}</h2>
        <dl className="fields">
          {[...FIELDS, ...extra].map((f) => (
            <div key={f} className="field-row">
              <dt>{label(f, t)}</dt>
              <dd data-field={f}>
                <FieldValue page={p} field={f} />
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="page-inlinks">
        <h2 id="page-inlinks">{t("page.inlinks", { n: p.inlinks?.length ?? 0 })}</h2>
        <LinkTable crawlId={crawlId} links={p.inlinks ?? []} title={t("page.inlinks", { n: p.inlinks?.length ?? 0 })} withStatus={false} />
      </section>
      <section aria-labelledby="page-outlinks">
        <h2 id="page-outlinks">{t("page.outlinks", { n: p.outlinks?.length ?? 0 })}</h2>
        <LinkTable crawlId={crawlId} links={p.outlinks ?? []} title={t("page.outlinks", { n: p.outlinks?.length ?? 0 })} withStatus />
      </section>
    </div>
  );
}
