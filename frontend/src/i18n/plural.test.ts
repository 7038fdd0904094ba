// @vitest-environment node
// Counts read right in both languages: Russian has three plural forms (and a fourth for fractions).
import { describe, expect, it } from "vitest";
import { translate } from "./index";

const ru = (n: number) => translate("ru", "pages.count", { n });
const en = (n: number) => translate("en", "pages.count", { n });

describe("Russian plural forms", () => {
  it.each([
    [1, "1 страница"],
    [21, "21 страница"],
    [101, "101 страница"],
  ])("one: %i", (n, text) => expect(ru(n)).toBe(text));

  it.each([
    [2, "2 страницы"],
    [3, "3 страницы"],
    [4, "4 страницы"],
    [22, "22 страницы"],
    [24, "24 страницы"],
  ])("few: %i", (n, text) => expect(ru(n)).toBe(text));

  it.each([
    [0, "0 страниц"],
    [5, "5 страниц"],
    [11, "11 страниц"],
    [12, "12 страниц"],
    [13, "13 страниц"],
    [14, "14 страниц"],
    [25, "25 страниц"],
    [111, "111 страниц"],
  ])("many: %i", (n, text) => expect(ru(n)).toBe(text));

  it("other (fractions), with a decimal comma", () => {
    expect(ru(1.5)).toBe("1,5 страницы");
  });

  it("groups thousands with a space", () => {
    expect(ru(109366)).toBe("109\u00a0366 страниц");
  });

  it("uses the genitive after «из» in progress", () => {
    expect(translate("ru", "crawls.pagesOf", { done: 1, total: 1 })).toBe("1 из 1 страницы");
    expect(translate("ru", "crawls.pagesOf", { done: 2, total: 22 })).toBe("2 из 22 страниц");
    expect(translate("ru", "crawls.pagesOf", { done: 5, total: 21 })).toBe("5 из 21 страницы");
  });
});

describe("English plural forms", () => {
  it("says page for one and pages for the rest, with thousands separated", () => {
    expect(en(1)).toBe("1 page");
    expect(en(0)).toBe("0 pages");
    expect(en(2)).toBe("2 pages");
    expect(en(109366)).toBe("109,366 pages");
  });
});
