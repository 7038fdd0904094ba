/**
 * /crawls/{id}/pages/{page_id}: the page's key SEO fields and its issues first (one compact line
 * each, expand for why and how to fix, with the evidence), raw versus rendered for a crawl that
 * renders, then its links (paged on the server), its redirect chain and crawl path, and every
 * field at the end.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import { PAGE_FIELDS } from "../../api/pageFields.gen";
import { catalogueQuery, keys } from "../../api/queries";
import type { CatalogueEntry, PageDetail, PageIssue } from "../../api/types";
import { HttpStatus, SeverityBadge } from "../../components/crawl/badges";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { EvidenceDetail, EvidenceSummary } from "../../components/evidence/Evidence";
import { ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { en } from "../../i18n/en";
import { asText, formatDate, formatNumber } from "../../lib/format";
import { Inlinks, Outlinks } from "./LinkLists";
import { RenderedComparison } from "./RenderedComparison";

/** Shown in their own sections, or internal. */
const SHOWN_ELSEWHERE = new Set(["id", "crawl_id", "inlinks", "outlinks", "issues", "redirect_chain", "links", "rendered"]);
/** The page schema's fields in the api's order (generated from the OpenAPI document). */
const FIELDS: string[] = PAGE_FIELDS.map((f) => f.name).filter((name) => !SHOWN_ELSEWHERE.has(name));

const label = (field: string, t: Translate) => (`field.${field}` in en ? t(`field.${field}` as MessageKey) : field);

