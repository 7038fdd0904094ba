// @vitest-environment node
import { describe, expect, it } from "vitest";
import { describeCron } from "./describeCron";
import { describeFireTime } from "./fireTime";

const at = (iso: string) => Date.parse(iso);

describe("a schedule in words", () => {
  it("says when it fires, in the reader's language and the schedule's zone", () => {
    const now = at("2026-11-27T08:00:00Z");
    const when = at("2026-11-28T03:00:00Z");
    expect(describeFireTime(when, "UTC", "en-GB", now)).toMatch(/Saturday.*28 November 2026.*03:00.*in 19 hours/);
    expect(describeFireTime(when, "UTC", "ru-RU", now)).toMatch(/суббота.*28 ноября 2026.*03:00.*через 19 часов/);
    expect(describeFireTime(when, "Europe/Moscow", "en-GB", now)).toMatch(/06:00/);
  });

  it("describes a cron expression with cronstrue, in both languages", () => {
    expect(describeCron("0 3 * * 1", "en")).toBe("At 03:00, only on Monday");
    expect(describeCron("0 3 * * 1", "ru")).toMatch(/^В 03:00, только в понедельник$/);
    expect(describeCron("*/15 * * * *", "ru")).toMatch(/15 минут/);
    expect(describeCron("not cron", "en")).toBeNull();
  });
});
