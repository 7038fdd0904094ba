/**
 * /crawls/{id}/pages: a virtualised table (only visible rows are in the DOM, so 100,000 rows
 * scroll smoothly), sorted, filtered and searched on the server; filters, sort and columns
 * live in the URL so the view is shareable and survives a reload.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../../api/client";
import type { Page, PageQuery } from "../../api/types";
import { HttpStatus } from "../../components/badges";
import { asText, fieldOf, formatDate, formatNumber } from "../../components/format";
import { CrawlTabs } from "../../components/Layout";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { COLUMNS, nextSort, parseSort, visibleColumns, type Column } from "./columns";
import { useDocumentTitle } from "../../components/useDocumentTitle";

const ROW_HEIGHT = 36;
const BATCH = 500; // the api's largest page
const FILTERS = ["q", "status_code", "indexable", "issue", "sort", "order"] as const;

interface Loaded {
  items: Page[];
  cursor: string | null;
  total: number | null;
}

function Cell({ page, column }: { page: Page; column: Column }) {
  const { t, locale } = useI18n();
  const value = fieldOf(page, column.key);
  if (column.key === "status_code") return <HttpStatus code={page.status_code} />;
  if (typeof value === "boolean") return <>{value ? t("page.yes") : t("page.no")}</>;
  if (column.key === "crawled_at") return <>{formatDate(page.crawled_at, locale)}</>;
  if (column.numeric && typeof value === "number") return <>{formatNumber(value, locale)}</>;
  return <>{asText(value)}</>;
}

function ColumnChooser({ visible, onChange }: { visible: Column[]; onChange: (keys: string[]) => void }) {
  const { t } = useI18n();
  const keys = new Set(visible.map((c) => c.key));
  return (
    <details className="column-chooser">
      <summary>{t("pages.columns")}</summary>
      <div className="chooser-list">
        {COLUMNS.filter((c) => c.key !== "url").map((c) => (
          <label key={c.key} className="check">
            <input
              type="checkbox"
              checked={keys.has(c.key)}
              onChange={(e) => {
                const next = new Set(keys);
                if (e.target.checked) next.add(c.key);
                else next.delete(c.key);
                onChange(COLUMNS.filter((col) => next.has(col.key)).map((col) => col.key));
              }}
            />
            {t(c.label)}
          </label>
        ))}
      </div>
    </details>
  );
}

export function PagesView() {
  const { crawlId = "" } = useParams();
  const { t, locale, lang } = useI18n();
  const navigate = useNavigate();
  useDocumentTitle(t("pages.title"));
  const [params, setParams] = useSearchParams();
  const query: PageQuery = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? undefined]));
  const queryKey = FILTERS.map((f) => params.get(f) ?? "").join("\u0000");
  const columns = visibleColumns(params.get("cols"));
  const sort = parseSort(params.get("sort"), params.get("order"));

  const [search, setSearch] = useState(params.get("q") ?? "");
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [active, setActive] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const issues = useAsync((signal) => api.issueSummary(crawlId, lang, signal), [crawlId, lang]);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      setParams(
        (old) => {
          const next = new URLSearchParams(old);
          for (const [k, v] of Object.entries(changes)) {
            if (v === null || v === "") next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  // Debounced search: the URL (and the request) follow typing after a short pause; a change of
  // the URL from elsewhere (Back, a shared link) flows into the box instead of being overwritten.
  const urlQ = params.get("q") ?? "";
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

  // A new filter or sort starts over from the first batch.
  useEffect(() => {
    const controller = new AbortController();
    setLoaded(null);
    setError(null);
    setActive(0);
    scrollRef.current?.scrollTo({ top: 0 });
    api.listPages(crawlId, { ...query, limit: BATCH }, controller.signal).then(
      (page) => setLoaded({ items: page.items, cursor: page.next_cursor, total: page.total ?? null }),
      (err: unknown) => !controller.signal.aborted && setError(err),
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [crawlId, queryKey]);

  const loadMore = useCallback(() => {
    if (!loaded?.cursor || loadingMore) return;
    setLoadingMore(true);
    api
      .listPages(crawlId, { ...query, cursor: loaded.cursor, limit: BATCH })
      .then(
        (page) => setLoaded((old) => old && { items: [...old.items, ...page.items], cursor: page.next_cursor, total: page.total ?? old.total }),
        (err: unknown) => setError(err),
      )
      .finally(() => setLoadingMore(false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded, loadingMore, crawlId, queryKey]);

  const rows = loaded?.items ?? [];
  const rowCount = rows.length + (loaded?.cursor ? 1 : 0);
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.length ? virtualRows[virtualRows.length - 1]!.index : 0;
  useEffect(() => {
    if (loaded?.cursor && lastIndex >= rows.length - 40) loadMore();
  }, [lastIndex, rows.length, loaded?.cursor, loadMore]);

  const open = (page: Page) => navigate(`/crawls/${crawlId}/pages/${page.id}`);
  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    setActive(clamped);
    virtualizer.scrollToIndex(clamped, { align: "auto" });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${clamped}"]`)?.focus());
  };
  const onKey = (event: KeyboardEvent<HTMLDivElement>, index: number) => {
    const page = rows[index];
    const jumps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 15, PageUp: -15 };
    if (event.key in jumps) focusRow(index + jumps[event.key]!);
    else if (event.key === "Home") focusRow(0);
    else if (event.key === "End") focusRow(rows.length - 1);
    else if (event.key === "Enter" && page) open(page);
    else return;
    event.preventDefault();
  };

  const width = columns.reduce((sum, c) => sum + c.width, 0);
  const hasFilters = FILTERS.some((f) => f !== "sort" && f !== "order" && params.get(f));
  const template = columns.map((c) => `${c.width}px`).join(" ");

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
            {["2xx", "3xx", "4xx", "5xx", "error", "200", "301", "302", "404", "410", "500", "503"].map((s) => (
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
                {i.title || i.code} ({i.count})
              </option>
            ))}
          </select>
        </label>
        <ColumnChooser visible={columns} onChange={(keys) => update({ cols: keys.join(",") })} />
        {hasFilters && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSearch("");
              update({ q: null, status_code: null, indexable: null, issue: null });
            }}
          >
            {t("pages.clear")}
          </button>
        )}
        <span className="muted count" aria-live="polite" data-testid="pages-count">
          {loaded &&
            (loaded.total !== null
              ? t("pages.count", { n: formatNumber(loaded.total, locale) })
              : t("pages.countLoaded", { n: formatNumber(rows.length, locale) }))}
        </span>
      </div>
      {error ? (
        <ErrorState error={error} onRetry={() => update({})} />
      ) : !loaded ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>{t("pages.empty")}</Empty>
      ) : (
        <div className="vtable" role="table" aria-rowcount={loaded.total ?? rowCount} aria-label={t("pages.title")} data-loaded={rows.length}>
          <div className="vtable-scroll" ref={scrollRef} data-testid="pages-scroll">
            <div className="vtable-head" role="row" style={{ gridTemplateColumns: template, width }}>
              {columns.map((c) => {
                const sorted = sort?.key === c.key ? (sort.desc ? "descending" : "ascending") : "none";
                return (
                  <div key={c.key} role="columnheader" aria-sort={sorted} className={c.numeric ? "num" : ""}>
                    {c.sortable ? (
                      <button type="button" className="sort" onClick={() => update(nextSort(sort, c))} data-testid={`sort-${c.key}`}>
                        {t(c.label)}
                        <span aria-hidden="true">{sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : ""}</span>
                        {sorted !== "none" && <span className="visually-hidden">{t(sorted === "ascending" ? "pages.sortAsc" : "pages.sortDesc")}</span>}
                      </button>
                    ) : (
                      t(c.label)
                    )}
                  </div>
                );
              })}
            </div>
            <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), width, position: "relative" }}>
              {virtualRows.map((v) => {
                const page = rows[v.index];
                if (!page) {
                  return (
                    <div key="loader" className="vtable-row loader" style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT, width }}>
                      <Loading />
                    </div>
                  );
                }
                return (
                  <div
                    key={page.id}
                    role="row"
                    data-index={v.index}
                    data-testid="page-row"
                    aria-rowindex={v.index + 2}
                    tabIndex={v.index === active ? 0 : -1}
                    className="vtable-row"
                    style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT, gridTemplateColumns: template, width }}
                    onClick={() => open(page)}
                    onKeyDown={(e) => onKey(e, v.index)}
                    onFocus={() => setActive(v.index)}
                  >
                    {columns.map((c) => (
                      <div key={c.key} role="cell" className={c.numeric ? "num" : ""} title={c.key === "url" || c.key === "title" ? asText(page[c.key]) : undefined}>
                        <Cell page={page} column={c} />
                      </div>
                    ))}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
