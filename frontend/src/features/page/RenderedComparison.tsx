/**
 * A rendered page beside its raw HTML (crawls with render: "chromium"): the signals scripts may
 * change side by side, the links only scripts made, and what went wrong while rendering.
 * Every value is crawled text, shown as text.
 */
import type { PageDetail } from "../../api/types";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { useI18n, type Translate } from "../../i18n";
import { asText, formatBytes, formatNumber } from "../../lib/format";

export type Rendered = NonNullable<PageDetail["rendered"]>;
type FailedRequest = NonNullable<Rendered["failed_requests"]>[number];
type Signal = "title" | "meta_description" | "canonical" | "meta_robots" | "h1" | "word_count" | "outlinks_count" | "external_links_count";

const SIGNALS: { key: Signal; label: (t: Translate) => string }[] = [
  { key: "title", label: (t) => t("field.title") },
  { key: "meta_description", label: (t) => t("field.meta_description") },
  { key: "canonical", label: (t) => t("field.canonical") },
  { key: "meta_robots", label: (t) => t("field.meta_robots") },
  { key: "h1", label: (t) => t("field.h1") },
  { key: "word_count", label: (t) => t("field.word_count") },
  { key: "outlinks_count", label: (t) => t("render.internalLinks") },
  { key: "external_links_count", label: (t) => t("render.externalLinks") },
];

function shown(value: unknown, locale: string): string {
  if (typeof value === "number") return formatNumber(value, locale);
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0) || value === "") return "—";
  return asText(value);
}

function failedColumns(t: Translate): Column<FailedRequest>[] {
  return [
    { id: "url", header: t("field.url"), width: 320, grow: 3, sortable: true, sortValue: (r) => r.url, cell: (r) => <span className="break">{r.url}</span> },
    { id: "type", header: t("render.type"), width: 100, grow: 0, sortable: true, sortValue: (r) => r.resource_type ?? "", cell: (r) => r.resource_type || "—" },
    {
      id: "reason",
      header: t("render.reason"),
      width: 280,
      grow: 2,
      sortable: true,
      sortValue: (r) => r.reason,
      cell: (r) => (
        <>
          {r.robots ? <span className="badge warning">{t("render.robots")}</span> : r.blocked ? <span className="badge notice">{t("render.refused")}</span> : null}{" "}
          <span className="break">{r.reason}</span>
        </>
      ),
    },
  ];
}

interface SignalRow {
  key: Signal;
  label: string;
  raw: string;
  rendered: string;
  changed: boolean;
}

function signalColumns(t: Translate): Column<SignalRow>[] {
  return [
    {
      id: "signal",
      header: t("render.signal"),
      width: 180,
      grow: 1,
      cell: (row) => (
        <>
          {row.label}
          {row.changed && <span className="muted"> · {t("render.changed")}</span>}
        </>
      ),
    },
    { id: "raw", header: t("render.raw"), width: 280, grow: 3, cardLabel: true, cell: (row) => <span className="break">{row.raw}</span> },
    { id: "rendered", header: t("render.rendered"), width: 280, grow: 3, cardLabel: true, cell: (row) => <span className="break">{row.rendered}</span> },
  ];
}

export function RenderedComparison({ rendered }: { rendered: Rendered }) {
  const { t, locale } = useI18n();
  const failed = rendered.render_error;
  const rows: SignalRow[] = SIGNALS.map(({ key, label }) => {
    const raw = shown(rendered.raw?.[key], locale);
    const after = failed ? "—" : shown(rendered[key], locale);
    return { key, label: label(t), raw, rendered: after, changed: !failed && raw !== after };
  });
  return (
    <section aria-labelledby="page-rendered" data-testid="rendered-comparison">
      <h2 id="page-rendered">{t("render.title")}</h2>
      {failed ? (
        <p className="form-error" role="status" data-testid="render-error">
          {t("render.failed", { reason: failed })} {t("render.failedNote")}
        </p>
      ) : (
        <p className="muted">{t("render.stats", { ms: rendered.render_time_ms ?? 0, requests: rendered.requests ?? 0, bytes: formatBytes(rendered.bytes ?? 0, locale) })}</p>
      )}
      <DataTable
        className="compact comparison"
        label={t("render.title")}
        testId="render-signals"
        columns={signalColumns(t)}
        rows={rows}
        rowKey={(row) => row.key}
        rowProps={(row) => ({ className: row.changed ? "changed" : undefined, "data-signal": row.key })}
      />
      {(rendered.rendered_only_links ?? 0) > 0 && (
        <>
          <h3>{t("render.linksOnlyRendered", { n: rendered.rendered_only_links ?? 0 })}</h3>
          <ul className="plain" data-testid="rendered-only-links">
            {(rendered.rendered_only_link_urls ?? []).map((url) => (
              <li key={url} className="break">
                {url}
              </li>
            ))}
          </ul>
        </>
      )}
      {(rendered.console_errors ?? []).length > 0 && (
        <>
          <h3>{t("render.consoleErrors", { n: rendered.console_errors?.length ?? 0 })}</h3>
          <ul className="plain" data-testid="console-errors">
            {(rendered.console_errors ?? []).map((message, i) => (
              <li key={i}>
                <code className="break">{message}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {(rendered.failed_requests ?? []).length > 0 && (
        <>
          <h3>{t("render.failedRequests", { n: rendered.failed_requests?.length ?? 0 })}</h3>
          <DataTable className="compact" label={t("render.failedRequests", { n: rendered.failed_requests?.length ?? 0 })} columns={failedColumns(t)} rows={rendered.failed_requests ?? []} rowKey={(_r, index) => index} />
        </>
      )}
    </section>
  );
}
