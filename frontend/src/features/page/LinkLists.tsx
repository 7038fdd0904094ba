/**
 * A page's links, paged on the server (a cursor per list): the pages linking to it (one row per
 * page, so the total is the page's `inlinks_count`) and the links on it, in document order, with
 * filters (internal/external, the target's status, nofollow) and a search in anchor text and URL.
 */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import { keys } from "../../api/queries";
import type { InlinksQuery, LinkingPage, OutlinksQuery, PageLink } from "../../api/types";
import { HttpStatus } from "../../components/crawl/badges";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { ErrorState, Loading } from "../../components/ui/states";
import { useDebouncedValue } from "../../hooks/useDebouncedValue";
import { useI18n, type Translate } from "../../i18n";
import { formatNumber } from "../../lib/format";

const PAGE_SIZE = 50;

type Tri = "" | "true" | "false";
const tri = (value: Tri): boolean | undefined => (value === "" ? undefined : value === "true");

function Anchor({ text }: { text: string | null | undefined }) {
  const { t } = useI18n();
  return text ? <q className="break">{text}</q> : <span className="muted">{t("page.none")}</span>;
}

function inlinkColumns(crawlId: string, t: Translate, locale: string): Column<LinkingPage>[] {
  return [
    {
      id: "url",
      header: t("page.linkingPage"),
      grow: 3,
      cell: (l) => <Link to={`/crawls/${crawlId}/pages/${l.page_id}`}>{l.url}</Link>,
    },
    { id: "anchor", header: t("page.anchor"), grow: 2, cell: (l) => <Anchor text={l.anchor} /> },
    { id: "links", header: t("page.linkCount"), numeric: true, cell: (l) => formatNumber(l.links, locale) },
    { id: "rel", header: t("page.filter.follow"), cell: (l) => (l.nofollow ? "nofollow" : t("page.filter.followed")) },
    { id: "status", header: t("field.status_code"), numeric: true, cell: (l) => <HttpStatus code={l.status_code} /> },
  ];
}

function outlinkColumns(crawlId: string, t: Translate): Column<PageLink>[] {
  return [
    {
      id: "url",
      header: t("page.target"),
      grow: 3,
      cell: (l) => (l.page_id ? <Link to={`/crawls/${crawlId}/pages/${l.page_id}`}>{l.url}</Link> : <span className="break">{l.url}</span>),
    },
    { id: "anchor", header: t("page.anchor"), grow: 2, cell: (l) => <Anchor text={l.anchor} /> },
    { id: "kind", header: t("page.kind"), cell: (l) => (l.internal ? t("page.internal") : t("page.external")) },
    { id: "rel", header: t("page.filter.follow"), cell: (l) => (l.nofollow ? "nofollow" : l.rel || t("page.filter.followed")) },
    { id: "status", header: t("field.status_code"), numeric: true, cell: (l) => (l.error && !l.status_code ? <span className="http http-none">{t("pages.statusError")}</span> : <HttpStatus code={l.status_code} />) },
  ];
}

function Search({ value, onChange, testId }: { value: string; onChange: (value: string) => void; testId: string }) {
  const { t } = useI18n();
  return <input type="search" placeholder={t("page.filter.search")} aria-label={t("page.filter.search")} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />;
}

