import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { crawlFixture, json, renderAt, stubFetch } from "../../test/render";
import { sizeOf, toneOf } from "./LinkGraph";

const C = crawlFixture.id;
const node = (name: string, path: string, pages: number, extra: Record<string, unknown> = {}) => ({
  name, path, folder: Boolean(path), page_id: null, pages, with_issues: 1, avg_depth: 1.5, avg_link_score: 40, ...extra,
});

describe("site structure", () => {
  it("opens folders one level at a time, read from the server, and lists the graph's pages without WebGL", async () => {
    const calls = stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/structure`) {
        const path = url.searchParams.get("path") ?? "";
        if (!path) return json({ path, pages: 1200, children: [node("https://example.com", "https://example.com/", 1200)], truncated: false });
        if (path === "https://example.com/") return json({ path, pages: 1200, children: [node("docs", "https://example.com/docs/", 1100), node("about", "", 1, { page_id: 5 })], truncated: false });
        return json({ path, pages: 1100, children: [node("intro", "", 1, { page_id: 9 })], truncated: true });
      }
      if (url.pathname === `/api/crawls/${C}/graph`) {
        return json({ nodes: [{ id: 1, url: "https://example.com/", title: "Home", status_code: 200, indexable: true, depth: 0, link_score: 100 }], edges: [], truncated: false });
      }
      return undefined;
    });
    renderAt(`/crawls/${C}/structure`);
    // one site: opened by itself
    await waitFor(() => expect(screen.getAllByTestId("tree-row").map((r) => r.dataset.path)).toEqual(["https://example.com/", "https://example.com/docs/", ""]));
    const docs = screen.getAllByTestId("tree-row")[1]!;
    expect(docs).toHaveTextContent("1,100");
    await userEvent.click(within(docs).getByRole("button", { name: "Open docs" }));
    await screen.findByRole("link", { name: "intro" });
    expect(screen.getByRole("link", { name: "intro" })).toHaveAttribute("href", `/crawls/${C}/pages/9`);
    expect(screen.getByText("Showing the 1 largest.")).toBeInTheDocument();
    expect(calls.filter((c) => c.url.pathname.endsWith("/structure")).map((c) => c.url.searchParams.get("path"))).toEqual([null, "https://example.com/", "https://example.com/docs/"]);
    // jsdom has no WebGL: the graph's pages as a list, each one click from its page
    const graph = await screen.findByTestId("link-graph");
    expect(graph.dataset.state).toBe("unsupported");
    expect(within(graph).getByRole("link", { name: "https://example.com/" })).toHaveAttribute("href", `/crawls/${C}/pages/1`);
  });

  it("sizes nodes by link score and colours them by status or indexability", () => {
    const page = { id: 1, url: "u", title: null, status_code: 404, indexable: false, depth: 1, link_score: 50 };
    expect(toneOf(page, "status")).toBe("http-4xx");
    expect(toneOf(page, "indexability")).toBe("http-none");
    expect(toneOf({ ...page, status_code: null }, "status")).toBe("http-none");
    expect(sizeOf({ ...page, link_score: 100 })).toBeGreaterThan(sizeOf(page));
  });
});
