/**
 * One renderer per evidence family (the api's `EvidenceSpec.family`): how a finding's evidence
 * rows read as table columns in the issues view and as one line in a page's issue list. The record
 * is typed by the schema's family list, so a family the api adds fails `tsc` until it has a renderer;
 * `evidence.test.tsx` checks every family and every catalogue code of the OpenAPI snapshot.
 * Crawled values (URLs, anchors, titles) are hostile: rendered as text only.
 */
import type { ReactNode } from "react";
import type { EvidenceFamily, EvidenceRow, EvidenceUnit } from "../../api/types";
import type { Translate } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { HttpStatus } from "../crawl/badges";
import type { Column } from "../ui/DataTable";

/** One row of evidence with the page it was found on. */
export interface EvidenceItem {
  key: string;
  pageId: number;
  url: string;
  row: EvidenceRow;
  group?: string | null;
}

export interface EvidenceContext {
  t: Translate;
  locale: string;
  unit?: EvidenceUnit | null;
  /** Some rows name a URL (the large images of a page): the family shows it in its own column. */
  withTarget?: boolean;
}

export interface FamilyRenderer {
  /** The evidence columns of the issues view's table (after the page the finding is on). */
  columns: (ctx: EvidenceContext) => Column<EvidenceItem>[];
  /** The finding in one line, for a page's compact issue list (null: the page is the evidence). */
  summary: (rows: EvidenceRow[], ctx: EvidenceContext) => ReactNode;
  /** Findings are read group by group (duplicates): the issues view lists each group once. */
  grouped?: boolean;
}

const text = (value: unknown): string => (value === null || value === undefined || value === "" ? "—" : String(value));

/** A URL (or any crawled text) that may be long: wraps, never runs code. */
export function Url({ value }: { value: unknown }) {
  return <span className="break">{text(value)}</span>;
}

export function Quoted({ value }: { value: unknown }) {
  return value === null || value === undefined || value === "" ? <span className="muted">—</span> : <q className="break">{String(value)}</q>;
}

export function measureText(value: number | null | undefined, unit: EvidenceUnit | null | undefined, ctx: EvidenceContext): string {
  if (value === null || value === undefined) return "—";
  switch (unit) {
    case "ms":
      return ctx.t("evidence.unit.ms", { n: Math.round(value) });
    case "bytes":
      return ctx.t("evidence.unit.bytes", { n: Math.round(value / 1024) });
    case "words":
      return ctx.t("evidence.unit.words", { n: value });
    case "levels":
      return ctx.t("evidence.unit.levels", { n: value });
    default:
      return formatNumber(value, ctx.locale);
  }
}

function reasonText(reason: string | null | undefined, ctx: EvidenceContext): string {
  if (!reason) return "";
  switch (reason) {
    case "missing_return":
    case "target_not_200":
    case "invalid_code":
    case "noindex":
    case "missing_href":
    case "relative_url":
    case "duplicate_language":
      return ctx.t(`evidence.reason.${reason}`);
  }
  return reason; // the rule's own words (an error message)
}

const col = (id: string, header: string, cell: (item: EvidenceItem) => ReactNode, extra: Partial<Column<EvidenceItem>> = {}): Column<EvidenceItem> => ({
  id,
  header,
  cell,
  ...extra,
});

const statusColumn = (ctx: EvidenceContext) =>
  col("status", ctx.t("evidence.status"), (i) => <HttpStatus code={i.row.status ?? null} />, {
    numeric: true,
    sortable: true,
    sortValue: (i) => i.row.status ?? null,
  });

function chain(row: EvidenceRow) {
  const hops = (row.chain ?? []) as { url?: unknown; status_code?: unknown }[];
  return (
    <ol className="chain" data-testid="evidence-chain">
      {hops.map((hop, i) => (
        <li key={i}>
          <HttpStatus code={typeof hop.status_code === "number" ? hop.status_code : null} /> <Url value={hop.url} />
        </li>
      ))}
    </ol>
  );
}

