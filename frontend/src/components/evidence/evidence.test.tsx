/**
 * Every evidence family has a renderer, and every catalogue code of the api (the OpenAPI snapshot's
 * issue codes) is covered through its family; each family's renderer reads its rows as a person
 * would (tables and words, never JSON).
 */
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import openapi from "../../api/openapi.json";
import type { EvidenceFamily, EvidenceRow, EvidenceUnit, IssueUrl } from "../../api/types";
import { I18nProvider, type Language } from "../../i18n";
import { EvidenceDetail, EvidenceSummary, EvidenceTable } from "./Evidence";
import { FAMILIES } from "./families";

const schemas = (openapi as unknown as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[]; anyOf?: { enum?: string[] }[] }> }> } }).components.schemas;
const familyEnum = schemas.EvidenceSpec!.properties.family!.enum ?? [];

function show(node: React.ReactNode, lang: Language = "en") {
  return render(
    <I18nProvider lang={lang}>
      <MemoryRouter>{node}</MemoryRouter>
    </I18nProvider>,
  );
}

const url = (row: EvidenceRow, extra: Partial<IssueUrl> = {}): IssueUrl => ({
  page_id: 7,
  url: "https://example.com/source",
  status_code: 200,
  severity: "error",
  details: {},
  evidence: [row],
  group: null,
  ...extra,
});

function table(family: EvidenceFamily, rows: IssueUrl[], unit: EvidenceUnit | null = null, lang: Language = "en") {
  show(<EvidenceTable crawlId="c" family={family} unit={unit} urls={rows} label="Evidence" />, lang);
}

