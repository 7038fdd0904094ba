/**
 * /alerts: what fired, newest first, optionally for one site: the title in the reader's language,
 * why (the evidence: URLs with before and after, capped, and the link to the full comparison) and
 * each delivery's status, attempts and last error.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { keys } from "../../api/queries";
import type { Alert } from "../../api/types";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n } from "../../i18n";
import { asText, formatDate } from "../../lib/format";

interface EvidenceItem {
  url?: string;
  field?: string;
  code?: string;
  before?: unknown;
  after?: unknown;
}

function Evidence({ alert }: { alert: Alert }) {
  const { t } = useI18n();
  const items = (alert.evidence.items as EvidenceItem[] | undefined) ?? [];
  const diff = typeof alert.evidence.diff === "string" ? alert.evidence.diff : null;
  const link = typeof alert.evidence.link === "string" ? alert.evidence.link : null;
  return (
    <details className="evidence">
      <summary>{t("alerts.evidence")}</summary>
      {items.length > 0 && (
        <ul className="plain">
          {items.map((item, i) => (
            <li key={i}>
              <span className="mono">{asText(item.url)}</span>
              {item.field && <> [{item.field}]</>}
              {item.code && <> {item.code}</>}
              {("before" in item || "after" in item) && (
                <>
                  : {asText(item.before) || "—"} → {asText(item.after) || "—"}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {diff && <pre className="diff">{diff}</pre>}
      {link && <Link to={link}>{t("site.fullComparison")}</Link>}
    </details>
  );
}

export function AlertsView() {
  const { t, lang, locale } = useI18n();
  useDocumentTitle(t("alerts.title"));
  const [params, setParams] = useSearchParams();
  const siteId = params.get("site") || null;
  const sites = useQuery({ queryKey: keys.sites(), queryFn: ({ signal }) => api.listSites(signal) });
  const alerts = useQuery({ queryKey: keys.alerts(siteId, lang), queryFn: ({ signal }) => api.listAlerts(siteId, lang, signal) });
  return (
    <section>
      <h1>{t("alerts.title")}</h1>
      <div className="field inline-field">
        <label htmlFor="alerts-site">{t("alerts.site")}</label>
        <select id="alerts-site" value={siteId ?? ""} onChange={(e) => setParams(e.target.value ? { site: e.target.value } : {})}>
          <option value="">{t("alerts.allSites")}</option>
          {(sites.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      {alerts.isPending ? (
        <Loading />
      ) : alerts.isError ? (
        <ErrorState error={alerts.error} onRetry={() => alerts.refetch()} />
      ) : alerts.data.length === 0 ? (
        <Empty>{t("alerts.empty")}</Empty>
      ) : (
        <ul className="plain alert-list">
          {alerts.data.map((alert) => (
            <li key={alert.id} className="card alert" data-testid="alert-row">
              <p className="muted">
                {formatDate(alert.raised_at, locale)} ·{" "}
                {/* A deleted site has no page (and no name) any more; its alerts stay in the history. */}
                {alert.site_name ? <Link to={`/sites/${alert.site_id}`}>{alert.site_name}</Link> : <span className="muted">{t("alerts.deletedSite")}</span>}
              </p>
              <h2 className="alert-title">{alert.title}</h2>
              <Evidence alert={alert} />
              <ul className="plain deliveries" aria-label={t("alerts.deliveries")}>
                {alert.deliveries.map((d) => (
                  <li key={d.id} className={`delivery delivery-${d.status}`} data-testid="delivery">
                    <strong>{d.channel_name ?? d.channel_type ?? "—"}</strong>: {t(`delivery.${d.status}`)} ({t("alerts.attempts", { n: d.attempts })})
                    {d.last_error && d.status !== "delivered" && <span className="field-error"> {d.last_error}</span>}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
