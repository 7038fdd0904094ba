// @vitest-environment node
import { describe, expect, it } from "vitest";
import { asText, detailsText, formatDate, formatDuration, formatNumber } from "./format";

describe("formatting for the reader's language", () => {
  it("groups thousands as each language does", () => {
    expect(formatNumber(109366, "ru-RU")).toBe("109\u00a0366");
    expect(formatNumber(109366, "en-GB")).toBe("109,366");
    expect(formatNumber(1.25, "ru-RU")).toBe("1,3");
    expect(formatNumber(null, "en-GB")).toBe("—");
  });

  it("writes dates with the language's month names", () => {
    expect(formatDate("2026-11-27T08:00:00Z", "ru-RU")).toMatch(/27 нояб\.? 2026/);
    expect(formatDate("2026-11-27T08:00:00Z", "en-GB")).toMatch(/27 Nov 2026/);
    expect(formatDate(null, "en-GB")).toBe("—");
  });

  it("spells durations with the language's units", () => {
    expect(formatDuration("2026-11-27T08:00:00Z", "2026-11-27T09:02:05Z", "en-GB")).toBe("1 hr 2 mins");
    expect(formatDuration("2026-11-27T08:00:00Z", "2026-11-27T08:00:09Z", "ru-RU")).toBe("9 с");
  });

  it("turns any field into plain text", () => {
    expect(asText(["a", { b: 1 }])).toBe('a · {"b":1}');
    expect(asText("")).toBe("—");
    expect(detailsText({ title_length: 2, value: "Hi" }, "en-GB")).toBe("title length: 2 · value: Hi");
    expect(detailsText({ similarity: 0.96875 }, "ru-RU")).toBe("similarity: 0,9688");
  });
});