describe("evidence renderers", () => {
  it("exist for every family the api names", () => {
    expect(familyEnum.length).toBeGreaterThan(5);
    expect(Object.keys(FAMILIES).sort()).toEqual([...familyEnum].sort());
  });

  it("links: source page, target, anchor, status and how often, as a table", () => {
    table("links", [url({ target: "https://example.com/gone", anchor: "Changelog", status: 404, occurrences: 10 })]);
    const row = screen.getByTestId("evidence-row");
    expect(within(row).getByRole("link", { name: "https://example.com/source" })).toHaveAttribute("href", "/crawls/c/pages/7");
    expect(row).toHaveTextContent("https://example.com/gone");
    expect(row).toHaveTextContent("Changelog");
    expect(row).toHaveTextContent("404");
    expect(row).toHaveTextContent("10");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent?.trim())).toEqual(["Page", "Target", "Anchor text", "Status", "Links"]);
  });

  it("links, in one line on the page: status, target and anchor; a link to nowhere by its anchor", () => {
    const { container, unmount } = show(
      <EvidenceSummary family="links" rows={[{ target: "https://example.com/gone", anchor: "Changelog", status: 404, occurrences: 2 }, { target: "https://example.com/old", status: 410 }]} />,
    );
    expect(container.textContent).toBe("404 https://example.com/gone Changelog and 1 more");
    expect(container.querySelector("q")).toHaveTextContent("Changelog");
    unmount();
    const empty = show(<EvidenceSummary family="links" rows={[{ target: "", anchor: "Python Documentation contents", status: null, occurrences: 1 }]} />);
    expect(empty.container.textContent).toBe("Python Documentation contents"); // not "— —"
    expect(empty.container.querySelector("q")).toHaveTextContent("Python Documentation contents");
  });

  it("group: each group once, with its shared value and its pages", () => {
    const shared = { value: "Same title", group_size: 3, target: "https://example.com/b" };
    table("group", [
      url(shared, { page_id: 1, url: "https://example.com/a", group: "same title" }),
      url(shared, { page_id: 2, url: "https://example.com/b", group: "same title" }),
      url({ value: "Other", group_size: 2 }, { page_id: 3, url: "https://example.com/c", group: "other" }),
    ]);
    const groups = screen.getAllByTestId("evidence-group");
    expect(groups).toHaveLength(2);
    expect(groups[0]).toHaveTextContent("Same title");
    expect(groups[0]).toHaveTextContent("on 3 pages");
    expect(within(groups[0]!).getAllByTestId("issue-url").map((a) => a.textContent)).toEqual(["https://example.com/a", "https://example.com/b"]);
  });

  it("group, in Russian: the plural form fits the number", () => {
    table("group", [url({ value: "Тот же title", group_size: 5 }, { group: "x" })], null, "ru");
    expect(screen.getByTestId("evidence-group")).toHaveTextContent("на 5 страницах");
  });

  it("pair: the other page and the similarity or the problem", () => {
    table("pair", [url({ target: "https://example.com/twin", similarity: 0.93 })]);
    expect(screen.getByTestId("evidence-row")).toHaveTextContent("93% similar");
    show(<EvidenceSummary family="pair" rows={[{ target: "https://example.com/canon", status: 301, reason: null }]} />);
    expect(screen.getByText("https://example.com/canon")).toBeInTheDocument();
  });

  it("hreflang: the language, the alternate and what is missing", () => {
    table("hreflang", [url({ lang: "de", target: "https://example.com/de", status: null, reason: "missing_return" })]);
    const row = screen.getByTestId("evidence-row");
    expect(row).toHaveTextContent("de");
    expect(row).toHaveTextContent("https://example.com/de");
    expect(row).toHaveTextContent("no return link");
  });

  it("redirect: the chain, hop by hop", () => {
    const chain = [
      { url: "https://example.com/old", status_code: 301 },
      { url: "https://example.com/mid", status_code: 302 },
      { url: "https://example.com/new", status_code: 200 },
    ];
    table("redirect", [url({ chain, target: "https://example.com/new", status: 301, measure: 2 })]);
    const hops = within(screen.getByTestId("evidence-chain")).getAllByRole("listitem");
    expect(hops.map((h) => h.textContent)).toEqual(["301 https://example.com/old", "302 https://example.com/mid", "200 https://example.com/new"]);
    show(<EvidenceSummary family="redirect" rows={[{ chain, target: "https://example.com/new" }]} />);
    expect(screen.getByText(/301 → 302 → 200 →/)).toBeInTheDocument();
  });

  it("length: the value and its length in characters, in the reader's plural", () => {
    show(<EvidenceSummary family="length" rows={[{ value: "Hi", length: 2 }]} />);
    expect(screen.getByText("2 characters")).toBeInTheDocument();
    show(<EvidenceSummary family="length" rows={[{ value: "Чай", length: 3 }]} />, "ru");
    expect(screen.getByText("3 символа")).toBeInTheDocument();
  });

  it("measure: the number with its unit", () => {
    show(<EvidenceSummary family="measure" unit="ms" rows={[{ measure: 1234.5 }]} />);
    expect(screen.getByText("1,235 ms")).toBeInTheDocument();
    show(<EvidenceSummary family="measure" unit="words" rows={[{ measure: 21 }]} />, "ru");
    expect(screen.getByText("21 слово")).toBeInTheDocument();
  });

  it("measure with URLs: each large image with its size", () => {
    table("measure", [url({ target: "https://example.com/big.jpg", measure: 912_000 })], "bytes");
    const row = screen.getByTestId("evidence-row");
    expect(row).toHaveTextContent("https://example.com/big.jpg");
    expect(row).toHaveTextContent("891 KB");
  });

  it("list: the values, each on its own row", () => {
    show(<EvidenceDetail family="list" rows={[{ value: "First heading" }, { value: "Second heading" }]} label="H1" />);
    expect(screen.getAllByRole("row").length).toBe(3);
    expect(screen.getByText("Second heading")).toBeInTheDocument();
  });

  it("response: the status and the reason", () => {
    table("response", [url({ status: null, reason: "timeout after 30 s" })]);
    expect(screen.getByTestId("evidence-row")).toHaveTextContent("timeout after 30 s");
  });

  it("fact: the field that shows it", () => {
    show(<EvidenceSummary family="fact" rows={[{ field: "meta_robots", value: "noindex, follow" }]} />);
    expect(screen.getByText(/Meta robots:/)).toBeInTheDocument();
    expect(screen.getByText("noindex, follow")).toBeInTheDocument();
  });

  it("render crawled markup as text", () => {
    const evil = `<img src=x onerror="window.__pwned=1">`;
    const { container } = show(<EvidenceSummary family="links" rows={[{ target: evil, anchor: evil, status: 404, occurrences: 1 }]} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toContain(evil);
  });
});
