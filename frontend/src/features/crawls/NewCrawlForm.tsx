/** The new-crawl form: spider or list mode, JavaScript rendering, limits, include/exclude, rate and user agent. */
import { useState, type FormEvent, type ReactNode } from "react";
import { api, ApiError } from "../../api/client";
import type { Crawl } from "../../api/types";
import { describeError } from "../../components/ui/states";
import { useT } from "../../i18n";
import { AUTH_FIELDS, initialValues, serverErrors, testAuth, toSettings, validateCrawlForm, type CrawlFormValues, type FormErrors } from "./crawlForm";
import { ExtractionRules } from "./ExtractionRules";

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: ReactNode }) {
  return (
    <div className={`field${error ? " has-error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function NewCrawlForm({ onCreated }: { onCreated: (crawl: Crawl) => void }) {
  const t = useT();
  const [values, setValues] = useState<CrawlFormValues>(initialValues);
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof CrawlFormValues>(key: K, value: CrawlFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined, form: undefined }));
  };
  const setRules = (rules: CrawlFormValues["rules"]) => {
    setValues((v) => ({ ...v, rules }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith("extraction.") && k !== "form")));
  };
  const ruleErrors = Object.keys(errors).some((k) => k.startsWith("extraction."));
  const testInput = () => {
    const url = values.mode === "spider" ? values.url.trim() : values.urls.split("\n").map((u) => u.trim()).find(Boolean);
    if (!url) return null;
    const auth = testAuth(values);
    return { url, ...(values.user_agent.trim() ? { user_agent: values.user_agent.trim() } : {}), ...(auth ? { auth } : {}) };
  };
  const aria = (key: keyof CrawlFormValues) => ({
    "aria-invalid": errors[key] ? true : undefined,
    "aria-describedby": errors[key] ? `crawl-${key}-error` : undefined,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = validateCrawlForm(values, t);
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const crawl = await api.startCrawl(toSettings(values));
      setValues((v) => ({ ...initialValues, mode: v.mode }));
      onCreated(crawl);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(serverErrors(err.byField(), err.detail));
      else setErrors({ form: describeError(err, t) });
    } finally {
      setBusy(false);
    }
  };

  type TextKey = { [K in keyof CrawlFormValues]: CrawlFormValues[K] extends string ? K : never }[keyof CrawlFormValues];
  const text = (key: Exclude<TextKey, "mode">, label: string, type = "text", extra: Record<string, string> = {}) => (
    <Field id={`crawl-${key}`} label={label} error={errors[key]}>
      <input id={`crawl-${key}`} name={key} type={type} value={values[key]} onChange={(e) => set(key, e.target.value)} {...aria(key)} {...extra} />
    </Field>
  );

  return (
    <form className="card new-crawl" onSubmit={submit} noValidate aria-labelledby="new-crawl-title">
      <h2 id="new-crawl-title">{t("form.title")}</h2>
      <fieldset className="mode">
        <legend>{t("form.mode")}</legend>
        {(["spider", "list"] as const).map((mode) => (
          <label key={mode} className="radio">
            <input type="radio" name="mode" value={mode} checked={values.mode === mode} onChange={() => set("mode", mode)} />
            {t(`form.mode.${mode}`)}
          </label>
        ))}
      </fieldset>
      {values.mode === "spider" ? (
        text("url", t("form.url"), "url", { placeholder: "https://example.com/", inputMode: "url" })
      ) : (
        <Field id="crawl-urls" label={t("form.urls")} error={errors.urls}>
          <textarea id="crawl-urls" name="urls" rows={5} value={values.urls} onChange={(e) => set("urls", e.target.value)} {...aria("urls")} />
        </Field>
      )}
      <label className="check">
        <input type="checkbox" name="render" checked={values.render} onChange={(e) => set("render", e.target.checked)} />
        {t("form.render")}
      </label>
      <p className="muted hint">{t("form.renderHint")}</p>
      <details className="advanced" open={Boolean(errors.max_pages || errors.max_depth || errors.include || errors.exclude || errors.max_rps || errors.concurrency || errors.user_agent) || undefined}>
        <summary>{t("form.advanced")}</summary>
        <div className="grid-2">
          {text("max_pages", t("form.maxPages"), "number", { min: "1", max: "1000000" })}
          {text("max_depth", t("form.maxDepth"), "number", { min: "0", max: "1000" })}
          {text("max_rps", t("form.maxRps"), "number", { min: "0.1", step: "0.1" })}
          {text("concurrency", t("form.concurrency"), "number", { min: "1", max: "64" })}
        </div>
        {(["include", "exclude"] as const).map((key) => (
          <Field key={key} id={`crawl-${key}`} label={t(`form.${key}`)} error={errors[key]}>
            <textarea id={`crawl-${key}`} name={key} rows={2} value={values[key]} onChange={(e) => set(key, e.target.value)} {...aria(key)} />
          </Field>
        ))}
        {text("user_agent", t("form.userAgent"), "text", { placeholder: "SEOCrawler/1.0 (+self-hosted)" })}
        <label className="check">
          <input type="checkbox" checked={values.respect_robots} onChange={(e) => set("respect_robots", e.target.checked)} />
          {t("form.respectRobots")}
        </label>
        <label className="check">
          <input type="checkbox" checked={values.use_sitemaps} onChange={(e) => set("use_sitemaps", e.target.checked)} />
          {t("form.useSitemaps")}
        </label>
      </details>
      <details className="advanced" data-testid="extraction-details" open={ruleErrors || undefined}>
        <summary>{t("form.extraction")}</summary>
        <ExtractionRules rules={values.rules} errors={errors} onChange={setRules} testInput={testInput} />
      </details>
      <details className="advanced" data-testid="auth-section" open={AUTH_FIELDS.some((k) => errors[k]) || undefined}>
        <summary>{t("form.auth")}</summary>
        <p className="muted hint">{t("form.authHint")}</p>
        <div className="grid-2">
          {text("auth_user", t("form.authUser"), "text", { autoComplete: "off" })}
          {text("auth_password", t("form.authPassword"), "password", { autoComplete: "new-password" })}
        </div>
        <Field id="crawl-auth_headers" label={t("form.authHeaders")} error={errors.auth_headers}>
          <textarea id="crawl-auth_headers" name="auth_headers" rows={2} placeholder={t("form.authHeadersExample")} value={values.auth_headers} onChange={(e) => set("auth_headers", e.target.value)} {...aria("auth_headers")} />
        </Field>
        {text("auth_cookies", t("form.authCookies"), "text", { placeholder: "session=…; consent=yes", autoComplete: "off" })}
        <fieldset className="login">
          <legend>{t("form.login")}</legend>
          {text("login_url", t("form.loginUrl"), "url", { placeholder: "https://example.com/login", inputMode: "url" })}
          <div className="grid-2">
            {text("login_user_field", t("form.loginUserField"))}
            {text("login_user", t("form.loginUser"), "text", { autoComplete: "off" })}
            {text("login_password_field", t("form.loginPasswordField"))}
            {text("login_password", t("form.loginPassword"), "password", { autoComplete: "new-password" })}
          </div>
          {text("login_success", t("form.loginSuccess"), "text", { placeholder: t("form.loginSuccessExample") })}
        </fieldset>
      </details>
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t("form.submitting") : t("form.submit")}
      </button>
    </form>
  );
}
