/** /crawls/{id}/pages/{page_id}: every field, the redirect chain, links in and out, and issues. */
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import type { CatalogueEntry, LinkRef, PageDetail } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/badges";
import { asText, detailsText, fieldOf, formatDate } from "../../components/format";
import { CrawlTabs } from "../../components/Layout";
import { ErrorState, Loading } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { en as FIELD_LABELS, type MessageKey } from "../../i18n/en";
import { useDocumentTitle } from "../../components/useDocumentTitle";

/** The fields shown in order; anything else the api sends follows under its own name. */
const FIELDS = [
  "url", "final_url", "status_code", "error", "content_type", "size_bytes", "response_time_ms", "depth",
  "indexable", "indexability_reason", "title", "title_length", "meta_description", "meta_description_length",
  "h1", "h2", "canonical", "meta_robots", "x_robots_tag", "hreflang", "lang", "word_count", "content_hash",
  "inlinks_count", "outlinks_count", "external_links_count", "images_count", "images_missing_alt",
  "structured_data_types", "in_sitemap", "crawled_at",
] as const;
const SHOWN_ELSEWHERE = new Set(["id", "crawl_id", "inlinks", "outlinks", "issues", "redirect_chain", "links"]);

function LinkList({ crawlId, links, empty, withStatus }: { crawlId: string; links: LinkRef[]; empty: string; withStatus: boolean }) {
  const { t } = useI18n();
  if (!links.length) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="data compact">
        <thead>
          <tr>
            <th scope="col">{t("field.url")}</th>
            <th scope="col">{t("page.anchor")}</th>
            {withStatus && <th scope="col">{t("field.status_code")}</th>}
          </tr>
        </thead>
        <tbody>
          {links.map((link, i) => (
            <tr key={`${link.url}-${i}`}>
              <td className="url-cell">
                {link.page_id ? <Link to={`/crawls/${crawlId}/pages/${link.page_id}`}>{link.url}</Link> : <span className="break">{link.url}</span>}
                {link.rel ? <span className="muted"> [{link.rel}]</span> : null}
              </td>
              <td>{link.anchor || t("page.none")}</td>
              {withStatus && (
                <td>
                  <HttpStatus code={link.status_code} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FieldValue({ page, field }: { page: PageDetail; field: string }) {
  const { t, locale } = useI18n();
  const value = fieldOf(page, field);
  if (field === "status_code") return <HttpStatus code={page.status_code} />;
  if (field === "crawled_at") return <>{formatDate(page.crawled_at, locale)}</>;
  if (typeof value === "boolean") return <>{value ? t("page.yes") : t("page.no")}</>;
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
  const { t, lang } = useI18n();
  const page = useAsync((signal) => api.getPage(crawlId, pageId, signal), [crawlId, pageId]);
  useDocumentTitle(page.data?.url);
  // Explanations and fixes come from the catalogue, in the reader's language.
  const entries = useAsync((signal) => api.catalogue(lang, signal), [lang]);
  const catalogue: Record<string, CatalogueEntry> = Object.fromEntries((entries.data ?? []).map((e) => [e.code, e]));

  if (page.error)
    return (
      <>
        <CrawlTabs crawlId={crawlId} />
        <ErrorState error={page.error} onRetry={page.reload} />
      </>
    );
  if (!page.data) return <Loading />;
  const p = page.data;
  const extra = Object.keys(p).filter((k) => !SHOWN_ELSEWHERE.has(k) && !(FIELDS as readonly string[]).includes(k));
  const label = (f: string) => (`field.${f}` in FIELD_LABELS ? t(`field.${f}` as MessageKey) : f);
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
                {issue.details && Object.keys(issue.details).length > 0 && <p className="muted break">{detailsText(issue.details)}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>

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
              <dt>{label(f)}</dt>
              <dd data-field={f}>
                <FieldValue page={p} field={f} />
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="page-inlinks">
        <h2 id="page-inlinks">{t("page.inlinks", { n: p.inlinks?.length ?? 0 })}</h2>
        <LinkList crawlId={crawlId} links={p.inlinks ?? []} empty={t("page.noLinks")} withStatus={false} />
      </section>
      <section aria-labelledby="page-outlinks">
        <h2 id="page-outlinks">{t("page.outlinks", { n: p.outlinks?.length ?? 0 })}</h2>
        <LinkList crawlId={crawlId} links={p.outlinks ?? []} empty={t("page.noLinks")} withStatus />
      </section>
    </div>
  );
}
