/** The new-crawl form's values, their checks (the same bounds as the api) and the request body. */
import type { CrawlSettings, ExtractionRule, RuleTestInput } from "../../api/types";
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
  /** Credentials (`auth`, write-only): sent to the crawl's own origin only. */
  auth_user: string;
  auth_password: string;
  /** Extra request headers, one "Name: value" a line. */
  auth_headers: string;
  auth_cookies: string;
  login_url: string;
  login_user_field: string;
  login_user: string;
  login_password_field: string;
  login_password: string;
  login_success: string;
  /** Custom extraction and custom search rules (`extraction`); blank rows are not sent. */
  rules: RuleRow[];
}

/** One extraction rule as the form holds it ("" for "the api's default"). */
export interface RuleRow {
  name: string;
  type: "css" | "xpath" | "regex" | "text";
  expression: string;
  attribute: string;
  value: "" | "text" | "attribute" | "inner_html" | "count";
  multiple: boolean;
  search: "" | "contains" | "not_contains";
}

export const emptyRule: RuleRow = { name: "", type: "css", expression: "", attribute: "", value: "", multiple: false, search: "" };
export const MAX_RULES = 20;

/** The form's credential fields (empty ones are not sent). */
export const AUTH_FIELDS = [
  "auth_user", "auth_password", "auth_headers", "auth_cookies", "login_url", "login_user", "login_password", "login_success",
] as const;

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
  auth_user: "",
  auth_password: "",
  auth_headers: "",
  auth_cookies: "",
  login_url: "",
  login_user_field: "username",
  login_user: "",
  login_password_field: "password",
  login_password: "",
  login_success: "",
  rules: [],
};

/** Errors by form field; a rule's are under `extraction.N` (its row). */
export type FormErrors = Partial<Record<keyof CrawlFormValues | "form" | `extraction.${number}`, string>>;

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
  for (const line of lines(values.auth_headers)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*:/.test(line)) {
      errors.auth_headers = t("form.badHeader");
      break;
    }
  }
  if (values.auth_password && !values.auth_user.trim()) errors.auth_user = t("form.required");
  const login = [values.login_url, values.login_user, values.login_password, values.login_success].some((v) => v.trim());
  if (login) {
    if (!isHttpUrl(values.login_url)) errors.login_url = values.login_url.trim() ? t("form.badUrl") : t("form.required");
    if (!values.login_success.trim()) errors.login_success = t("form.required");
    if (!values.login_user_field.trim()) errors.login_user_field = t("form.required");
    if (!values.login_password_field.trim()) errors.login_password_field = t("form.required");
  }
  const names = new Set<string>();
  values.rules.forEach((rule, index) => {
    if (isBlank(rule)) return;
    const name = rule.name.trim();
    const error = !name
      ? t("form.ruleName")
      : name.includes(":") || name.length > 64
        ? t("form.ruleBadName")
        : names.has(name.toLowerCase())
          ? t("form.ruleTwice", { name })
          : !rule.expression.trim()
            ? t("form.ruleExpression")
            : rule.value === "attribute" && !rule.attribute.trim()
              ? t("form.ruleAttribute")
              : undefined;
    names.add(name.toLowerCase());
    if (error) errors[`extraction.${index}`] = error;
  });
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
  const auth = toAuth(values);
  if (auth) body.auth = auth;
  const extraction = toExtraction(values.rules);
  if (extraction.length) body.extraction = extraction;
  return body;
}

const isBlank = (rule: RuleRow) => !rule.name.trim() && !rule.expression.trim();

/** The rules as the api takes them: blank rows dropped, defaults left to the api. */
export function toExtraction(rows: RuleRow[]): ExtractionRule[] {
  return rows.filter((rule) => !isBlank(rule)).map((rule) => {
    const out: ExtractionRule = { name: rule.name.trim(), type: rule.type, expression: rule.expression };
    if (rule.attribute.trim()) out.attribute = rule.attribute.trim();
    if (rule.value) out.value = rule.value;
    else if (rule.type === "text") out.value = "count";
    if (rule.multiple) out.multiple = true;
    if (rule.search) out.search = rule.search;
    return out;
  });
}

/** The credentials a rule test may use (basic auth, headers, cookies: never a form login). */
export function testAuth(values: CrawlFormValues): RuleTestInput["auth"] {
  const auth = toAuth({ ...values, login_url: "" });
  return auth ?? undefined;
}

/** `auth` from the credential fields, or nothing when none is filled in. */
export function toAuth(values: CrawlFormValues): CrawlSettings["auth"] {
  const auth: NonNullable<CrawlSettings["auth"]> = {};
  if (values.auth_user.trim()) auth.basic = { username: values.auth_user.trim(), password: values.auth_password };
  const headers = lines(values.auth_headers);
  if (headers.length) {
    auth.headers = Object.fromEntries(headers.map((line) => {
      const at = line.indexOf(":");
      return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }));
  }
  if (values.auth_cookies.trim()) auth.cookies = values.auth_cookies.trim();
  if (values.login_url.trim()) {
    auth.form = {
      url: values.login_url.trim(),
      fields: { [values.login_user_field.trim()]: values.login_user, [values.login_password_field.trim()]: values.login_password },
      success_text: values.login_success.trim(),
    };
  }
  return Object.keys(auth).length ? auth : undefined;
}

/** Nested api fields with a form field of their own (the longest prefix wins). */
const NESTED: [string, keyof CrawlFormValues][] = [
  ["auth.basic", "auth_user"],
  ["auth.headers", "auth_headers"],
  ["auth.cookies", "auth_cookies"],
  ["auth.form.url", "login_url"],
  ["auth.form.success_text", "login_success"],
  ["auth.form", "login_url"],
];
const RULE_ERROR = /^extraction\.(\d+)/;

/** The api's field names ("include.0", "urls.3", "body") mapped onto the form's fields. */
export function serverErrors(byField: Record<string, string>, fallback: string): FormErrors {
  const errors: FormErrors = {};
  const known = new Set<string>(Object.keys(initialValues));
  for (const [field, raw] of Object.entries(byField)) {
    const message = raw.charAt(0).toUpperCase() + raw.slice(1);
    const nested = NESTED.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`));
    if (nested) {
      errors[nested[1]] ??= message;
      continue;
    }
    const rule = RULE_ERROR.exec(field);
    if (rule) {
      errors[`extraction.${Number(rule[1])}`] ??= message;
      continue;
    }
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
