/**
 * The one table of the UI. Columns are data (`Column<T>`: header, cell, width, how it sorts);
 * the table draws a header of sort buttons and resize handles, and rows that are either all in
 * the page or, with `virtual`, only the visible ones (100,000 rows scroll smoothly). Sorting is
 * the caller's when it passes `sort` + `onSortChange` (the pages table sorts on the server),
 * otherwise the table sorts its rows itself by each column's `sortValue`. With `onRowActivate`
 * a row is one focusable stop: arrows, Page Up/Down, Home and End move, Enter or a click opens.
 *
 * Markup: ARIA table roles on a CSS grid, so a row can be absolutely placed (virtualised) and a
 * column can take its share of spare width, yet screen readers read a table.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type FocusEvent,
  type HTMLAttributes,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  type ReactNode,
} from "react";
import { useT } from "../../i18n";
import { Loading } from "./states";

export interface Column<T> {
  id: string;
  /** The header, already translated. */
  header: string;
  cell: (row: T) => ReactNode;
  /**
   * Width in px (default 140). A virtualised table uses it as is; any other table treats it as the
   * least width and lets a column grow to fit its content, as an HTML table would.
   */
  width?: number;
  /** The narrowest a resize may make it (default 56). */
  minWidth?: number;
  /** Share of the spare width the column takes (default 1); 0 keeps it at its width. */
  grow?: number;
  /** Right-aligned, tabular figures; sorts largest first on the first click. */
  numeric?: boolean;
  sortable?: boolean;
  /** How the table sorts rows by this column when the caller leaves sorting to it. */
  sortValue?: (row: T) => string | number | boolean | null | undefined;
  /** Full text on hover for a cell that may be cut. */
  title?: (row: T) => string | undefined;
  /** In the phone card layout, say the column's name before the value. */
  cardLabel?: boolean;
}

export interface SortState {
  id: string;
  desc: boolean;
}

/** A click on a header: a new column sorts ascending (numbers descending: the largest first), again flips it. */
export function nextSort(current: SortState | null | undefined, column: { id: string; numeric?: boolean }): SortState {
  if (!current || current.id !== column.id) return { id: column.id, desc: Boolean(column.numeric) };
  return { id: column.id, desc: !current.desc };
}

type RowAttributes = HTMLAttributes<HTMLDivElement> & { [data: `data-${string}`]: string | number | undefined };

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: T[];
  /** A stable key per row; `index` is the row's place in `rows` (before any sorting). */
  rowKey: (row: T, index: number) => string | number;
  /** The table's accessible name. */
  label: string;
  sort?: SortState | null;
  onSortChange?: (sort: SortState) => void;
  /** Columns can be resized (drag the header's edge, or focus it and press ←/→). */
  resizable?: boolean;
  /** Remember resized widths under this name (localStorage). */
  widthsKey?: string;
  onRowActivate?: (row: T) => void;
  rowProps?: (row: T) => RowAttributes;
  /** Only the visible rows are in the page; each row is `rowHeight` px high. */
  virtual?: { rowHeight: number };
  /** More rows exist: virtual tables ask for them near the end, others show a "Load more" button. */
  hasMore?: boolean;
  onLoadMore?: () => void;
  loadingMore?: boolean;
  /** How many rows there are in all (for screen readers), when more than are loaded. */
  totalRows?: number;
  /** On a phone, each row becomes a card. */
  cards?: boolean;
  className?: string;
  testId?: string;
  scrollTestId?: string;
}

const DEFAULT_WIDTH = 140;
const DEFAULT_MIN = 56;
const RESIZE_STEP = 16;
const JUMPS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 15, PageUp: -15 };
const INTERACTIVE = "a, button, input, select, textarea, summary, [role='separator']";

let measuring: CanvasRenderingContext2D | null | undefined;
/** The least width that shows a header's longest word whole, with the sort arrow and padding. */
function headerWidth(header: string, sortable: boolean): number {
  const longest = header.split(/\s+/).reduce((a, b) => (b.length > a.length ? b : a), "");
  if (measuring === undefined) {
    measuring = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
    if (measuring) measuring.font = `600 13px ${getComputedStyle(document.body).fontFamily || "system-ui, sans-serif"}`;
  }
  const text = measuring ? measuring.measureText(longest).width : longest.length * 8;
  return Math.ceil(text) + 24 + (sortable ? 16 : 0);
}

function readWidths(key: string | undefined): Record<string, number> {
  if (!key) return {};
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(`seo.widths.${key}`) ?? "{}");
    if (typeof saved !== "object" || saved === null) return {};
    return Object.fromEntries(Object.entries(saved).filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0));
  } catch {
    return {};
  }
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

/** Rows sorted by a column's value; empty values last whichever the direction; ties keep their order. */
export function sortRows<T>(rows: T[], value: (row: T) => unknown, desc: boolean): T[] {
  const empty = (v: unknown) => v === null || v === undefined || v === "";
  return rows
    .map((row, index) => ({ row, index, key: value(row) }))
    .sort((a, b) => {
      if (empty(a.key) || empty(b.key)) return Number(empty(a.key)) - Number(empty(b.key)) || a.index - b.index;
      return (desc ? -1 : 1) * compareValues(a.key, b.key) || a.index - b.index;
    })
    .map((entry) => entry.row);
}

