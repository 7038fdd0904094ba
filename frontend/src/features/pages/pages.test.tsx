import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { crawlFixture, json, pageFixture, pageViewExtras, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;
const summary = { crawl_id: C, totals: {}, items: [{ code: "title_too_short", severity: "notice", count: 1234, title: "Title too short", explanation: "", fix: "" }], next_cursor: null };

function stubPages(total = 2) {
  return stubFetch((url) => {
    if (url.pathname === `/api/crawls/${C}/issues`) return json(summary);
    if (url.pathname === `/api/crawls/${C}/pages`) {
      const desc = url.searchParams.get("order") === "desc";
      const items = [pageFixture(1, { word_count: 90, issues_count: 1, top_issue: "title_too_short" }), pageFixture(2, { word_count: 900, h1: ["A", "B"] })];
      return json({ items: desc ? items.reverse() : items, total, next_cursor: null });
    }
    return undefined;
  });
}

describe("pages", () => {
  it("shows the default columns from the page schema, counts in words, and the issue filter with counts", async () => {
    stubPages(109366);
    renderAt(`/crawls/${C}/pages`, "ru");
    await screen.findAllByTestId("page-row");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent?.replace(/\s+$/, ""))).toEqual([
      "URL", "Статус", "Индексируется", "Title", "Meta description", "H1", "Слов", "Входящие ссылки", "Вес ссылок",
      "Проблем", "Главная проблема",
    ]);
    // the top issue reads as its title, numbers in the language's format
    expect(screen.getAllByTestId("page-row")[0]).toHaveTextContent("Title too short");
    expect(screen.getAllByTestId("page-row")[0]).toHaveTextContent("42,5");
    expect(screen.getByTestId("pages-count").textContent).toBe("109\u00a0366 страниц");
    expect(await screen.findByRole("option", { name: /Title too short \(1\s234\)/ })).toBeInTheDocument();
  });

  it("sorts on the server by a header, keeping the sort in the address", async () => {
    const calls = stubPages();
    renderAt(`/crawls/${C}/pages`);
    await screen.findAllByTestId("page-row");
    await userEvent.click(screen.getByTestId("sort-word_count"));
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get("sort") === "word_count" && c.url.searchParams.get("order") === "desc")).toBe(true));
    await waitFor(() => expect(within(screen.getAllByTestId("page-row")[0]!).getAllByRole("cell")[0]).toHaveTextContent("https://example.com/p2"));
    expect(screen.getByRole("columnheader", { name: /Words/ })).toHaveAttribute("aria-sort", "descending");
  });

  it("adds a column from the chooser, any field of the schema", async () => {
    stubPages();
    renderAt(`/crawls/${C}/pages`);
    await screen.findAllByTestId("page-row");
    await userEvent.click(screen.getByText("Columns"));
    await userEvent.click(screen.getByLabelText("Response time (ms)", { exact: true }));
    const header = await screen.findByRole("columnheader", { name: "Response time (ms)" });
    expect(header).toBeInTheDocument();
    expect(screen.getAllByTestId("page-row")[1]).toHaveTextContent("A · B");
  });

  it("saves the chosen columns as a named set and applies it again", async () => {
    stubPages();
    renderAt(`/crawls/${C}/pages?cols=url,depth`);
    await screen.findAllByTestId("page-row");
    await userEvent.click(screen.getByText("Column sets"));
    await userEvent.type(screen.getByTestId("column-set-name"), "Depth check");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(JSON.parse(localStorage.getItem("seo.pages.columnSets") ?? "[]")).toEqual([{ name: "Depth check", columns: ["url", "depth"] }]);
    await userEvent.click(screen.getByRole("button", { name: "Default columns" }));
    await screen.findByRole("columnheader", { name: "Top issue" });
    await userEvent.click(screen.getByRole("button", { name: "Depth check" }));
    await waitFor(() => expect(screen.getAllByRole("columnheader").map((h) => h.textContent?.trim())).toEqual(["URL", "Depth"]));
    localStorage.clear();
  });

  it("opens a page with Enter on its row", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/issues`) return json(summary);
      if (url.pathname === `/api/crawls/${C}/pages`) return json({ items: [pageFixture(1), pageFixture(2)], total: 2, next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/pages/2`) return json({ ...pageFixture(2), inlinks: [], outlinks: [], issues: [] });
      if (url.pathname.startsWith(`/api/crawls/${C}/pages/2/`)) return pageViewExtras(url, C, 2);
      if (url.pathname === "/api/issues/catalogue") return json({ items: [] });
      return undefined;
    });
    renderAt(`/crawls/${C}/pages`);
    const rows = await screen.findAllByTestId("page-row");
    rows[0]!.focus();
    await userEvent.keyboard("{ArrowDown}");
    await waitFor(() => expect(document.activeElement).toBe(rows[1]));
    await userEvent.keyboard("{Enter}");
    expect(await screen.findByTestId("page-url")).toHaveTextContent("https://example.com/p2");
  });

  it("gives each extraction rule of the crawl a column, sorted and filtered on the server", async () => {
    const rules = [{ name: "price", type: "css", expression: ".price" }, { name: "links", type: "css", expression: "a", value: "count" }];
    const calls = stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}`) return json({ ...crawlFixture, settings: { max_pages: 100, extraction: rules } });
      if (url.pathname === `/api/crawls/${C}/issues`) return json(summary);
      if (url.pathname === `/api/crawls/${C}/pages`) {
        const items = [
          pageFixture(1, { extracted: { price: "<i>$19.99</i>", links: 1200 } }),
          pageFixture(2, { extracted: { price: null, links: 0 } }),
        ];
        return json({ items, total: 2, next_cursor: null });
      }
      return undefined;
    });
    renderAt(`/crawls/${C}/pages`);
    const header = await screen.findByRole("columnheader", { name: /^price/ });
    expect(header).toBeInTheDocument();
    const first = screen.getAllByTestId("page-row")[0]!;
    expect(first).toHaveTextContent("<i>$19.99</i>"); // crawled text, shown as text
    expect(first).toHaveTextContent("1,200");
    expect(screen.getAllByTestId("page-row")[1]).toHaveTextContent("—");
    await userEvent.click(screen.getByTestId("sort-extracted:price"));
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get("sort") === "extracted:price")).toBe(true));
    await userEvent.type(screen.getByTestId("filter-extracted"), "19.99");
    await userEvent.click(screen.getByTestId("filter-extracted-apply"));
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get("extracted") === "price:19.99")).toBe(true));
    await userEvent.selectOptions(screen.getByTestId("filter-extracted-rule"), "links");
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get("extracted") === "links:19.99")).toBe(true));
  });
});
