// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { Progress } from "../../api/types";
import { applyEvent } from "./LiveProgress";

const start: Progress = {
  points: [{ at: "2026-11-27T08:00:00.000000+00:00", pages_crawled: 100, pages_discovered: 400, pages_per_second: 0 }],
  queued: 300,
  status_codes: { "200": 95, "404": 5 },
  latest_errors: [],
};

describe("live progress from the crawl's stream", () => {
  it("adds a point per progress event, its rate from the previous one, and the queue", () => {
    const next = applyEvent(start, { type: "CrawlProgressed", recorded_at: "2026-11-27T08:00:02.000000+00:00", data: { pages_crawled: 150, pages_discovered: 500 } });
    expect(next.points.at(-1)).toEqual({ at: "2026-11-27T08:00:02.000000+00:00", pages_crawled: 150, pages_discovered: 500, pages_per_second: 25 });
    expect(next.queued).toBe(350);
    // a resumed stream repeats what was read: nothing added twice
    expect(applyEvent(next, { type: "CrawlProgressed", recorded_at: "2026-11-27T08:00:01.000000+00:00", data: { pages_crawled: 120 } })).toBe(next);
  });

  it("adds a batch's status codes and puts its errors first", () => {
    const next = applyEvent(start, {
      type: "PagesCrawled",
      recorded_at: "2026-11-27T08:00:03.000000+00:00",
      data: { status_counts: { "200": 10, "500": 1 }, errors: [{ page_id: 9, url: "https://example.com/x", status_code: 500, error: null }] },
    });
    expect(next.status_codes).toEqual({ "200": 105, "404": 5, "500": 1 });
    expect(next.latest_errors.map((e) => e.url)).toEqual(["https://example.com/x"]);
  });
});
