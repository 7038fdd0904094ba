/**
 * /sites/:siteId: one site over time. Trend charts of its completed crawls (pages, health, issues
 * by severity, response times), the last crawl's changes (what compare counts), its crawls, its
 * schedule, its alert rules (add, delete) and its retention.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ApiError } from "../../api/client";
import { keys } from "../../api/queries";
import type { AlertRule, AlertRuleInput, HistoryRow, RuleKind, Site } from "../../api/types";
import { UPlotChart } from "../../components/ui/chart/UPlotChart";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { describeError, Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n } from "../../i18n";
import { formatDate, formatNumber } from "../../lib/format";
import { trendChart, type Line } from "./charts";
import { healthTone } from "./SitesView";

const CHART_HEIGHT = 220;

function Trends({ rows }: { rows: HistoryRow[] }) {
  const { t, locale } = useI18n();
  const times = rows.map((r) => Date.parse(r.finished_at ?? r.created_at) / 1000);
  const signature = rows.map((r) => r.crawl_id).join(",");
  const charts: { title: string; lines: Line[]; range?: [number, number] }[] = [
    {
      title: t("site.chart.pages"),
      lines: [
        { label: t("site.series.crawled"), values: rows.map((r) => r.pages_crawled), tone: "accent" },
        { label: t("site.series.indexable"), values: rows.map((r) => r.indexable_pages), tone: "http-2xx" },
      ],
    },
    { title: t("site.chart.health"), lines: [{ label: t("sites.health"), values: rows.map((r) => r.health_score ?? null), tone: "http-2xx" }], range: [0, 100] },
    {
      title: t("site.chart.issues"),
      lines: (["error", "warning", "notice"] as const).map((s) => ({ label: t(`severity.${s}`), values: rows.map((r) => r.issues[s]), tone: `severity-${s}` })),
    },
    {
      title: t("site.chart.response"),
      lines: [
        { label: t("site.series.p50"), values: rows.map((r) => r.response_time_p50 ?? null), tone: "http-2xx" },
        { label: t("site.series.p95"), values: rows.map((r) => r.response_time_p95 ?? null), tone: "slow" },
      ],
    },
  ];
  return (
    <div className="trend-grid">
      {charts.map((chart) => (
        <figure className="card trend" key={chart.title} data-testid="trend-chart">
          <figcaption>{chart.title}</figcaption>
          <UPlotChart build={trendChart(times, chart.lines, CHART_HEIGHT, t("alerts.raised"), locale, chart.range)} signature={`${signature}:${locale}`} height={CHART_HEIGHT + 40} />
        </figure>
      ))}
    </div>
  );
}

function History({ rows }: { rows: HistoryRow[] }) {
  const { t, locale } = useI18n();
  const columns: Column<HistoryRow>[] = [
    {
      id: "finished",
      header: t("sites.lastCrawl"),
      cell: (r) => (r.purged ? <span title={t("site.purged")}>{formatDate(r.finished_at, locale)} *</span> : <Link to={`/crawls/${r.crawl_id}`}>{formatDate(r.finished_at, locale)}</Link>),
      sortValue: (r) => r.finished_at ?? "",
    },
    { id: "pages", header: t("site.chart.pages"), numeric: true, cell: (r) => formatNumber(r.pages_crawled, locale), sortValue: (r) => r.pages_crawled },
    { id: "health", header: t("sites.health"), numeric: true, cell: (r) => (r.health_score === null || r.health_score === undefined ? "—" : formatNumber(r.health_score, locale)), sortValue: (r) => r.health_score ?? -1 },
    ...(["error", "warning", "notice"] as const).map((s) => ({
      id: s,
      header: t(`severity.${s}`),
      numeric: true,
      cell: (r: HistoryRow) => formatNumber(r.issues[s], locale),
      sortValue: (r: HistoryRow) => r.issues[s],
    })),
    { id: "p95", header: t("site.series.p95"), numeric: true, cell: (r) => formatNumber(r.response_time_p95 ?? null, locale), sortValue: (r) => r.response_time_p95 ?? -1 },
  ];
  return <DataTable columns={columns} rows={[...rows].reverse()} rowKey={(r) => r.crawl_id} label={t("site.history")} testId="site-history" />;
}

function LastChanges({ site }: { site: Site }) {
  const { t } = useI18n();
  const last = site.last_completed_crawl_id;
  const previous = site.previous_completed_crawl_id;
  const comparison = useQuery({
    queryKey: keys.compare(last ?? "", previous ?? ""),
    queryFn: ({ signal }) => api.compare(last as string, previous as string, undefined, signal),
    enabled: Boolean(last && previous),
  });
  if (!last || !previous) return null;
  return (
    <section className="card" data-testid="last-changes">
      <h2>{t("site.changes")}</h2>
      {comparison.isPending ? (
        <Loading />
      ) : comparison.isError ? (
        <ErrorState error={comparison.error} />
      ) : (
        <p>
          {t("site.changesSummary", {
            added: comparison.data.pages.added ?? 0,
            removed: comparison.data.pages.removed ?? 0,
            changed: comparison.data.pages.changed ?? 0,
            new: comparison.data.issues.new ?? 0,
            fixed: comparison.data.issues.fixed ?? 0,
          })}{" "}
          <Link to={`/crawls/${last}/compare/${previous}`}>{t("site.fullComparison")}</Link>
        </p>
      )}
    </section>
  );
}

type Kind = RuleKind;
const KINDS: Kind[] = ["crawl_failed", "health_drop", "new_issues", "issue_count_up", "pages_broken", "pages_noindexed", "field_changed", "pages_removed", "robots_changed", "sitemap_changed", "watch_urls"];
const WITHOUT_VALUE: Kind[] = ["crawl_failed", "robots_changed", "watch_urls"];

const FIELDS = ["title", "canonical", "meta_description"] as const;

function paramsOf(kind: Kind, value: number, urls: string, code: string, field: string): Record<string, unknown> {
  switch (kind) {
    case "health_drop":
      return { points: value };
    case "new_issues":
      return { severity: "error", min_count: value };
    case "issue_count_up":
      return { code: code.trim(), min_percent: value };
    case "pages_broken":
    case "pages_noindexed":
    case "pages_removed":
      return { min_pages: value };
    case "field_changed":
      return { field, min_pages: value };
    case "sitemap_changed":
      return { min_percent: value };
    case "watch_urls":
      return { urls: urls.split("\n").map((u) => u.trim()).filter(Boolean) };
    default:
      return {};
  }
}

function Rules({ siteId }: { siteId: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const rules = useQuery({ queryKey: keys.siteRules(siteId), queryFn: ({ signal }) => api.listRules(siteId, signal) });
  const channels = useQuery({ queryKey: keys.channels(), queryFn: ({ signal }) => api.listChannels(signal) });
  const [kind, setKind] = useState<Kind>("pages_broken");
  const [value, setValue] = useState("1");
  const [urls, setUrls] = useState("");
  const [code, setCode] = useState("status_4xx");
  const [field, setField] = useState<string>("title");
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (input: AlertRuleInput) => api.createRule(siteId, input),
    onSuccess: (rule) => {
      client.setQueryData<AlertRule[]>(keys.siteRules(siteId), (old) => [...(old ?? []), rule]);
      setError(null);
    },
    onError: (err) => setError(err instanceof ApiError ? err.detail : describeError(err, t)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.deleteRule(id),
    onSuccess: (_, id) => client.setQueryData<AlertRule[]>(keys.siteRules(siteId), (old) => (old ?? []).filter((r) => r.id !== id)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ kind, params: paramsOf(kind, Number(value), urls, code, field), channels: chosen });
  };
  const names = new Map((channels.data ?? []).map((c) => [c.id, c.name]));
  return (
    <section className="card" aria-labelledby="rules-title">
      <h2 id="rules-title">{t("site.rules")}</h2>
      {rules.isPending ? (
        <Loading />
      ) : rules.isError ? (
        <ErrorState error={rules.error} />
      ) : rules.data.length === 0 ? (
        <Empty>{t("site.noRules")}</Empty>
      ) : (
        <ul className="plain rule-list">
          {rules.data.map((rule) => (
            <li key={rule.id} data-testid="rule-row">
              <strong>{t(`rule.${rule.kind}`)}</strong> <span className="mono">{JSON.stringify(rule.params)}</span> → {rule.channels.map((c) => names.get(c) ?? c).join(", ") || "—"}{" "}
              <button type="button" className="link-button danger" onClick={() => remove.mutate(rule.id)}>
                {t("site.deleteRule")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} className="rule-form" noValidate>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="rule-kind">{t("site.ruleKind")}</label>
            <select id="rule-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`rule.${k}`)}
                </option>
              ))}
            </select>
          </div>
          {!WITHOUT_VALUE.includes(kind) && (
            <div className="field">
              <label htmlFor="rule-value">{t("site.ruleValue")}</label>
              <input id="rule-value" type="number" min={1} value={value} onChange={(e) => setValue(e.target.value)} />
            </div>
          )}
        </div>
        {kind === "issue_count_up" && (
          <div className="field">
            <label htmlFor="rule-code">{t("site.ruleCode")}</label>
            <input id="rule-code" className="mono" value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
        )}
        {kind === "field_changed" && (
          <div className="field">
            <label htmlFor="rule-field">{t("site.ruleField")}</label>
            <select id="rule-field" value={field} onChange={(e) => setField(e.target.value)}>
              {FIELDS.map((f) => (
                <option key={f} value={f}>
                  {t(`field.${f}`)}
                </option>
              ))}
            </select>
          </div>
        )}
        {kind === "watch_urls" && (
          <div className="field">
            <label htmlFor="rule-urls">{t("rule.watch_urls")}</label>
            <textarea id="rule-urls" rows={3} value={urls} onChange={(e) => setUrls(e.target.value)} />
          </div>
        )}
        <fieldset className="field">
          <legend>{t("site.ruleChannels")}</legend>
          {(channels.data ?? []).length === 0 ? (
            <p className="muted">{t("site.noChannels")}</p>
          ) : (
            (channels.data ?? []).map((c) => (
              <label key={c.id} className="check">
                <input type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))} />
                {c.name}
              </label>
            ))
          )}
        </fieldset>
        {error && <p className="form-error">{error}</p>}
        <button type="submit" disabled={create.isPending}>
          {t("site.addRule")}
        </button>
      </form>
    </section>
  );
}

function Retention({ site }: { site: Site }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [keep, setKeep] = useState(String(site.settings.retention ?? 20));
  const save = useMutation({
    mutationFn: () => api.patchSite(site.id, { settings: { ...site.settings, retention: Number(keep) } }),
    onSuccess: (updated) => client.setQueryData(keys.site(site.id), updated),
  });
  return (
    <form
      className="card inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <div className="field">
        <label htmlFor="site-retention">{t("site.retention")}</label>
        <input id="site-retention" type="number" min={0} value={keep} onChange={(e) => setKeep(e.target.value)} />
      </div>
      <button type="submit" disabled={save.isPending}>
        {t("site.save")}
      </button>
      {save.isSuccess && <span role="status">{t("site.saved")}</span>}
      {save.isError && <span className="form-error">{describeError(save.error, t)}</span>}
    </form>
  );
}

/** Delete the site: its schedules and alert rules go, its crawls stay in the crawl list without a site. */
function DeleteSite({ site, crawls }: { site: Site; crawls: number }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => api.deleteSite(site.id),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.sites() });
      await client.invalidateQueries({ queryKey: keys.crawls() });
      navigate("/");
    },
  });
  return (
    <section className="card">
      <button
        type="button"
        className="danger"
        disabled={remove.isPending}
        onClick={() => {
          if (window.confirm(t("site.deleteConfirm", { name: site.name, n: crawls }))) remove.mutate();
        }}
      >
        {t("site.delete")}
      </button>
      {remove.isError && <p className="form-error">{describeError(remove.error, t)}</p>}
    </section>
  );
}

