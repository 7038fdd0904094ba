// @vitest-environment node
import { describe, expect, it } from "vitest";
import { describeFireTime, isValidCron, nextFireTimes } from "./cron";

const at = (iso: string) => Date.parse(iso);

describe("cron helper", () => {
  it("finds the next daily runs in UTC", () => {
    const times = nextFireTimes("0 3 * * *", "UTC", 3, at("2026-11-27T08:00:00Z"));
    expect(times.map((t) => new Date(t).toISOString())).toEqual([
      "2026-11-28T03:00:00.000Z",
      "2026-11-29T03:00:00.000Z",
      "2026-11-30T03:00:00.000Z",
    ]);
  });

  it("reads the hours in the schedule's time zone (Moscow is UTC+3)", () => {
    const [first] = nextFireTimes("0 3 * * *", "Europe/Moscow", 1, at("2026-11-27T08:00:00Z"));
    expect(new Date(first!).toISOString()).toBe("2026-11-28T00:00:00.000Z");
  });

  it("handles steps, ranges, names and day-of-month OR weekday", () => {
    expect(nextFireTimes("*/15 9-10 * * mon-fri", "UTC", 3, at("2026-11-27T09:20:00Z")).map((t) => new Date(t).toISOString())).toEqual([
      "2026-11-27T09:30:00.000Z",
      "2026-11-27T09:45:00.000Z",
      "2026-11-27T10:00:00.000Z",
    ]);
    // the 1st of the month or any Sunday
    const next = nextFireTimes("0 0 1 * 0", "UTC", 2, at("2026-11-27T00:00:00Z")).map((t) => new Date(t).toISOString());
    expect(next).toEqual(["2026-11-29T00:00:00.000Z", "2026-12-01T00:00:00.000Z"]);
  });

  it("refuses what the scheduler would refuse", () => {
    for (const bad of ["", "* * * *", "61 * * * *", "* 24 * * *", "a b c d e", "*/0 * * * *", "5-1 * * * *"]) {
      expect(isValidCron(bad), bad).toBe(false);
    }
    expect(isValidCron("@daily")).toBe(true);
  });

  it("says when in words, in the reader's language", () => {
    const now = at("2026-11-27T08:00:00Z");
    const when = at("2026-11-28T03:00:00Z");
    expect(describeFireTime(when, "UTC", "en-GB", now)).toMatch(/Saturday.*28 November 2026.*03:00.*in 19 hours/);
    expect(describeFireTime(when, "UTC", "ru-RU", now)).toMatch(/суббота.*28 ноября 2026.*03:00.*через 19 часов/);
  });
});
