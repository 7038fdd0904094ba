import { describe, expect, it, vi } from "vitest";
import openapi from "./openapi.json";
import { api, ApiError, setUnauthorizedHandler } from "./client";
import { crawlFieldsOf } from "./live";
import { stubEventSource } from "../test/eventSource";
import { json, stubFetch } from "../test/render";

describe("api client", () => {
  it("turns a problem+json answer into an ApiError with the detail and the fields", async () => {
    stubFetch(() =>
      json(
        {
          type: "about:blank",
          title: "Unprocessable Content",
          status: 422,
          detail: "Invalid max_pages: Input should be greater than or equal to 1",
          errors: [
            { field: "max_pages", message: "Input should be greater than or equal to 1" },
            { field: "include.0", message: "not a valid regular expression" },
          ],
        },
        422,
        "application/problem+json",
      ),
    );
    const error = await api.startCrawl({ url: "https://example.com/", max_pages: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.detail).toMatch(/max_pages/);
    expect(apiError.byField()).toMatchObject({ max_pages: expect.stringMatching(/greater/), include: expect.stringMatching(/regular/) });
  });

  it("sends JSON bodies and same-origin credentials", async () => {
    const calls = stubFetch(() => json({ id: "x", status: "queued" }, 201));
    await api.startCrawl({ url: "https://example.com/" });
    expect(calls[0]!.init?.method).toBe("POST");
    expect(calls[0]!.init?.credentials).toBe("same-origin");
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ url: "https://example.com/" });
  });

  it("reports a 401 to the app (so it can show the login page), but not for the login itself", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    stubFetch(() => json({ status: 401, title: "Unauthorized", detail: "Authentication required." }, 401, "application/problem+json"));
    await expect(api.listCrawls()).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.login("wrong")).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
    setUnauthorizedHandler(null);
  });

  it("says 'network' when the server cannot be reached, and a status when the body is not JSON", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api.getCrawl("x")).rejects.toMatchObject({ status: 0, detail: "network" });
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })));
    await expect(api.getCrawl("x")).rejects.toMatchObject({ status: 502, detail: "Bad Gateway" });
  });

  it("puts filters, sort and cursor in the pages query and caps the batch at the api's limit", async () => {
    const calls = stubFetch(() => json({ items: [], total: 0, next_cursor: null }));
    await api.listPages("c1", { q: "shoes", status_code: "4xx", indexable: false, issue: "title_missing", sort: "depth", order: "desc", cursor: "abc", limit: 5000 });
    const url = calls[0]!.url;
    expect(url.pathname).toBe("/api/crawls/c1/pages");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      q: "shoes", status_code: "4xx", indexable: "false", issue: "title_missing", sort: "depth", order: "desc", cursor: "abc", limit: "500",
    });
  });

  it("reads an issue code's URLs out of the issue report", async () => {
    const calls = stubFetch(() =>
      json({ crawl_id: "c1", totals: {}, items: [], urls: [{ page_id: 7, url: "https://e.com/x", status_code: 200, details: {} }], next_cursor: "n" }),
    );
    const page = await api.issueUrls("c1", "h1_missing", "ru");
    expect(page).toEqual({ items: [{ page_id: 7, url: "https://e.com/x", status_code: 200, details: {} }], next_cursor: "n" });
    expect(calls[0]!.url.searchParams.get("lang")).toBe("ru");
  });

  it("only calls paths the OpenAPI snapshot documents (export, compare and sitemap excepted until the api has them)", () => {
    const documented = Object.keys((openapi as { paths: Record<string, unknown> }).paths);
    const used = [
      "/api/session", "/api/crawls", "/api/crawls/events", "/api/crawls/{crawl_id}", "/api/crawls/{crawl_id}/cancel",
      "/api/crawls/{crawl_id}/pause", "/api/crawls/{crawl_id}/resume", "/api/crawls/{crawl_id}/events",
      "/api/crawls/{crawl_id}/pages", "/api/crawls/{crawl_id}/pages/{page_id}", "/api/crawls/{crawl_id}/issues",
      "/api/issues/catalogue", "/api/schedules", "/api/schedules/{schedule_id}", "/api/schedules/preview",
    ];
    for (const path of used) expect(documented, path).toContain(path);
  });
});

describe("live events", () => {
  const id = "11111111-1111-4111-8111-111111111111";
  it("reads crawl fields from a snapshot and from an event envelope", () => {
    expect(crawlFieldsOf({ id, status: "running", pages_crawled: 5, url: "x" }, id)).toEqual({ status: "running", pages_crawled: 5 });
    expect(crawlFieldsOf({ type: "PagesCrawled", data: { crawl_id: id, pages_count: 3, pages_discovered: 40 } }, id)).toEqual({ pages_discovered: 40 });
  });
  it("ignores another crawl's event and junk", () => {
    expect(crawlFieldsOf({ id: "other", status: "failed" }, id)).toEqual({});
    expect(crawlFieldsOf("heartbeat", id)).toEqual({});
    expect(crawlFieldsOf({ status: "exploded" }, id)).toEqual({});
  });
});

describe("followStream", () => {
  it("reopens a stream the server refused, and stops for good when closed", async () => {
    vi.useFakeTimers();
    const opened = stubEventSource();
    const { followStream } = await import("./live");
    const onOpen = vi.fn();
    const stop = followStream("/api/crawls/events", () => undefined, onOpen);
    expect(opened).toHaveLength(1);
    opened[0]!.readyState = 2; // a 503: the browser will not retry by itself
    opened[0]!.onerror?.();
    vi.advanceTimersByTime(2000);
    expect(opened).toHaveLength(2);
    opened[1]!.onopen?.();
    expect(onOpen).toHaveBeenCalledTimes(1);
    stop();
    opened[1]!.onerror?.();
    vi.advanceTimersByTime(60_000);
    expect(opened).toHaveLength(2);
    vi.useRealTimers();
  });
});
