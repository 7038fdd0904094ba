/**
 * /crawls/{id}/pages: a virtualised table (only visible rows are in the DOM, so 100,000 rows
 * scroll smoothly), sorted, filtered and searched on the server, read batch by batch as the user
 * scrolls; filters, sort and columns live in the URL so the view is shareable and survives a
 * reload. The columns are the page schema's fields (columns.ts).
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, type PagesRequest } from "../../api/client";
import { crawlQuery, issueSummaryQuery, keys } from "../../api/queries";
import type { Page } from "../../api/types";
import { HttpStatus } from "../../components/crawl/badges";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { ColumnChooser } from "../../components/ui/ColumnChooser";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useSearchParamsUpdate } from "../../hooks/useSearchParamsUpdate";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { asText, formatDate, formatNumber } from "../../lib/format";
import { ColumnSets } from "./ColumnSets";
import { allColumns, EXTRACTED, isExtracted, isPageSort, parseSort, visibleColumns, type PageColumn, type RuleInfo } from "./columns";

const ROW_HEIGHT = 36;
const BATCH = 500; // the api's largest page
const STATUS_FILTERS = ["2xx", "3xx", "4xx", "5xx", "error", "200", "301", "302", "404", "410", "500", "503"];

/** The filters in the address, as the api takes them. */
function filtersOf(params: URLSearchParams): PagesRequest {
  const indexable = params.get("indexable");
  const sort = params.get("sort");
  const order = params.get("order");
  return {
    q: params.get("q") || undefined,
    status_code: params.get("status_code") || undefined,
    indexable: indexable === "true" ? true : indexable === "false" ? false : undefined,
    issue: (params.get("issue") || undefined) as PagesRequest["issue"],
    extracted: params.get("extracted") || undefined,
    sort: isPageSort(sort) ? sort : undefined,
    order: order === "asc" || order === "desc" ? order : undefined,
  };
}

/** A field's value as one line of text (a table cell is one line high). */
function cellText(page: Page, column: PageColumn, t: Translate, locale: string, titles: Record<string, string>) {
  if (isExtracted(column.key)) {
    // A custom extraction rule's value: text, a count, or the list of every match.
    const found = (page.extracted ?? {})[column.key.slice(EXTRACTED.length)];
    return column.numeric && typeof found === "number" ? formatNumber(found, locale) : asText(found);
  }
  const value = page[column.key];
  if (column.key === "top_issue") return page.top_issue ? titles[page.top_issue] ?? page.top_issue : "—";
  if (column.key === "status_code") return <HttpStatus code={page.status_code} />;
  if (column.key === "redirect_chain") return page.redirect_chain.map((hop) => hop.status_code).join(" → ") || "—";
  if (column.key === "hreflang") return page.hreflang.map((h) => h.lang).join(", ") || "—";
  if (typeof value === "boolean") return value ? t("page.yes") : t("page.no");
  if (column.kind === "date-time" && typeof value === "string") return formatDate(value, locale);
  if (column.numeric && typeof value === "number") return formatNumber(value, locale);
  return asText(value);
}

const fieldLabel = (key: string, t: Translate) => (isExtracted(key) ? key.slice(EXTRACTED.length) : t(`field.${key}` as MessageKey));

