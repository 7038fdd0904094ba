// @vitest-environment node
import { describe, expect, it } from "vitest";
import { en, type MessageKey } from "./en";
import { ru } from "./ru";
import { languages, messageFormat, translate, type Language } from "./index";

const keys = Object.keys(en) as MessageKey[];

interface Node {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Node[] }>;
}
const PLURAL = 6;
const LITERAL = 0;
const POUND = 7;

/** Every argument a message uses, and the branches of each plural in it. */
function shape(lang: Language, key: MessageKey): { args: string[]; plurals: string[][] } {
  const args = new Set<string>();
  const plurals: string[][] = [];
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      if (node.type !== LITERAL && node.type !== POUND && typeof node.value === "string") args.add(node.value);
      if (node.type === PLURAL && node.options) plurals.push(Object.keys(node.options).sort());
      for (const option of Object.values(node.options ?? {})) walk(option.value);
    }
  };
  walk(messageFormat(lang, key).getAst() as unknown as Node[]);
  return { args: [...args].sort(), plurals };
}

describe("dictionaries", () => {
  it("have exactly the same keys in English and Russian", () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
  });

  it("have no empty strings", () => {
    for (const dict of [en, ru]) {
      for (const [key, value] of Object.entries(dict)) expect(value.trim(), key).not.toBe("");
    }
  });

  it("hold valid ICU messages that use the same arguments in both languages", () => {
    for (const key of keys) {
      for (const lang of languages) expect(() => messageFormat(lang, key), `${lang} ${key}`).not.toThrow();
      expect(shape("ru", key).args, key).toEqual(shape("en", key).args);
    }
  });

  it("give every plural the forms its language needs (English one/other; Russian one/few/many/other)", () => {
    const needs: Record<Language, string[]> = { en: ["one", "other"], ru: ["few", "many", "one", "other"] };
    let plurals = 0;
    for (const key of keys) {
      for (const lang of languages) {
        for (const forms of shape(lang, key).plurals) {
          plurals += 1;
          expect(forms, `${lang} ${key}`).toEqual(expect.arrayContaining(needs[lang]));
        }
      }
    }
    expect(plurals).toBeGreaterThan(4);
  });

  it("translate the Russian side (not a copy of the English)", () => {
    const same = keys.filter((k) => en[k] === ru[k]);
    // Technical names (URL, H1, sitemap.xml, the language names) may stay as they are; the rest may not.
    expect(same.length).toBeLessThan(keys.length / 8);
  });
});

describe("translate", () => {
  it("fills values and formats numbers for the language", () => {
    expect(translate("en", "form.badNumber", { min: 1, max: 1000000 })).toBe("Must be a whole number from 1 to 1,000,000.");
    expect(translate("ru", "form.badNumber", { min: 1, max: 1000000 })).toBe("Целое число от 1 до 1\u00a0000\u00a0000.");
  });

  it("shows the message's own text when a value is missing, instead of failing the screen", () => {
    expect(translate("en", "state.error", {})).toBe("Something went wrong: {detail}");
  });
});