export function SiteView() {
  const { siteId = "" } = useParams();
  const { t, locale } = useI18n();
  const site = useQuery({ queryKey: keys.site(siteId), queryFn: ({ signal }) => api.getSite(siteId, signal) });
  const history = useQuery({ queryKey: keys.siteHistory(siteId), queryFn: ({ signal }) => api.siteHistory(siteId, signal) });
  const crawls = useQuery({ queryKey: keys.siteCrawls(siteId), queryFn: ({ signal }) => api.siteCrawls(siteId, signal) });
  const schedules = useQuery({ queryKey: keys.siteSchedules(siteId), queryFn: ({ signal }) => api.siteSchedules(siteId, signal) });
  useDocumentTitle(site.data?.name ?? t("sites.title"));
  if (site.isPending) return <Loading />;
  if (site.isError) return <ErrorState error={site.error} onRetry={() => site.refetch()} />;
  const s = site.data;
  return (
    <section>
      <p>
        <Link to="/">{t("nav.sites")}</Link>
      </p>
      <h1>{s.name}</h1>
      <p className="muted">{s.origin}</p>
      <p className={`health health-${healthTone(s.health_score)}`}>
        <span className="health-score">{s.health_score === null || s.health_score === undefined ? t("sites.noHealth") : t("sites.healthOf", { score: s.health_score })}</span>
        {s.health_change !== null && s.health_change !== undefined && <span className="health-change"> {t("sites.change", { change: s.health_change })}</span>}
      </p>
      <h2>{t("site.trends")}</h2>
      {history.isPending ? <Loading /> : history.isError ? <ErrorState error={history.error} /> : history.data.length === 0 ? <Empty>{t("site.noHistory")}</Empty> : <Trends rows={history.data} />}
      <LastChanges site={s} />
      {history.data && history.data.length > 0 && <History rows={history.data} />}
      <section className="card">
        <h2>{t("site.crawls")}</h2>
        <ul className="plain">
          {(crawls.data ?? []).map((c) => (
            <li key={c.id}>
              <Link to={`/crawls/${c.id}`}>{formatDate(c.created_at, locale)}</Link> · {t(`status.${c.status}`)} · {t("crawls.pagesOf", { done: c.pages_crawled, total: c.pages_discovered })}
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2>{t("site.schedules")}</h2>
        {(schedules.data ?? []).length === 0 ? (
          <p className="muted">
            {t("site.noSchedules")} <Link to="/schedules">{t("nav.schedules")}</Link>
          </p>
        ) : (
          <ul className="plain">
            {(schedules.data ?? []).map((sc) => (
              <li key={sc.id}>
                <span className="mono">{sc.cron}</span> ({sc.timezone}) · {t("sites.nextRun")}: {formatDate(sc.next_fire_times[0], locale)}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Rules siteId={siteId} />
      <Retention site={s} />
      <DeleteSite site={s} crawls={s.crawls_count} />
    </section>
  );
}
