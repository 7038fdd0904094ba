import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { keys } from "../../api/queries";
import { crawlFixture, json, pageFixture, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;
const verdict = (token: string, operator: string, purpose: string, v: string, group = "own") => ({ token, operator, purpose, verdict: v, group, line: null, note: "" });
const REPORT = {
  crawl_id: C,
  origin: "https://example.com",
  robots_txt: { kind: "robots.txt", origin: "https://example.com", url: "https://example.com/robots.txt", status: 200, outcome: "rules", problem_count: 2, sitemaps: [{ value: "https://example.com/sitemap.xml" }], exists: true },
  llms_txt: { kind: "llms.txt", origin: "https://example.com", url: "https://example.com/llms.txt", status: 200, exists: true, problem_count: 1 },
  ai_crawlers: [verdict("GPTBot", "OpenAI", "training", "blocked"), verdict("PerplexityBot", "Perplexity", "search", "partly blocked", "*"), verdict("ClaudeBot", "Anthropic", "training", "allowed")],
};

function stub(report: unknown) {
  return stubFetch((url) => {
    if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
    if (url.pathname === `/api/crawls/${C}/pages`) return json({ items: [pageFixture(1)], total: 1, next_cursor: null });
    if (url.pathname === `/api/crawls/${C}/issues`) return json({ crawl_id: C, totals: {}, items: [], next_cursor: null });
    if (url.pathname === "/api/crawls") return json({ items: [crawlFixture], next_cursor: null });
    if (url.pathname === `/api/crawls/${C}/robots`) return json(report);
    return undefined;
  });
}

describe("robots.txt card", () => {
  it("lists every sitemap read with why it could not be read", async () => {
    const sitemaps = [
      { url: "https://example.com/sitemap.xml", found_in: "robots.txt", index: null, status: 200, kind: "urlset", urls: 120, error: null },
      { url: "https://example.com/broken.xml", found_in: "robots.txt", index: null, status: 200, kind: "urlset", urls: 0, error: "not well-formed XML (line 1): Premature end of data" },
      { url: "https://example.com/part-2.xml", found_in: "index", index: "https://example.com/index.xml", status: null, kind: null, urls: 0, error: "no answer" },
    ];
    stub({ ...REPORT, sitemaps });
    renderAt(`/crawls/${C}`);
    const table = await screen.findByTestId("sitemaps-read");
    const errors = within(table).getAllByTestId("sitemap-error").map((e) => e.textContent);
    expect(errors).toEqual(["not well-formed XML (line 1): Premature end of data", "no answer"]);
    expect(table).toHaveTextContent("the index https://example.com/index.xml");
    expect(table).toHaveTextContent("120");
  });

  it("lists what robots.txt tells each AI crawler, and what was read, in the reader's language", async () => {
    stub(REPORT);
    renderAt(`/crawls/${C}`);
    const card = await screen.findByTestId("robots-report");
    expect(within(card).getByTestId("ai-GPTBot")).toHaveTextContent("blocked");
    expect(within(card).getByTestId("ai-PerplexityBot")).toHaveTextContent("partly blocked (rules for *)");
    expect(within(card).getByTestId("ai-ClaudeBot")).toHaveAttribute("data-verdict", "allowed");
    expect(within(card).getByTestId("robots-summary")).toHaveTextContent("2 syntax problems, 1 sitemap named");
    expect(within(card).getByTestId("llms-summary")).toHaveTextContent("does not follow the llmstxt.org format (1 problem)");
  });

  it("is in Russian for a Russian reader, and absent until robots.txt has been read", async () => {
    stub(REPORT);
    renderAt(`/crawls/${C}`, "ru");
    expect(await screen.findByTestId("ai-GPTBot")).toHaveTextContent("закрыто");
    expect(screen.getByTestId("robots-summary")).toHaveTextContent("2 синтаксические ошибки");
  });

  it("shows nothing for a crawl that has not read robots.txt yet", async () => {
    stub({ ...REPORT, robots_txt: null, llms_txt: null, ai_crawlers: [] });
    const { client } = renderAt(`/crawls/${C}`);
    expect(await screen.findByTestId("chart-status")).toBeInTheDocument();
    await waitFor(() => expect(client.getQueryData(keys.robots(C))).toBeDefined()); // the answer is in
    expect(screen.queryByTestId("robots-report")).not.toBeInTheDocument();
  });
});
