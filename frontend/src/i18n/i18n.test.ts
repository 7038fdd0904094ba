import { describe, expect, it } from "vitest";
import { en } from "./en";
import { ru } from "./ru";
import { format } from "./index";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dictionaries", () => {
  it("have exactly the same keys in English and Russian", () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
  });

  it("have no empty strings", () => {
    for (const dict of [en, ru]) {
      for (const [key, value] of Object.entries(dict)) expect(value.trim(), key).not.toBe("");
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("translate the Russian side (not a copy of the English)", () => {
    const same = Object.keys(en).filter((k) => en[k as keyof typeof en] === ru[k as keyof typeof en]);
    // Technical names (URL, H1, sitemap.xml, the language names) may stay as they are; the rest may not.
    expect(same.length).toBeLessThan(Object.keys(en).length / 8);
  });
});

describe("format", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format("{done} of {total}", { done: 3, total: 10 })).toBe("3 of 10");
    expect(format("{a} {missing}", { a: "x" })).toBe("x {missing}");
  });
});