export function DataTable<T>(props: DataTableProps<T>) {
  const { columns, rows, rowKey, label, resizable, widthsKey, onRowActivate, rowProps, virtual, hasMore, onLoadMore, loadingMore } = props;
  const t = useT();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const [ownSort, setOwnSort] = useState<SortState | null>(null);
  const [widths, setWidths] = useState<Record<string, number>>(() => readWidths(widthsKey));

  // A layout effect: stored before the new width is on screen, so a reload right after a drag keeps it.
  useLayoutEffect(() => {
    if (!widthsKey) return;
    try {
      localStorage.setItem(`seo.widths.${widthsKey}`, JSON.stringify(widths));
    } catch {
      // not remembered; the widths still hold on this screen
    }
  }, [widths, widthsKey]);

  const controlled = props.onSortChange !== undefined;
  const sort = controlled ? (props.sort ?? null) : ownSort;
  const onSort = (column: Column<T>) => {
    const next = nextSort(sort, column);
    if (controlled) props.onSortChange?.(next);
    else setOwnSort(next);
  };
  const shown = useMemo(() => {
    if (controlled || !ownSort) return rows;
    const column = columns.find((c) => c.id === ownSort.id);
    return column?.sortValue ? sortRows(rows, column.sortValue, ownSort.desc) : rows;
  }, [controlled, ownSort, rows, columns]);

  const original = useMemo(() => new Map(rows.map((row, index) => [row, index])), [rows]);
  // A column is never narrower than the longest word of its header (no "Глуби-на" split).
  const least = (c: Column<T>) => Math.max(c.width ?? DEFAULT_WIDTH, headerWidth(c.header, Boolean(c.sortable)));
  const widthOf = (c: Column<T>) => widths[c.id] ?? least(c);
  const track = (c: Column<T>) => {
    if (widths[c.id] !== undefined) return `${widths[c.id]}px`;
    // Virtual rows are separate grids: only fixed tracks line up. Other tables are one grid whose
    // rows share its columns (subgrid), so a column may size itself to its content.
    if (virtual) return c.grow === 0 ? `${least(c)}px` : `minmax(${least(c)}px, ${c.grow ?? 1}fr)`;
    return c.grow === 0 ? "auto" : `minmax(min-content, ${c.grow ?? 1}fr)`;
  };
  const template = columns.map(track).join(" ");
  const minWidth = virtual ? columns.reduce((sum, c) => sum + widthOf(c), 0) : undefined;

  const rowCount = shown.length + (virtual && hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count: virtual ? rowCount : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => virtual?.rowHeight ?? 36,
    overscan: 12,
  });
  const virtualRows = virtual ? virtualizer.getVirtualItems() : [];
  const lastIndex = virtualRows.length ? virtualRows[virtualRows.length - 1]!.index : 0;
  useEffect(() => {
    if (virtual && hasMore && !loadingMore && lastIndex >= shown.length - 40) onLoadMore?.();
  }, [virtual, hasMore, loadingMore, lastIndex, shown.length, onLoadMore]);

  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(shown.length - 1, index));
    setActive(clamped);
    if (virtual) virtualizer.scrollToIndex(clamped, { align: "auto" });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${clamped}"]`)?.focus());
  };
  const onRowKey = (event: KeyboardEvent<HTMLDivElement>, index: number) => {
    if (event.target !== event.currentTarget) return; // keys inside a cell's own controls are theirs
    const row = shown[index];
    if (event.key in JUMPS) focusRow(index + JUMPS[event.key]!);
    else if (event.key === "Home") focusRow(0);
    else if (event.key === "End") focusRow(shown.length - 1);
    else if (event.key === "Enter" && row !== undefined) onRowActivate?.(row);
    else return;
    event.preventDefault();
  };
  const onRowClick = (event: MouseEvent<HTMLDivElement>, row: T) => {
    if ((event.target as HTMLElement).closest(INTERACTIVE)) return; // a link or button in the row does its own thing
    onRowActivate?.(row);
  };

  const renderRow = (row: T, index: number, style?: CSSProperties) => {
    const extra = rowProps?.(row) ?? {};
    const className = ["dt-row", onRowActivate ? "dt-clickable" : "", extra.className ?? ""].filter(Boolean).join(" ");
    return (
      <div
        key={rowKey(row, original.get(row) ?? index)}
        role="row"
        aria-rowindex={index + 2}
        data-index={index}
        {...extra}
        className={className}
        style={virtual ? { gridTemplateColumns: template, ...style } : undefined}
        {...(onRowActivate
          ? {
              tabIndex: index === active ? 0 : -1,
              onClick: (e: MouseEvent<HTMLDivElement>) => onRowClick(e, row),
              onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => onRowKey(e, index),
              onFocus: (e: FocusEvent<HTMLDivElement>) => e.target === e.currentTarget && setActive(index),
            }
          : {})}
      >
        {columns.map((c) => (
          <div key={c.id} role="cell" className={c.numeric ? "dt-cell num" : "dt-cell"} title={c.title?.(row)} data-label={props.cards && c.cardLabel ? c.header : undefined}>
            {c.cell(row)}
          </div>
        ))}
      </div>
    );
  };

  const header = (
    <div role="rowgroup" className="dt-head" style={virtual ? { minWidth } : undefined}>
      <div role="row" aria-rowindex={1} className="dt-row dt-head-row" style={virtual ? { gridTemplateColumns: template } : undefined}>
        {columns.map((c) => {
          const sorted = sort?.id === c.id ? (sort.desc ? "descending" : "ascending") : "none";
          return (
            <div
              key={c.id}
              role="columnheader"
              aria-label={c.header}
              aria-sort={c.sortable ? sorted : undefined}
              className={c.numeric ? "dt-cell num" : "dt-cell"}
              style={virtual || widths[c.id] !== undefined ? undefined : { minWidth: least(c) }}
            >
              {c.sortable ? (
                <button type="button" className="dt-sort" onClick={() => onSort(c)} data-testid={`sort-${c.id}`}>
                  {c.header}
                  <span aria-hidden="true">{sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : ""}</span>
                  {sorted !== "none" && <span className="visually-hidden">{t(sorted === "ascending" ? "table.sortAsc" : "table.sortDesc")}</span>}
                </button>
              ) : (
                c.header
              )}
              {resizable && (
                <ResizeHandle
                  label={t("table.resize", { column: c.header })}
                  width={widthOf(c)}
                  min={c.minWidth ?? DEFAULT_MIN}
                  onResize={(w) => setWidths((old) => ({ ...old, [c.id]: w }))}
                  onReset={() =>
                    setWidths((old) => {
                      const next = { ...old };
                      delete next[c.id];
                      return next;
                    })
                  }
                />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );

  const classes = ["datatable", virtual ? "dt-virtual" : "", props.cards ? "dt-cards" : "", props.className ?? ""].filter(Boolean).join(" ");
  return (
    <div className={classes} role="table" aria-label={label} aria-rowcount={(props.totalRows ?? shown.length) + 1} data-loaded={shown.length} data-testid={props.testId}>
      <div className="dt-scroll" ref={scrollRef} data-testid={props.scrollTestId}>
        <div className="dt-grid" style={virtual ? undefined : { gridTemplateColumns: template }}>
        {header}
        {virtual ? (
          <div role="rowgroup" className="dt-body" style={{ height: virtualizer.getTotalSize(), minWidth }}>
            {virtualRows.map((v) => {
              const row = shown[v.index];
              const place = { transform: `translateY(${v.start}px)`, height: virtual.rowHeight };
              if (row === undefined) {
                return (
                  <div key="loader" className="dt-row dt-loader" style={place}>
                    <Loading />
                  </div>
                );
              }
              return renderRow(row, v.index, place);
            })}
          </div>
        ) : (
          <div role="rowgroup" className="dt-body">
            {shown.map((row, index) => renderRow(row, index))}
          </div>
        )}
        </div>
      </div>
      {!virtual && hasMore && (
        <button type="button" className="dt-more" onClick={onLoadMore} disabled={loadingMore}>
          {t("state.loadMore")}
        </button>
      )}
    </div>
  );
}

/** A column edge that can be dragged, or focused and moved with the arrow keys; a double click resets it. */
function ResizeHandle({ label, width, min, onResize, onReset }: { label: string; width: number; min: number; onResize: (w: number) => void; onReset: () => void }) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  const self = useRef<HTMLSpanElement>(null);
  // The column's drawn width (a content-sized column may be wider than its least width).
  const current = () => {
    const drawn = self.current?.parentElement?.getBoundingClientRect().width ?? 0;
    return drawn > 0 ? Math.round(drawn) : width;
  };
  const move = useCallback((e: PointerEvent<HTMLSpanElement>) => {
    if (!drag.current) return;
    onResize(Math.max(min, Math.round(drag.current.width + e.clientX - drag.current.x)));
  }, [min, onResize]);
  return (
    <span
      ref={self}
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-valuenow={width}
      aria-valuemin={min}
      aria-valuemax={2000}
      tabIndex={0}
      className="dt-resize"
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture?.(e.pointerId);
        drag.current = { x: e.clientX, width: current() };
      }}
      onPointerMove={move}
      onPointerUp={(e) => {
        drag.current = null;
        e.currentTarget.releasePointerCapture?.(e.pointerId);
      }}
      onDoubleClick={onReset}
      onKeyDown={(e) => {
        if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
        e.preventDefault();
        onResize(Math.max(min, current() + (e.key === "ArrowRight" ? RESIZE_STEP : -RESIZE_STEP)));
      }}
    />
  );
}
