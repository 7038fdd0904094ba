import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { catalogueFixture, crawlFixture, json, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("compare", () => {
  it("counts every kind of change and lists the rows with the page in the right crawl", async () => {
    const before = "22222222-2222-4222-8222-222222222222";
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/compare/${before}`) {
        const kind = url.searchParams.get("kind");
        const base = { before, after: C, site: "https://example.com", pages: { added: 1, removed: 1, changed: 1 }, fields: { title: 1, h1: 0 }, issues: { new: 0, fixed: 0, by_code: [] } };
        const items: Record<string, unknown[]> = {
          added: [{ url: "https://example.com/new", page_id: 9, status_code: 200 }],
          removed: [{ url: "https://example.com/old", page_id: 4, status_code: 200 }],
          changed: [
            { url: "https://example.com/a", page_id: 2, fields: { title: { before: "Old <b>title</b>", after: "New title" } } },
            { url: "https://example.com/kettle", page_id: 3, fields: { extracted: { before: { price: "$19.99", sku: "K-1" }, after: { price: "$17.49", sku: "K-1" } } } },
          ],
        };
        return json(kind ? { ...base, kind, items: items[kind] ?? [], next_cursor: null } : base);
      }
      if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
      if (url.pathname === `/api/crawls/${before}`) return json({ ...crawlFixture, id: before, created_at: "2026-11-20T08:00:00.000000+00:00" });
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
      return undefined;
    });
    const { container } = renderAt(`/crawls/${C}/compare/${before}`);
    expect(await screen.findByText("Changed pages per field: Title: 1")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "https://example.com/new" })).toHaveAttribute("href", `/crawls/${C}/pages/9`);
    expect(await screen.findByRole("link", { name: "https://example.com/old" })).toHaveAttribute("href", `/crawls/${before}/pages/4`);
    expect(await screen.findByText("Old <b>title</b>")).toBeInTheDocument();
    expect(container.querySelector("b")).toBeNull();
    // A changed price is one row of its own: the rule's name, the value before and after (the SKU did not move).
    expect(await screen.findByText("Extracted: price")).toBeInTheDocument();
    expect(screen.getByText("$19.99")).toBeInTheDocument();
    expect(screen.getByText("$17.49")).toBeInTheDocument();
    expect(screen.queryByText("Extracted: sku")).toBeNull();
    expect(screen.getByTestId("compare-issues_new")).toHaveTextContent("No differences.");
  });
});
