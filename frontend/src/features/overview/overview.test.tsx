import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { stubEventSource } from "../../test/eventSource";
import { crawlFixture, json, pageFixture, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;
const NOT_READ = { crawl_id: C, origin: "https://example.com", robots_txt: null, llms_txt: null, ai_crawlers: [] };

describe("overview", () => {
  it("shows key numbers and the four charts from the pages and issues", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
      if (url.pathname === `/api/crawls/${C}/pages`) return json({ items: [pageFixture(1), pageFixture(2, { status_code: 404, depth: 2, response_time_ms: 900 }), pageFixture(3)], total: 3, next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/issues`) return json({ crawl_id: C, totals: { error: 1, warning: 0, notice: 1 }, items: [{ code: "status_4xx", severity: "error", count: 1, title: "x", explanation: "", fix: "" }], next_cursor: null });
      if (url.pathname === "/api/crawls") return json({ items: [crawlFixture], next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/robots`) return json(NOT_READ);
      return undefined;
    });
    renderAt(`/crawls/${C}`);
    expect(await screen.findByTestId("stat-pages")).toHaveTextContent("3");
    const status = await screen.findByTestId("chart-status");
    expect(within(status).getByText("200")).toBeInTheDocument();
    expect(within(status).getByText("404")).toBeInTheDocument();
    expect(screen.getByTestId("chart-depth")).toBeInTheDocument();
    expect(screen.getByTestId("chart-time")).toHaveTextContent("800–1500 ms");
    expect(screen.getByTestId("export-pages-csv")).toHaveAttribute("href", `/api/crawls/${C}/export?format=csv&what=pages&lang=en`);
  });
});

describe("a running crawl", () => {
  it("moves with its event stream: fields merged at once, then re-read, and the stream closed once it ends", async () => {
    const sources = stubEventSource();
    const running = { ...crawlFixture, status: "running", pages_crawled: 1, pages_discovered: 10, finished_at: null };
    let current: Record<string, unknown> = running;
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}`) return json(current);
      if (url.pathname === `/api/crawls/${C}/pages`) return json({ items: [pageFixture(1)], total: 1, next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/issues`) return json({ crawl_id: C, totals: {}, items: [], next_cursor: null });
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/robots`) return json(NOT_READ);
      return undefined;
    });
    renderAt(`/crawls/${C}`);
    expect(await screen.findByTestId("stat-pages")).toHaveTextContent("1");
    await waitFor(() => expect(sources.map((s) => s.url)).toContain(`/api/crawls/${C}/events`));
    const stream = sources.filter((s) => s.url === `/api/crawls/${C}/events`).at(-1)!;
    act(() => stream.emit({ id: C, status: "running", pages_crawled: 1234, pages_discovered: 2000 }));
    await waitFor(() => expect(screen.getByTestId("stat-pages")).toHaveTextContent("1,234"));
    current = { ...crawlFixture, pages_crawled: 3 };
    act(() => stream.emit({ type: "CrawlCompleted", data: { crawl_id: C } }));
    await waitFor(() => expect(screen.getByTestId("crawl-status")).toHaveAttribute("data-status", "completed"), { timeout: 3000 });
    expect(screen.getByTestId("stat-pages")).toHaveTextContent("3");
    expect(stream.readyState).toBe(2);
  });
});
