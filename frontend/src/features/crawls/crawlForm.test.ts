// @vitest-environment node
import { describe, expect, it } from "vitest";
import { translate, type MessageKey } from "../../i18n";
import { initialValues, serverErrors, toSettings, validateCrawlForm } from "./crawlForm";

const t = (key: MessageKey, vars?: Record<string, string | number>) => translate("en", key, vars);

describe("new crawl form", () => {
  it("accepts a plain spider crawl and sends only what the user set", () => {
    const values = { ...initialValues, url: " https://example.com/ " };
    expect(validateCrawlForm(values, t)).toEqual({});
    expect(toSettings(values)).toEqual({
      mode: "spider", url: "https://example.com/", max_pages: 10000, max_depth: null, include: [], exclude: [],
      max_rps: 5, concurrency: 4, respect_robots: true, use_sitemaps: true,
    });
  });

  it("mirrors the api's bounds field by field", () => {
    const errors = validateCrawlForm({ ...initialValues, url: "example.com", max_pages: "0", concurrency: "65", max_rps: "0", max_depth: "-1", exclude: "ok\n(" }, t);
    expect(Object.keys(errors).sort()).toEqual(["concurrency", "exclude", "max_depth", "max_pages", "max_rps", "url"]);
  });

  it("needs at least one URL in list mode", () => {
    expect(validateCrawlForm({ ...initialValues, mode: "list", urls: "\n \n" }, t)).toHaveProperty("urls", "Required.");
    expect(validateCrawlForm({ ...initialValues, mode: "list", urls: "https://a/\nnot a url" }, t).urls).toMatch(/not a url/);
  });

  it("puts nested api fields on their form field and model-level errors on the form", () => {
    expect(serverErrors({ "include.0": "bad pattern", include: "bad pattern", body: "the start URL matches an `exclude` pattern", other: "odd" }, "x")).toEqual({
      include: "Bad pattern",
      exclude: "The start URL matches an `exclude` pattern",
      form: "Odd",
    });
    expect(serverErrors({}, "fallback")).toEqual({ form: "fallback" });
  });

  it("sends credentials only when some are filled in, as the api's auth", () => {
    expect(toSettings({ ...initialValues, url: "https://example.com/" }).auth).toBeUndefined();
    const values = {
      ...initialValues, url: "https://example.com/", auth_user: "auditor", auth_password: "pw: with colon",
      auth_headers: "Accept-Language: de\nX-Key:  a:b ", auth_cookies: " sid=1; consent=yes ",
      login_url: "https://example.com/login", login_user: "me", login_password: "secret", login_success: "Log out",
    };
    expect(validateCrawlForm(values, t)).toEqual({});
    expect(toSettings(values).auth).toEqual({
      basic: { username: "auditor", password: "pw: with colon" },
      headers: { "Accept-Language": "de", "X-Key": "a:b" },
      cookies: "sid=1; consent=yes",
      form: { url: "https://example.com/login", fields: { username: "me", password: "secret" }, success_text: "Log out" },
    });
  });

  it("checks the credential fields and places the api's auth errors beside them", () => {
    const errors = validateCrawlForm({ ...initialValues, url: "https://a/", auth_headers: "no colon", auth_password: "x", login_user: "me" }, t);
    expect(Object.keys(errors).sort()).toEqual(["auth_headers", "auth_user", "login_success", "login_url"]);
    expect(serverErrors({ "auth.form.url": "the login page must be on https://a", "auth.basic": "no colon", "auth.headers": "bad" }, "x")).toEqual({
      login_url: "The login page must be on https://a",
      auth_user: "No colon",
      auth_headers: "Bad",
    });
  });
});