export const FAMILIES: Record<EvidenceFamily, FamilyRenderer> = {
  links: {
    columns: (ctx) => [
      col("target", ctx.t("evidence.target"), (i) => <Url value={i.row.target} />, { grow: 3, sortable: true, sortValue: (i) => i.row.target ?? null }),
      col("anchor", ctx.t("evidence.anchor"), (i) => <Quoted value={i.row.anchor} />, { grow: 2, sortable: true, sortValue: (i) => i.row.anchor ?? null }),
      statusColumn(ctx),
      col("occurrences", ctx.t("evidence.occurrences"), (i) => formatNumber(i.row.occurrences ?? 1, ctx.locale), {
        numeric: true,
        sortable: true,
        sortValue: (i) => i.row.occurrences ?? 1,
      }),
    ],
    // What the link's row has: its status when it was fetched, its target when it has one, its anchor
    // text (an empty or "#" href has only the anchor: a line of dashes would say nothing).
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      const status = first.status ?? null;
      return (
        <>
          {status !== null && (
            <>
              <HttpStatus code={status} />{" "}
            </>
          )}
          {first.target ? <Url value={first.target} /> : null}
          {first.target && first.anchor ? " " : null}
          {first.anchor || !first.target ? <Quoted value={first.anchor} /> : null}
          {rows.length > 1 && <span className="muted"> {ctx.t("evidence.more", { n: rows.length - 1 })}</span>}
        </>
      );
    },
  },
  group: {
    grouped: true,
    columns: (ctx) => [
      col("value", ctx.t("evidence.value"), (i) => <Quoted value={i.row.value} />, { grow: 3 }),
      col("group_size", ctx.t("evidence.group_size"), (i) => formatNumber(i.row.group_size ?? null, ctx.locale), { numeric: true }),
    ],
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      return (
        <>
          {first.value ? <Quoted value={first.value} /> : <Url value={first.target} />}{" "}
          <span className="muted">{ctx.t("evidence.sharedBy", { n: first.group_size ?? 2 })}</span>
        </>
      );
    },
  },
  pair: {
    columns: (ctx) => [
      col("target", ctx.t("evidence.other"), (i) => <Url value={i.row.target} />, { grow: 3, sortable: true, sortValue: (i) => i.row.target ?? null }),
      statusColumn(ctx),
      col("detail", ctx.t("evidence.reason"), (i) =>
        i.row.similarity !== null && i.row.similarity !== undefined
          ? ctx.t("evidence.similarity", { n: i.row.similarity })
          : reasonText(i.row.reason, ctx) || "—",
      ),
    ],
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      return (
        <>
          → <Url value={first.target} />{" "}
          {first.similarity !== null && first.similarity !== undefined ? (
            <span className="muted">{ctx.t("evidence.similarity", { n: first.similarity })}</span>
          ) : (
            first.status !== null && first.status !== undefined && <HttpStatus code={first.status} />
          )}
        </>
      );
    },
  },
  hreflang: {
    columns: (ctx) => [
      col("lang", ctx.t("evidence.lang"), (i) => <code>{text(i.row.lang)}</code>, { sortable: true, sortValue: (i) => i.row.lang ?? null }),
      col("target", ctx.t("evidence.alternate"), (i) => <Url value={i.row.target} />, { grow: 3 }),
      statusColumn(ctx),
      col("reason", ctx.t("evidence.reason"), (i) => reasonText(i.row.reason, ctx) || "—", { grow: 1 }),
    ],
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      return (
        <>
          <code>{text(first.lang)}</code> → <Url value={first.target} /> <span className="muted">{reasonText(first.reason, ctx)}</span>
          {rows.length > 1 && <span className="muted"> {ctx.t("evidence.more", { n: rows.length - 1 })}</span>}
        </>
      );
    },
  },
  redirect: {
    columns: (ctx) => [
      col("chain", ctx.t("evidence.chain"), (i) => chain(i.row), { grow: 4 }),
      col("hops", ctx.t("evidence.hops"), (i) => formatNumber(i.row.measure ?? null, ctx.locale), { numeric: true, sortable: true, sortValue: (i) => i.row.measure ?? null }),
    ],
    summary: (rows) => {
      const first = rows[0];
      if (!first) return null;
      const hops = (first.chain ?? []) as { status_code?: unknown }[];
      return (
        <>
          {hops.map((h) => (typeof h.status_code === "number" ? h.status_code : "…")).join(" → ")} → <Url value={first.target} />
        </>
      );
    },
  },
  length: {
    columns: (ctx) => [
      col("value", ctx.t("evidence.value"), (i) => <Quoted value={i.row.value} />, { grow: 3 }),
      col("length", ctx.t("evidence.length"), (i) => formatNumber(i.row.length ?? null, ctx.locale), {
        numeric: true,
        sortable: true,
        sortValue: (i) => i.row.length ?? null,
      }),
    ],
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      return (
        <>
          <Quoted value={first.value} /> <span className="muted">{ctx.t("evidence.characters", { n: first.length ?? 0 })}</span>
        </>
      );
    },
  },
  measure: {
    columns: (ctx) => [
      ...(ctx.withTarget ? [col("target", ctx.t("evidence.target"), (i) => <Url value={i.row.target} />, { grow: 3 })] : []),
      col("measure", ctx.t("evidence.measure"), (i) => measureText(i.row.measure, ctx.unit, ctx), {
        numeric: true,
        sortable: true,
        sortValue: (i) => i.row.measure ?? null,
      }),
    ],
    summary: (rows, ctx) =>
      rows[0] ? (
        <>
          {measureText(rows[0].measure, ctx.unit, ctx)} {rows[0].target && <Url value={rows[0].target} />}
          {rows.length > 1 && <span className="muted"> {ctx.t("evidence.more", { n: rows.length - 1 })}</span>}
        </>
      ) : null,
  },
  list: {
    columns: (ctx) => [col("value", ctx.t("evidence.values"), (i) => <Url value={i.row.value} />, { grow: 3 })],
    summary: (rows) => (rows.length ? rows.map((r) => text(r.value)).join(" · ") : null),
  },
  response: {
    columns: (ctx) => [statusColumn(ctx), col("reason", ctx.t("evidence.reason"), (i) => reasonText(i.row.reason, ctx) || "—", { grow: 3 })],
    summary: (rows, ctx) => {
      const first = rows[0];
      if (!first) return null;
      return (
        <>
          <HttpStatus code={first.status ?? null} /> {reasonText(first.reason, ctx)}
        </>
      );
    },
  },
  fact: {
    columns: (ctx) => [
      col("field", ctx.t("evidence.field"), (i) => (i.row.field ? fieldName(i.row.field, ctx.t) : "—")),
      col("value", ctx.t("evidence.value"), (i) => factValue(i.row, ctx), { grow: 3 }),
    ],
    summary: (rows, ctx) =>
      rows.length
        ? rows.map((r, n) => (
            <span key={n}>
              {n > 0 && " · "}
              {r.field ? `${fieldName(r.field, ctx.t)}: ` : ""}
              {factValue(r, ctx)}
            </span>
          ))
        : null,
  },
};

function fieldName(field: string, t: Translate): string {
  switch (field) {
    case "meta_robots":
    case "x_robots_tag":
    case "in_sitemap":
    case "url":
      return t(`field.${field}`);
    case "site_wide":
      return t("evidence.siteWide");
    default:
      return field;
  }
}

function factValue(row: EvidenceRow, ctx: EvidenceContext): ReactNode {
  if (typeof row.value === "boolean") return row.value ? ctx.t("page.yes") : ctx.t("page.no");
  return <Url value={row.value} />;
}
