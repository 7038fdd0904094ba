/**
 * / and /sites: the dashboard, the home page after login. One card per site: its health score and
 * the change since the crawl before, issues by severity, the last crawl, the next scheduled run and
 * a sparkline of the health over the last crawls. A site can be added by its URL.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, ApiError } from "../../api/client";
import { keys } from "../../api/queries";
import type { Site } from "../../api/types";
import { UPlotChart } from "../../components/ui/chart/UPlotChart";
import { describeError, Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n } from "../../i18n";
import { formatDate } from "../../lib/format";
import { sparkline } from "./charts";

export function healthTone(score: number | null | undefined): string {
  if (score === null || score === undefined) return "none";
  return score >= 90 ? "good" : score >= 70 ? "fair" : "poor";
}

function SiteCard({ site }: { site: Site }) {
  const { t, locale } = useI18n();
  const latest = site.latest_crawl;
  return (
    <article className="card site-card" data-testid="site-card">
      <h2>
        <Link to={`/sites/${site.id}`}>{site.name}</Link>
      </h2>
      <p className="muted">{site.origin}</p>
      {site.health_score === null || site.health_score === undefined ? (
        <p className="muted">{t("sites.noHealth")}</p>
      ) : (
        <p className={`health health-${healthTone(site.health_score)}`} data-testid="site-health">
          <span className="health-score">{t("sites.healthOf", { score: site.health_score })}</span>
          {site.health_change !== null && site.health_change !== undefined && (
            <span className={`health-change ${site.health_change < 0 ? "down" : site.health_change > 0 ? "up" : ""}`}>
              {t("sites.change", { change: site.health_change })}
            </span>
          )}
        </p>
      )}
      {site.issues && <p data-testid="site-issues">{t("sites.issues", { ...site.issues })}</p>}
      {site.health_trend.length > 0 && (
        <div aria-label={t("sites.trend")}>
          <UPlotChart build={sparkline(site.health_trend)} signature={site.health_trend.join(",")} height={36} />
        </div>
      )}
      <dl className="site-facts">
        <dt>{t("sites.lastCrawl")}</dt>
        <dd>
          {latest ? (
            <Link to={`/crawls/${latest.id}`}>
              {t(`status.${latest.status}` as "status.completed")} · {formatDate(latest.created_at, locale)}
            </Link>
          ) : (
            t("sites.never")
          )}
        </dd>
        <dt>{t("sites.nextRun")}</dt>
        <dd>{site.next_run_at ? formatDate(site.next_run_at, locale) : t("sites.noSchedule")}</dd>
      </dl>
    </article>
  );
}

function AddSite() {
  const { t } = useI18n();
  const client = useQueryClient();
  const [url, setUrl] = useState("");
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (value: string) => api.createSite({ url: value }),
    onSuccess: (site) => {
      client.setQueryData<Site[]>(keys.sites(), (old) => [...(old ?? []), site]);
      setUrl("");
      setError(null);
    },
    onError: (err) => setError(err instanceof ApiError ? (err.byField().url ?? err.detail) : describeError(err, t)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!/^https?:\/\/\S+$/i.test(url.trim())) {
      setError(url.trim() ? t("form.badUrl") : t("form.required"));
      return;
    }
    create.mutate(url.trim());
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate>
      <div className={`field${error ? " has-error" : ""}`}>
        <label htmlFor="site-url">{t("sites.add")}</label>
        <input id="site-url" type="url" value={url} placeholder="https://example.com/" onChange={(e) => setUrl(e.target.value)} />
        {error && <p className="field-error">{error}</p>}
      </div>
      <button type="submit" disabled={create.isPending}>
        {t("sites.create")}
      </button>
    </form>
  );
}

export function SitesView() {
  const { t } = useI18n();
  useDocumentTitle(t("sites.title"));
  const sites = useQuery({ queryKey: keys.sites(), queryFn: ({ signal }) => api.listSites(signal) });
  return (
    <section>
      <h1>{t("sites.title")}</h1>
      {sites.isPending ? (
        <Loading />
      ) : sites.isError ? (
        <ErrorState error={sites.error} onRetry={() => sites.refetch()} />
      ) : sites.data.length === 0 ? (
        <Empty>{t("sites.empty")}</Empty>
      ) : (
        <div className="site-grid">
          {sites.data.map((site) => (
            <SiteCard key={site.id} site={site} />
          ))}
        </div>
      )}
      <AddSite />
    </section>
  );
}
