/** The new-crawl form's values, their checks (the same bounds as the api) and the request body. */
import type { CrawlSettings } from "../../api/types";
import type { Translate } from "../../i18n";

export interface CrawlFormValues {
  mode: "spider" | "list";
  url: string;
  urls: string;
  max_pages: string;
  max_depth: string;
  include: string;
  exclude: string;
  max_rps: string;
  concurrency: string;
  user_agent: string;
  respect_robots: boolean;
  use_sitemaps: boolean;
  /** Render every HTML page in headless Chromium as well (render: "chromium"). */
  render: boolean;
}

export const initialValues: CrawlFormValues = {
  mode: "spider",
  url: "",
  urls: "",
  max_pages: "10000",
  max_depth: "",
  include: "",
  exclude: "",
  max_rps: "5",
  concurrency: "4",
  user_agent: "",
  respect_robots: true,
  use_sitemaps: true,
  render: false,
};

export type FormErrors = Partial<Record<keyof CrawlFormValues | "form", string>>;

const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

const isHttpUrl = (value: string) => /^https?:\/\/[^\s/?#:@]+/i.test(value.trim()) && !/\s/.test(value.trim());

function intIn(value: string, min: number, max: number): boolean {
  return /^\d+$/.test(value.trim()) && Number(value) >= min && Number(value) <= max;
}

/** The checks a browser can make before asking the api; the api's 422 remains the authority. */
export function validateCrawlForm(values: CrawlFormValues, t: Translate): FormErrors {
  const errors: FormErrors = {};
  if (values.mode === "spider") {
    if (!values.url.trim()) errors.url = t("form.required");
    else if (!isHttpUrl(values.url)) errors.url = t("form.badUrl");
  } else {
    const urls = lines(values.urls);
    if (!urls.length) errors.urls = t("form.required");
    else {
      const bad = urls.find((u) => !isHttpUrl(u));
      if (bad) errors.urls = `${t("form.badUrl")} ${bad}`;
    }
  }
  if (!intIn(values.max_pages, 1, 1_000_000)) errors.max_pages = t("form.badNumber", { min: 1, max: 1_000_000 });
  if (values.max_depth.trim() && !intIn(values.max_depth, 0, 1000)) errors.max_depth = t("form.badNumber", { min: 0, max: 1000 });
  if (!intIn(values.concurrency, 1, 64)) errors.concurrency = t("form.badNumber", { min: 1, max: 64 });
  const rps = Number(values.max_rps);
  if (!values.max_rps.trim() || !(rps > 0 && rps <= 1000)) errors.max_rps = t("form.badNumber", { min: 1, max: 1000 });
  for (const key of ["include", "exclude"] as const) {
    for (const pattern of lines(values[key])) {
      try {
        new RegExp(pattern);
      } catch {
        errors[key] = t("form.badRegex", { pattern });
        break;
      }
    }
  }
  return errors;
}

/** The POST /api/crawls body; empty optional fields are left to the api's defaults. */
export function toSettings(values: CrawlFormValues): CrawlSettings {
  const body: CrawlSettings = {
    mode: values.mode,
    max_pages: Number(values.max_pages),
    max_depth: values.max_depth.trim() ? Number(values.max_depth) : null,
    include: lines(values.include),
    exclude: lines(values.exclude),
    max_rps: Number(values.max_rps),
    concurrency: Number(values.concurrency),
    respect_robots: values.respect_robots,
    use_sitemaps: values.use_sitemaps,
  };
  if (values.render) body.render = "chromium";
  if (values.mode === "list") body.urls = lines(values.urls);
  else body.url = values.url.trim();
  if (values.user_agent.trim()) body.user_agent = values.user_agent.trim();
  return body;
}

/** The api's field names ("include.0", "urls.3", "body") mapped onto the form's fields. */
export function serverErrors(byField: Record<string, string>, fallback: string): FormErrors {
  const errors: FormErrors = {};
  const known = new Set<string>(Object.keys(initialValues));
  for (const [field, raw] of Object.entries(byField)) {
    const message = raw.charAt(0).toUpperCase() + raw.slice(1);
    const head = field.split(".")[0] ?? field;
    // A whole-body error that names a field in backquotes ("... any `include` pattern") belongs beside it.
    const named = /`(\w+)`/.exec(message)?.[1];
    if (known.has(head)) errors[head as keyof CrawlFormValues] ??= message;
    else if (named && known.has(named)) errors[named as keyof CrawlFormValues] ??= message;
    else errors.form ??= message;
  }
  if (!Object.keys(errors).length) errors.form = fallback;
  return errors;
}
