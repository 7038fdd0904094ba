/** Status and severity badges; colour is never the only signal (the word is always there). */
import type { CrawlStatus, Severity } from "../../api/types";
import { useT } from "../../i18n";

export function StatusBadge({ status }: { status: CrawlStatus }) {
  const t = useT();
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const t = useT();
  return <span className={`badge severity-${severity}`}>{t(`severity.${severity}`)}</span>;
}

export function HttpStatus({ code }: { code: number | null | undefined }) {
  if (code === null || code === undefined) return <span className="http http-none">—</span>;
  return <span className={`http http-${Math.floor(code / 100)}xx`}>{code}</span>;
}