function FieldValue({ page, field }: { page: PageDetail; field: string }) {
  const { t, locale } = useI18n();
  const value = (page as unknown as Record<string, unknown>)[field];
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

/** The fields a professional reads first, each with what qualifies it (a length, "this page"). */
function KeyFields({ page }: { page: PageDetail }) {
  const { t, locale } = useI18n();
  const text = (value: string | null | undefined, length?: number | null) =>
    value ? (
      <>
        <span className="break">{value}</span> {length !== null && length !== undefined && <span className="muted">({t("evidence.characters", { n: length })})</span>}
      </>
    ) : (
      <span className="muted">{t("page.none")}</span>
    );
  const canonical =
    page.canonical === null || page.canonical === undefined ? (
      <span className="muted">{t("page.none")}</span>
    ) : page.canonical === page.url ? (
      <span className="muted">{t("page.selfCanonical")}</span>
    ) : (
      <span className="break">{page.canonical}</span>
    );
  const rows: [string, string, React.ReactNode][] = [
    ["status_code", t("field.status_code"), <HttpStatus key="s" code={page.status_code} />],
    ["title", t("field.title"), text(page.title, page.title_length)],
    ["meta_description", t("field.meta_description"), text(page.meta_description, page.meta_description_length)],
    ["h1", t("field.h1"), page.h1.length ? page.h1.map((h, i) => <div key={i} className="break">{h}</div>) : <span className="muted">{t("page.none")}</span>],
    ["canonical", t("field.canonical"), canonical],
    ["indexable", t("field.indexable"), page.indexable ? t("page.indexable") : `${t("page.notIndexable")}${page.indexability_reason ? `: ${page.indexability_reason}` : ""}`],
    ["meta_robots", t("field.meta_robots"), [page.meta_robots, page.x_robots_tag].filter(Boolean).join(" · ") || t("page.none")],
    ["word_count", t("field.word_count"), formatNumber(page.word_count, locale)],
    ["depth", t("field.depth"), formatNumber(page.depth, locale)],
    ["inlinks_count", t("field.inlinks_count"), formatNumber(page.inlinks_count, locale)],
    ["link_score", t("field.link_score"), formatNumber(page.link_score, locale)],
    ["response_time_ms", t("field.response_time_ms"), formatNumber(page.response_time_ms, locale)],
  ];
  return (
    <section aria-labelledby="page-key" className="card key-fields">
      <h2 id="page-key" className="visually-hidden">
        {t("page.keyFields")}
      </h2>
      <dl className="fields" data-testid="key-fields">
        {rows.map(([field, name, value]) => (
          <div key={field} className="field-row">
            <dt>{name}</dt>
            <dd data-field={field}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function IssueLine({ crawlId, issue, entry }: { crawlId: string; issue: PageIssue; entry: CatalogueEntry | undefined }) {
  const { t } = useI18n();
  const title = entry?.title || issue.title || issue.code;
  return (
    <li className="issue-line" data-testid="page-issue" data-code={issue.code}>
      <details>
        <summary>
          <SeverityBadge severity={issue.severity} /> <span className="issue-title">{title}</span>{" "}
          <span className="issue-evidence muted">
            <EvidenceSummary family={issue.family} unit={issue.unit} rows={issue.evidence} />
          </span>
        </summary>
        <div className="issue-body">
          {entry?.explanation && <p>{entry.explanation}</p>}
          {entry?.fix && (
            <p data-testid="page-issue-fix">
              <strong>{t("page.howToFix")}: </strong>
              {entry.fix}
            </p>
          )}
          {issue.evidence.length > 1 && <EvidenceDetail family={issue.family} unit={issue.unit} rows={issue.evidence} label={title} />}
          <p>
            <Link to={`/crawls/${crawlId}/issues?code=${encodeURIComponent(issue.code)}`}>{t("issues.urls")}</Link> <code className="muted">{issue.code}</code>
          </p>
        </div>
      </details>
    </li>
  );
}

function CrawlPathSection({ crawlId, pageId }: { crawlId: string; pageId: string }) {
  const { t } = useI18n();
  const path = useQuery({ queryKey: [...keys.page(crawlId, pageId), "path"], queryFn: ({ signal }) => api.crawlPath(crawlId, pageId, signal) });
  return (
    <section aria-labelledby="page-path">
      <h2 id="page-path">{t("page.crawlPath")}</h2>
      <p className="muted">{t("page.crawlPathIntro")}</p>
      {path.isError ? (
        <ErrorState error={path.error} onRetry={() => void path.refetch()} />
      ) : !path.data ? (
        <Loading />
      ) : (
        <>
          {path.data.sitemap_only && <p>{t("page.sitemapOnly")}</p>}
          {!path.data.sitemap_only && !path.data.complete && <p className="muted">{t("page.pathBroken")}</p>}
          <ol className="crawl-path" data-testid="crawl-path">
            {path.data.steps.map((step, i) => (
              <li key={step.page_id}>
                <HttpStatus code={step.status_code} />{" "}
                {String(step.page_id) === pageId ? <strong className="break">{step.url}</strong> : <Link to={`/crawls/${crawlId}/pages/${step.page_id}`}>{step.url}</Link>}
                {step.anchor && i < path.data.steps.length - 1 && (
                  <span className="muted">
                    {" "}
                    → <q>{step.anchor}</q>
                  </span>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

export function PageView() {
  const { crawlId = "", pageId = "" } = useParams();
  const { t, lang } = useI18n();
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
      <header className="view-head page-head">
        <p className="muted">{t("page.title")}</p>
        <h1 className="break" data-testid="page-url">
          {p.url}
        </h1>
        <p className="page-title-text" data-testid="page-title">
          {p.title ?? t("page.none")}
        </p>
      </header>

      <div className="page-top">
        <KeyFields page={p} />
        <section aria-labelledby="page-issues" className="page-issues">
          <h2 id="page-issues">
            {t("page.issues")} <span className="muted">{t("page.issueCount", { n: issues.length })}</span>
          </h2>
          {issues.length === 0 ? (
            <p className="muted">{t("page.noIssues")}</p>
          ) : (
            <ul className="issue-lines">
              {issues.map((issue) => (
                <IssueLine key={issue.code} crawlId={crawlId} issue={issue} entry={catalogue[issue.code]} />
              ))}
            </ul>
          )}
        </section>
      </div>

      {p.rendered && <RenderedComparison rendered={p.rendered} />}

      {p.redirect_chain?.length ? (
        <section aria-labelledby="page-redirects">
          <h2 id="page-redirects">{t("page.redirects")}</h2>
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
        </section>
      ) : null}

      <Inlinks crawlId={crawlId} pageId={pageId} />
      <Outlinks crawlId={crawlId} pageId={pageId} />
      <CrawlPathSection crawlId={crawlId} pageId={pageId} />

      <details className="card all-fields">
        <summary>{t("page.fields")}</summary>
        <dl className="fields">
          {[...FIELDS, ...extra].map((f) => (
            <div key={f} className="field-row">
              <dt>{label(f, t)}</dt>
              <dd data-all-field={f}>
                <FieldValue page={p} field={f} />
              </dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}
