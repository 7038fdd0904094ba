/**
 * /schedules: create recurring crawls, list, delete. As the user types a cron expression the api
 * says whether it is valid and when it would fire (GET /api/schedules/preview, the scheduler's
 * own reading); cronstrue puts it in words.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, ApiError } from "../../api/client";
import { keys } from "../../api/queries";
import type { Schedule } from "../../api/types";
import { DataTable, type Column } from "../../components/ui/DataTable";
import { describeError, Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDebouncedValue } from "../../hooks/useDebouncedValue";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n, type Translate } from "../../i18n";
import { formatDate } from "../../lib/format";
import { describeCron } from "./describeCron";
import { describeFireTime, localTimeZone, timeZones } from "./fireTime";

/** How long typing must pause before the api is asked about the expression. */
const PREVIEW_DEBOUNCE_MS = 300;

const PRESETS = [
  { key: "schedules.preset.daily", cron: "0 3 * * *" },
  { key: "schedules.preset.weekly", cron: "0 3 * * 1" },
  { key: "schedules.preset.hourly", cron: "0 * * * *" },
  { key: "schedules.preset.monthly", cron: "0 3 1 * *" },
] as const;

type Errors = Partial<Record<"url" | "cron" | "timezone" | "max_pages" | "form", string>>;

/** The api's reading of what the user typed: the next runs, or which field is wrong; and the expression in words. */
export function CronHelp({ cron, timezone }: { cron: string; timezone: string }) {
  const { t, lang, locale } = useI18n();
  const settled = {
    cron: useDebouncedValue(cron.trim(), PREVIEW_DEBOUNCE_MS),
    timezone: useDebouncedValue(timezone.trim(), PREVIEW_DEBOUNCE_MS),
  };
  const preview = useQuery({
    queryKey: keys.schedulePreview(settled.cron, settled.timezone),
    queryFn: ({ signal }) => api.schedulePreview(settled.cron, settled.timezone, signal),
    enabled: settled.cron !== "" && settled.timezone !== "",
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  if (preview.isError) {
    const fields = preview.error instanceof ApiError ? preview.error.byField() : {};
    const message = fields.timezone && !fields.cron ? t("schedules.invalidTimezone") : fields.cron ? t("schedules.invalidCron") : describeError(preview.error, t);
    return (
      <p className="field-error" id="cron-help" role="status" data-testid="cron-error">
        {message}
      </p>
    );
  }
  const words = describeCron(settled.cron, lang);
  return (
    <div className="cron-help" id="cron-help" aria-live="polite">
      {words && (
        <p className="cron-words" data-testid="cron-words">
          {words}
        </p>
      )}
      {preview.data && (
        <>
          <p className="muted">{t("schedules.nextRuns")}:</p>
          <ul className="plain" data-testid="cron-next">
            {preview.data.next_fire_times.map((ts) => (
              <li key={ts}>{describeFireTime(Date.parse(ts), preview.data.timezone, locale)}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function ScheduleForm({ onCreated }: { onCreated: (s: Schedule) => void }) {
  const { t } = useI18n();
  const zones = useMemo(timeZones, []);
  const [url, setUrl] = useState("");
  const [cron, setCron] = useState("0 3 * * *");
  const [timezone, setTimezone] = useState(localTimeZone);
  const [maxPages, setMaxPages] = useState("10000");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Errors = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) local.url = url.trim() ? t("form.badUrl") : t("form.required");
    if (!cron.trim()) local.cron = t("form.required");
    if (!/^\d+$/.test(maxPages) || Number(maxPages) < 1 || Number(maxPages) > 1_000_000) local.max_pages = t("form.badNumber", { min: 1, max: 1_000_000 });
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const created = await api.createSchedule({ url: url.trim(), cron: cron.trim(), timezone, settings: { max_pages: Number(maxPages) } });
      setUrl("");
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        const next: Errors = {};
        for (const [field, message] of Object.entries(err.byField())) {
          const head = field.split(".")[0];
          const key = head === "settings" ? (field.includes("max_pages") ? "max_pages" : "form") : head;
          if (key === "url" || key === "cron" || key === "timezone" || key === "max_pages") next[key] ??= message;
          else next.form ??= message;
        }
        if (!Object.keys(next).length) next.form = err.detail;
        setErrors(next);
      } else setErrors({ form: describeError(err, t) });
    } finally {
      setBusy(false);
    }
  };

  const err = (key: keyof Errors) =>
    errors[key] ? (
      <p className="field-error" id={`sched-${key}-error`}>
        {errors[key]}
      </p>
    ) : null;

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-schedule-title">
      <h2 id="new-schedule-title">{t("schedules.new")}</h2>
      <div className={`field${errors.url ? " has-error" : ""}`}>
        <label htmlFor="sched-url">{t("schedules.url")}</label>
        <input id="sched-url" type="url" value={url} placeholder="https://example.com/" onChange={(e) => setUrl(e.target.value)} aria-invalid={errors.url ? true : undefined} />
        {err("url")}
      </div>
      <div className="grid-2">
        <div className={`field${errors.cron ? " has-error" : ""}`}>
          <label htmlFor="sched-cron">{t("schedules.cron")}</label>
          <input id="sched-cron" value={cron} onChange={(e) => setCron(e.target.value)} aria-describedby="cron-help" spellCheck={false} className="mono" />
          {err("cron")}
        </div>
        <div className={`field${errors.timezone ? " has-error" : ""}`}>
          <label htmlFor="sched-tz">{t("schedules.timezone")}</label>
          <input id="sched-tz" list="sched-tz-list" value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          <datalist id="sched-tz-list">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          {err("timezone")}
        </div>
      </div>
      <div className="presets" role="group" aria-label={t("schedules.presets")}>
        {PRESETS.map((p) => (
          <button key={p.cron} type="button" className={cron === p.cron ? "chip active" : "chip"} onClick={() => setCron(p.cron)} aria-pressed={cron === p.cron}>
            {t(p.key)}
          </button>
        ))}
      </div>
      <CronHelp cron={cron} timezone={timezone} />
      <div className={`field${errors.max_pages ? " has-error" : ""}`}>
        <label htmlFor="sched-max">{t("schedules.maxPages")}</label>
        <input id="sched-max" type="number" min={1} value={maxPages} onChange={(e) => setMaxPages(e.target.value)} />
        {err("max_pages")}
      </div>
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {t("schedules.create")}
      </button>
    </form>
  );
}

const schedulesQuery = () => ({ queryKey: keys.schedules(), queryFn: ({ signal }: { signal: AbortSignal }) => api.listSchedules(signal) });

function scheduleColumns(t: Translate, locale: string, remove: (s: Schedule) => void): Column<Schedule>[] {
  return [
    { id: "url", header: t("schedules.url"), width: 200, grow: 2, sortable: true, sortValue: (s) => s.url, cell: (s) => <span className="break">{s.url}</span> },
    { id: "cron", header: t("schedules.cron"), width: 110, grow: 0, cell: (s) => <code>{s.cron}</code> },
    { id: "timezone", header: t("schedules.timezone"), width: 140, grow: 0, sortable: true, sortValue: (s) => s.timezone, cell: (s) => s.timezone },
    {
      id: "next",
      header: t("schedules.next"),
      width: 220,
      grow: 1,
      sortable: true,
      sortValue: (s) => s.next_fire_times[0] ?? null,
      cell: (s) => <span className="nowrap">{s.next_fire_times[0] ? describeFireTime(Date.parse(s.next_fire_times[0]), s.timezone, locale) : t("page.none")}</span>,
    },
    {
      id: "last",
      header: t("schedules.last"),
      width: 170,
      grow: 0,
      cell: (s) => (s.last_crawl_id ? <Link to={`/crawls/${s.last_crawl_id}`}>{formatDate(s.last_fire_at, locale)}</Link> : t("page.none")),
    },
    {
      id: "actions",
      header: t("crawls.actions"),
      width: 110,
      grow: 0,
      cell: (s) => (
        <button type="button" className="danger" onClick={() => remove(s)}>
          {t("action.delete")}
        </button>
      ),
    },
  ];
}

export function SchedulesView() {
  const { t, locale } = useI18n();
  useDocumentTitle(t("schedules.title"));
  const client = useQueryClient();
  const list = useQuery(schedulesQuery());
  const removal = useMutation({
    mutationFn: (s: Schedule) => api.deleteSchedule(s.id),
    onSuccess: (_answer, s) => client.setQueryData<Schedule[]>(keys.schedules(), (old) => old?.filter((x) => x.id !== s.id)),
  });
  const remove = (s: Schedule) => {
    if (window.confirm(t("schedules.deleteConfirm", { url: s.url }))) removal.mutate(s);
  };

  return (
    <div className="schedules-view">
      <h1>{t("schedules.title")}</h1>
      <ScheduleForm onCreated={(s) => client.setQueryData<Schedule[]>(keys.schedules(), (old) => [s, ...(old ?? [])])} />
      {removal.error && (
        <p className="form-error" role="alert">
          {describeError(removal.error, t)}
        </p>
      )}
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <Empty>{t("schedules.empty")}</Empty>
      ) : (
        <DataTable
          label={t("schedules.title")}
          columns={scheduleColumns(t, locale, remove)}
          rows={list.data}
          rowKey={(s) => s.id}
          rowProps={() => ({ "data-testid": "schedule-row" })}
          cards
        />
      )}
    </div>
  );
}
