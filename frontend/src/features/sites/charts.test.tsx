import { screen, waitFor } from "@testing-library/react";
import type uPlot from "uplot";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BuildChart } from "../../components/ui/chart/UPlotChart";
import type { ChartTheme } from "../../components/ui/chart/theme";
import { json, renderAt, stubFetch } from "../../test/render";
import { timeAxisLabels, trendChart } from "./charts";

// The view's charts are captured as they are built (the test DOM has no canvas to draw on).
const built = vi.hoisted(() => [] as BuildChart[]);
vi.mock("../../components/ui/chart/UPlotChart", () => ({
  UPlotChart: ({ build }: { build: BuildChart }) => {
    built.push(build);
    return null;
  },
}));

const theme: ChartTheme = { text: "#000", muted: "#666", grid: "#ddd", font: "12px sans-serif", tone: () => "#00f" };
const DAY = 86_400;
// Noon UTC, so the day is the same in every time zone the tests may run in.
const NOV_26 = Date.parse("2026-11-26T12:00:00Z") / 1000;
const FEB_3 = Date.parse("2027-02-03T12:00:00Z") / 1000;

/** The time axis' labels and the legend's date of a built chart, as uPlot would ask for them. */
function timeTexts(build: BuildChart, splits: number[], increment: number) {
  const { options } = build(600, theme, {} as typeof uPlot);
  const axis = options.axes?.[0];
  const series = options.series[0];
  if (!series) throw new Error("no time series");
  const values = axis?.values as (u: uPlot, splits: number[], axis: number, space: number, incr: number) => string[];
  const value = series.value as (u: uPlot, v: number | null, si: number, di: number | null) => string;
  return { axis: values({} as uPlot, splits, 0, 50, increment), legend: value({} as uPlot, splits[0] ?? null, 0, 0) };
}

afterEach(() => {
  built.length = 0;
});

describe("trend chart dates", () => {
  it("are in Russian in the Russian UI, on the axis and in the legend", () => {
    const build = trendChart([NOV_26, FEB_3], [{ label: "x", values: [1, 2], tone: "accent" }], 200, "Когда", "ru-RU");
    const { axis, legend } = timeTexts(build, [NOV_26, FEB_3], DAY);
    expect(axis).toEqual(["26 нояб.", "3 февр."]);
    expect(legend).toMatch(/^26 нояб\. 2026 г\., \d{2}:00$/);
    expect(timeTexts(build, [NOV_26, FEB_3], 30 * DAY).axis).toEqual(["нояб. 2026 г.", "февр. 2027 г."]);
  });

  it("are in English in the English UI", () => {
    const build = trendChart([NOV_26], [{ label: "x", values: [1], tone: "accent" }], 200, "When", "en-GB");
    const { axis, legend } = timeTexts(build, [NOV_26, FEB_3], DAY);
    expect(axis).toEqual(["26 Nov", "3 Feb"]);
    expect(legend).toMatch(/^26 Nov 2026, \d{2}:00$/);
  });

  it("put the day under the first hour of each day when ticks are hours apart", () => {
    const start = Date.parse("2026-11-26T00:00:00") / 1000; // local midnight
    const labels = timeAxisLabels("ru-RU")([start + 20 * 3600, start + 22 * 3600, start + 24 * 3600], 7200);
    expect(labels).toEqual(["20:00\n26 нояб.", "22:00", "00:00\n27 нояб."]);
  });

  it("follow the UI's language on the site page", async () => {
    const SITE = "44444444-4444-4444-8444-444444444444";
    const row = (id: string, at: string) => ({
      crawl_id: id, created_at: at, finished_at: at, pages_crawled: 10, health_score: 90, issues: { error: 0, warning: 1, notice: 2 },
      indexable_pages: 9, response_time_p50: 100, response_time_p95: 200, purged: false,
    });
    stubFetch((url) => {
      if (url.pathname === `/api/sites/${SITE}`) {
        return json({
          id: SITE, url: "https://shop.example/", origin: "https://shop.example", name: "shop.example", settings: { crawl: {}, retention: 20 },
          created_at: "2026-11-01T08:00:00.000000+00:00", updated_at: "2026-11-01T08:00:00.000000+00:00", crawls_count: 2, latest_crawl: null,
          last_completed_crawl_id: null, previous_completed_crawl_id: null, health_score: 90, health_change: null, issues: null, pages_crawled: 10,
          next_run_at: null, purged_crawls: 0, bytes_freed: 0, health_trend: [90, 90],
        });
      }
      if (url.pathname === `/api/sites/${SITE}/history`) return json({ site_id: SITE, items: [row("c1", "2026-11-26T12:00:00+00:00"), row("c2", "2027-02-03T12:00:00+00:00")] });
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      if (url.pathname === "/api/schedules") return json({ items: [] });
      if (url.pathname === "/api/channels") return json({ items: [] });
      if (url.pathname === `/api/sites/${SITE}/alert-rules`) return json({ items: [] });
      return undefined;
    });
    renderAt(`/sites/${SITE}`, "ru");
    await waitFor(() => expect(screen.getAllByTestId("trend-chart")).toHaveLength(4));
    const build = built[built.length - 1];
    if (!build) throw new Error("no chart was built");
    expect(timeTexts(build, [NOV_26, FEB_3], DAY).axis).toEqual(["26 нояб.", "3 февр."]);
  });
});