export function PagesView() {
  const { crawlId = "" } = useParams();
  const { t, locale, lang } = useI18n();
  const navigate = useNavigate();
  useDocumentTitle(t("pages.title"));
  const [params, update] = useSearchParamsUpdate();
  const filters = filtersOf(params);
  const crawl = useQuery(crawlQuery(crawlId));
  const rules: RuleInfo[] = useMemo(() => (crawl.data?.settings.extraction ?? []).map((r) => ({ name: r.name, type: r.type, value: r.value })), [crawl.data]);
  const columnsAll = allColumns(rules);
  const shown = visibleColumns(params.get("cols"), rules);
  const sort = parseSort(params.get("sort"), params.get("order"));
  const issues = useQuery(issueSummaryQuery(crawlId, lang));
  const titles = useMemo(() => Object.fromEntries((issues.data ?? []).map((i) => [i.code, i.title || i.code])), [issues.data]);

  const list = useInfiniteQuery({
    queryKey: keys.pages(crawlId, filters),
    queryFn: ({ pageParam, signal }) => api.listPages(crawlId, { ...filters, cursor: pageParam, limit: BATCH }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total ?? null;

  // Debounced search: the URL (and the request) follow typing after a short pause; a change of
  // the URL from elsewhere (Back, a shared link) flows into the box instead of being overwritten.
  const urlQ = params.get("q") ?? "";
  const [search, setSearch] = useState(urlQ);
  const pushed = useRef(urlQ);
  useEffect(() => {
    if (urlQ === pushed.current) return;
    pushed.current = urlQ;
    setSearch(urlQ);
  }, [urlQ]);
  useEffect(() => {
    if (search === urlQ) return;
    const timer = setTimeout(() => {
      pushed.current = search;
      update({ q: search || null });
    }, 300);
    return () => clearTimeout(timer);
  }, [search, urlQ, update]);

  const columns: Column<Page>[] = shown.map((c) => ({
    id: c.key,
    header: fieldLabel(c.key, t),
    width: c.width,
    grow: c.grow,
    numeric: c.numeric,
    sortable: c.sortable,
    cell: (page) => cellText(page, c, t, locale, titles),
    title:
      c.key === "url" || c.key === "title" || c.key === "meta_description" || c.key === "h1"
        ? (page) => asText(page[c.key as "url" | "title" | "meta_description" | "h1"])
        : isExtracted(c.key)
          ? (page) => asText((page.extracted ?? {})[c.key.slice(EXTRACTED.length)])
          : undefined,
  }));
  const hasFilters = ["q", "status_code", "indexable", "issue", "extracted"].some((f) => params.get(f));
  const { fetchNextPage } = list;

  return (
    <div className="pages-view">
      <CrawlTabs crawlId={crawlId} />
      <h1>{t("pages.title")}</h1>
      <div className="filters" role="search">
        <input
          type="search"
          placeholder={t("pages.search")}
          aria-label={t("pages.search")}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="pages-search"
        />
        <label>
          {t("pages.statusFilter")}{" "}
          <select value={params.get("status_code") ?? ""} onChange={(e) => update({ status_code: e.target.value })} data-testid="filter-status">
            <option value="">{t("pages.any")}</option>
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === "error" ? t("pages.statusError") : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("pages.indexableFilter")}{" "}
          <select value={params.get("indexable") ?? ""} onChange={(e) => update({ indexable: e.target.value })} data-testid="filter-indexable">
            <option value="">{t("pages.any")}</option>
            <option value="true">{t("pages.indexableYes")}</option>
            <option value="false">{t("pages.indexableNo")}</option>
          </select>
        </label>
        <label>
          {t("pages.issueFilter")}{" "}
          <select value={params.get("issue") ?? ""} onChange={(e) => update({ issue: e.target.value })} data-testid="filter-issue">
            <option value="">{t("pages.any")}</option>
            {(issues.data ?? []).map((i) => (
              <option key={i.code} value={i.code}>
                {t("common.withCount", { label: i.title || i.code, n: i.count })}
              </option>
            ))}
          </select>
        </label>
        {rules.length > 0 && (
          <ExtractedFilter rules={rules} current={params.get("extracted")} onChange={(value) => update({ extracted: value })} />
        )}
        <ColumnChooser
          label={t("pages.columns")}
          options={columnsAll.map((c) => ({ id: c.key, label: fieldLabel(c.key, t), locked: c.key === "url" }))}
          visible={shown.map((c) => c.key)}
          onChange={(ids) => update({ cols: ids.join(",") })}
        />
        <ColumnSets current={shown.map((c) => c.key)} onApply={(cols) => update({ cols: cols ? cols.join(",") : null })} />
        {hasFilters && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSearch("");
              update({ q: null, status_code: null, indexable: null, issue: null, extracted: null });
            }}
          >
            {t("pages.clear")}
          </button>
        )}
        <span className="muted count" aria-live="polite" data-testid="pages-count">
          {list.data && (total !== null ? t("pages.count", { n: total }) : t("pages.countLoaded", { n: rows.length }))}
        </span>
      </div>
      {list.isError && !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>{t("pages.empty")}</Empty>
      ) : (
        <>
          <DataTable
            key={JSON.stringify(filters)}
            className="pages-table"
            label={t("pages.title")}
            columns={columns}
            rows={rows}
            rowKey={(page) => page.id}
            rowProps={() => ({ "data-testid": "page-row" })}
            sort={sort}
            onSortChange={(next) => update({ sort: next.id, order: next.desc ? "desc" : "asc" })}
            resizable
            widthsKey="pages"
            virtual={{ rowHeight: ROW_HEIGHT }}
            hasMore={list.hasNextPage}
            loadingMore={list.isFetchingNextPage}
            onLoadMore={() => void fetchNextPage({ cancelRefetch: false })}
            totalRows={total ?? rows.length}
            onRowActivate={(page) => navigate(`/crawls/${crawlId}/pages/${page.id}`)}
            testId="pages-table"
            scrollTestId="pages-scroll"
          />
          {list.isFetchNextPageError && <ErrorState error={list.error} onRetry={() => void fetchNextPage()} />}
        </>
      )}
    </div>
  );
}

/** The `extracted` filter (`<rule>:<text>`) as its rule and text; the first rule when there is none. */
function splitExtracted(value: string | null, rules: RuleInfo[]): [string, string] {
  if (!value) return [rules[0]?.name ?? "", ""];
  const at = value.indexOf(":");
  return at < 0 ? [value, ""] : [value.slice(0, at), value.slice(at + 1)];
}

/** Filter by a custom extraction rule's value: a rule and a text its value contains (empty: it found something). */
function ExtractedFilter({ rules, current, onChange }: { rules: RuleInfo[]; current: string | null; onChange: (value: string | null) => void }) {
  const { t } = useI18n();
  const [shownRule, shownText] = splitExtracted(current, rules);
  const [rule, setRule] = useState(shownRule);
  const [draft, setDraft] = useState(shownText);
  useEffect(() => {
    setRule(shownRule);
    setDraft(shownText);
  }, [shownRule, shownText]);
  return (
    <form
      className="extracted-filter"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(`${rule}:${draft.trim()}`);
      }}
    >
      <label>
        {t("pages.extractedFilter")}{" "}
        <select
          value={rule}
          onChange={(e) => {
            setRule(e.target.value);
            if (current) onChange(`${e.target.value}:${draft.trim()}`);
          }}
          data-testid="filter-extracted-rule"
        >
          {rules.map((r) => (
            <option key={r.name} value={r.name}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t("pages.extractedContains")} aria-label={t("pages.extractedContains")} maxLength={200} data-testid="filter-extracted" />
      <button type="submit" data-testid="filter-extracted-apply">
        {t("pages.extractedApply")}
      </button>
    </form>
  );
}
