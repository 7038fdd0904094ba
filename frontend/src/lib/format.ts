/** Number, date and duration formatting for the current locale. */

export function formatNumber(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A byte count in the locale's units: "950 B", "12 kB", "3.4 MB". */
export function formatBytes(value: number, locale: string): string {
  const [amount, unit] = value >= 1e6 ? [value / 1e6, "megabyte"] : value >= 1e3 ? [value / 1e3, "kilobyte"] : [value, "byte"];
  return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(amount);
}

/** "1 h 2 min", "3 min 4 s", "12 s" from two ISO times (the end defaults to now). */
export function formatDuration(startIso: string | null | undefined, endIso: string | null | undefined, locale: string): string {
  if (!startIso) return "—";
  const end = endIso ? new Date(endIso).getTime() : Date.now();
  const seconds = Math.max(0, Math.round((end - new Date(startIso).getTime()) / 1000));
  const unit = (value: number, u: "hour" | "minute" | "second") =>
    new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "short" }).format(value);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${unit(h, "hour")} ${unit(m, "minute")}`;
  if (m) return `${unit(m, "minute")} ${unit(s, "second")}`;
  return unit(s, "second");
}

/** Any field value as plain text (lists joined, objects as JSON); crawled text stays text. */
export function asText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) {
    return value.length ? value.map((v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))).join(" · ") : "—";
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** An issue's details as "key: value" pairs in plain text ("title: Hi · length: 2"), numbers in the reader's format. */
export function detailsText(details: Record<string, unknown> | null | undefined, locale: string): string {
  if (!details) return "";
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 4 });
  return Object.entries(details)
    .map(([key, value]) => `${key.replace(/_/g, " ")}: ${typeof value === "number" ? number.format(value) : asText(value)}`)
    .join(" · ");
}

/** A record's field by name (for tables whose columns are chosen at run time). */
export function fieldOf(record: object, key: string): unknown {
  return (record as Record<string, unknown>)[key];
}