function Select({ label, value, options, onChange, testId }: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void; testId: string }) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Inlinks({ crawlId, pageId }: { crawlId: string; pageId: string }) {
  const { t, locale } = useI18n();
  const [nofollow, setNofollow] = useState<Tri>("");
  const [search, setSearch] = useState("");
  const q = useDebouncedValue(search.trim(), 300);
  const filters: InlinksQuery = { nofollow: tri(nofollow), q: q || undefined, limit: PAGE_SIZE };
  const list = useInfiniteQuery({
    queryKey: [...keys.page(crawlId, pageId), "inlinks", filters],
    queryFn: ({ pageParam, signal }) => api.inlinks(crawlId, pageId, { ...filters, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const total = list.data?.pages[0]?.total;
  return (
    <section aria-labelledby="page-inlinks" data-testid="inlinks">
      <h2 id="page-inlinks">
        {t("page.linksTo")} {total !== undefined && <span className="muted" data-testid="inlinks-total">{t("page.inlinksCount", { n: total })}</span>}
      </h2>
      <div className="filters">
        <Search value={search} onChange={setSearch} testId="inlinks-search" />
        <Select
          label={t("page.filter.follow")}
          value={nofollow}
          onChange={(v) => setNofollow(v as Tri)}
          options={[["", t("page.filter.all")], ["false", t("page.filter.followed")], ["true", t("page.filter.nofollow")]]}
          testId="inlinks-nofollow"
        />
      </div>
      <Paged list={list} empty={t("page.noLinks")}>
        <DataTable className="compact" label={t("page.linksTo")} columns={inlinkColumns(crawlId, t, locale)} rows={rows} rowKey={(l) => l.page_id} rowProps={() => ({ "data-testid": "inlink-row" })} cards />
      </Paged>
    </section>
  );
}

export function Outlinks({ crawlId, pageId }: { crawlId: string; pageId: string }) {
  const { t } = useI18n();
  const [internal, setInternal] = useState<Tri>("");
  const [nofollow, setNofollow] = useState<Tri>("");
  const [status, setStatus] = useState("");
  const [search, setSearch] = useState("");
  const q = useDebouncedValue(search.trim(), 300);
  const filters: OutlinksQuery = {
    internal: tri(internal),
    nofollow: tri(nofollow),
    status: (status || undefined) as OutlinksQuery["status"],
    q: q || undefined,
    limit: PAGE_SIZE,
  };
  const list = useInfiniteQuery({
    queryKey: [...keys.page(crawlId, pageId), "outlinks", filters],
    queryFn: ({ pageParam, signal }) => api.outlinks(crawlId, pageId, { ...filters, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const total = list.data?.pages[0]?.total;
  return (
    <section aria-labelledby="page-outlinks" data-testid="outlinks">
      <h2 id="page-outlinks">
        {t("page.linksFrom")} {total !== undefined && <span className="muted" data-testid="outlinks-total">{t("page.outlinksCount", { n: total })}</span>}
      </h2>
      <div className="filters">
        <Search value={search} onChange={setSearch} testId="outlinks-search" />
        <Select
          label={t("page.filter.kind")}
          value={internal}
          onChange={(v) => setInternal(v as Tri)}
          options={[["", t("page.filter.all")], ["true", t("page.filter.internal")], ["false", t("page.filter.external")]]}
          testId="outlinks-internal"
        />
        <Select
          label={t("page.filter.status")}
          value={status}
          onChange={setStatus}
          options={[["", t("page.filter.all")], ["2xx", "2xx"], ["3xx", "3xx"], ["4xx", "4xx"], ["5xx", "5xx"], ["error", t("pages.statusError")], ["uncrawled", t("page.filter.uncrawled")]]}
          testId="outlinks-status"
        />
        <Select
          label={t("page.filter.follow")}
          value={nofollow}
          onChange={(v) => setNofollow(v as Tri)}
          options={[["", t("page.filter.all")], ["false", t("page.filter.followed")], ["true", t("page.filter.nofollow")]]}
          testId="outlinks-nofollow"
        />
      </div>
      <Paged list={list} empty={t("page.noLinks")}>
        <DataTable className="compact" label={t("page.linksFrom")} columns={outlinkColumns(crawlId, t)} rows={rows} rowKey={(l) => l.ordinal} rowProps={() => ({ "data-testid": "outlink-row" })} cards />
      </Paged>
    </section>
  );
}

interface PagedList {
  data?: { pages: { items: unknown[] }[] };
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: (options?: { cancelRefetch?: boolean }) => unknown;
}

function Paged({ list, empty, children }: { list: PagedList; empty: string; children: React.ReactNode }) {
  const { t } = useI18n();
  if (list.isError && !list.data) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  if (!list.data) return <Loading />;
  if (!list.data.pages.some((p) => p.items.length)) return <p className="muted">{empty}</p>;
  return (
    <>
      {children}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage({ cancelRefetch: false })} disabled={list.isFetchingNextPage} data-testid="load-more">
          {t("state.loadMore")}
        </button>
      )}
    </>
  );
}
