import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { crawlFixture, json, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("new crawl form", () => {
  const routes = (onPost: (body: unknown) => Response) =>
    stubFetch((url, init) => {
      if (url.pathname === "/api/crawls" && init?.method === "POST") return onPost(JSON.parse(String(init.body)));
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      return undefined;
    });

  it("checks the URL and the patterns before asking the api", async () => {
    const calls = routes(() => json({}, 500));
    renderAt("/crawls");
    await screen.findByText("No crawls yet. Start one with the form above.");
    await userEvent.type(screen.getByLabelText("Start URL"), "ftp://example.com");
    fireEvent.change(screen.getByLabelText(/^Include only/), { target: { value: "([" } });
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    expect(screen.getByText("Must start with http:// or https://.")).toBeInTheDocument();
    expect(screen.getByText(/Not a valid regular expression: \(\[/)).toBeInTheDocument();
    expect(calls.filter((c) => c.init?.method === "POST")).toHaveLength(0);
  });

  it("shows the api's 422 errors beside the fields they name", async () => {
    routes(() =>
      json(
        {
          title: "Unprocessable Content",
          status: 422,
          detail: "Invalid url: 127.0.0.1 is a loopback address",
          errors: [{ field: "url", message: "127.0.0.1 is a loopback address" }],
        },
        422,
        "application/problem+json",
      ),
    );
    renderAt("/crawls");
    await screen.findByText(/No crawls yet/);
    await userEvent.type(screen.getByLabelText("Start URL"), "http://127.0.0.1/");
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    const input = screen.getByLabelText("Start URL");
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText("127.0.0.1 is a loopback address")).toBeInTheDocument();
  });

  it("sends list mode as `urls` and adds the new crawl to the list", async () => {
    let sent: unknown;
    routes((body) => {
      sent = body;
      return json({ ...crawlFixture, status: "queued", pages_crawled: 0 }, 201);
    });
    renderAt("/crawls");
    await screen.findByText(/No crawls yet/);
    await userEvent.click(screen.getByLabelText(/^List:/));
    fireEvent.change(screen.getByLabelText("URLs, one per line"), { target: { value: "https://a.example/\n\nhttps://a.example/b\n" } });
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    expect(await screen.findByTestId("crawl-row")).toHaveTextContent("queued");
    expect(sent).toMatchObject({ mode: "list", urls: ["https://a.example/", "https://a.example/b"] });
    expect(sent).not.toHaveProperty("url");
  });

  it("asks for JavaScript rendering when the box is ticked, and not otherwise", async () => {
    const sent: unknown[] = [];
    routes((body) => {
      sent.push(body);
      return json({ ...crawlFixture, status: "queued", pages_crawled: 0 }, 201);
    });
    renderAt("/crawls");
    await screen.findByText(/No crawls yet/);
    await userEvent.type(screen.getByLabelText("Start URL"), "https://spa.example/");
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    await userEvent.type(screen.getByLabelText("Start URL"), "https://spa.example/");
    await userEvent.click(screen.getByLabelText("Render JavaScript (headless Chromium)"));
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[0]).toMatchObject({ url: "https://spa.example/" });
    expect(sent[0]).not.toHaveProperty("render"); // the api's default: off
    expect(sent[1]).toMatchObject({ url: "https://spa.example/", render: "chromium" });
  });
});

describe("extraction rules in the form", () => {
  it("tests the rules on the start URL with the form's credentials and sends them with the crawl", async () => {
    const tested: unknown[] = [];
    let sent: unknown;
    stubFetch((url, init) => {
      if (url.pathname === "/api/extraction/test") {
        tested.push(JSON.parse(String(init?.body)));
        return json({
          url: "https://shop.example/p/1", final_url: "https://shop.example/p/1", status_code: 200, content_type: "text/html",
          charset: "utf-8", error: null, fetch_ms: 12,
          rules: [
            { name: "price", type: "css", value: "<b>$19.99</b>", error: null, search: null, reported: null },
            { name: "Out of stock", type: "text", value: 0, error: null, search: "contains", reported: false },
          ],
        });
      }
      if (url.pathname === "/api/crawls" && init?.method === "POST") {
        sent = JSON.parse(String(init.body));
        return json({ ...crawlFixture, status: "queued", pages_crawled: 0 }, 201);
      }
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      return undefined;
    });
    renderAt("/crawls");
    await screen.findByText(/No crawls yet/);
    await userEvent.type(screen.getByLabelText("Start URL"), "https://shop.example/p/1");
    await userEvent.click(screen.getByText("Custom extraction"));
    await userEvent.click(screen.getByTestId("rule-add"));
    await userEvent.click(screen.getByTestId("rule-add"));
    const [first, second] = screen.getAllByTestId("extraction-rule");
    await userEvent.type(within(first!).getByTestId("rule-name"), "price");
    await userEvent.type(within(first!).getByTestId("rule-expression"), ".price");
    await userEvent.type(within(second!).getByTestId("rule-name"), "Out of stock");
    await userEvent.selectOptions(within(second!).getByTestId("rule-type"), "text");
    await userEvent.type(within(second!).getByTestId("rule-expression"), "Out of stock");
    await userEvent.selectOptions(within(second!).getByTestId("rule-search"), "contains");
    await userEvent.click(screen.getByText("Authentication"));
    await userEvent.type(screen.getByLabelText("Basic auth user"), "auditor");
    await userEvent.type(screen.getByLabelText("Basic auth password"), "pw");
    await userEvent.click(screen.getByTestId("rule-test"));
    const rows = await screen.findAllByTestId("rule-test-row");
    expect(rows[0]).toHaveTextContent("<b>$19.99</b>"); // crawled text shown as text, never as HTML
    expect(rows[1]).toHaveTextContent("this page would not be reported");
    expect(tested[0]).toEqual({
      url: "https://shop.example/p/1",
      extraction: [
        { name: "price", type: "css", expression: ".price" },
        { name: "Out of stock", type: "text", expression: "Out of stock", value: "count", search: "contains" },
      ],
      auth: { basic: { username: "auditor", password: "pw" } },
    });
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    await waitFor(() => expect(sent).toMatchObject({ extraction: (tested[0] as { extraction: unknown }).extraction }));
  });

  it("names a rule's problem on its row, the form's or the api's", async () => {
    stubFetch((url, init) => {
      if (url.pathname === "/api/crawls" && init?.method === "POST") {
        return json({ status: 422, title: "x", detail: "Invalid extraction.0", errors: [{ field: "extraction.0", message: "rule 'a': 'div[' is not a CSS selector" }] }, 422, "application/problem+json");
      }
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      return undefined;
    });
    renderAt("/crawls");
    await screen.findByText(/No crawls yet/);
    await userEvent.type(screen.getByLabelText("Start URL"), "https://shop.example/");
    await userEvent.click(screen.getByText("Custom extraction"));
    await userEvent.click(screen.getByTestId("rule-add"));
    fireEvent.change(screen.getByTestId("rule-expression"), { target: { value: "div[" } });
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    expect(within(screen.getByTestId("extraction-rule")).getByRole("alert")).toHaveTextContent("A rule needs a name.");
    await userEvent.type(screen.getByTestId("rule-name"), "a");
    await userEvent.click(screen.getByRole("button", { name: "Start crawl" }));
    expect(await within(screen.getByTestId("extraction-rule")).findByRole("alert")).toHaveTextContent("is not a CSS selector");
  });
});

describe("language", () => {
  it("switches the whole interface to Russian", async () => {
    stubFetch((url) => (url.pathname === "/api/crawls" ? json({ items: [crawlFixture], next_cursor: null }) : undefined));
    renderAt("/crawls");
    await screen.findByTestId("crawl-row");
    await userEvent.selectOptions(screen.getByTestId("language"), "ru");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Сканирования");
    expect(screen.getByRole("button", { name: "Начать сканирование" })).toBeInTheDocument();
    expect(screen.getByTestId("crawl-row")).toHaveTextContent("завершено");
  });
});

describe("crawl actions", () => {
  it("pauses a running crawl and shows the new state", async () => {
    const running = { ...crawlFixture, status: "running" as const, finished_at: null, pages_crawled: 1, pages_discovered: 10 };
    stubFetch((url, init) => {
      if (url.pathname === "/api/crawls" && init?.method === "GET") return json({ items: [running], next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/pause` && init?.method === "POST") return json({ ...running, status: "paused" });
      return undefined;
    });
    renderAt("/crawls");
    const row = await screen.findByTestId("crawl-row");
    expect(within(row).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "10");
    await userEvent.click(within(row).getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(screen.getByTestId("crawl-row")).toHaveAttribute("data-status", "paused"));
    expect(within(screen.getByTestId("crawl-row")).getByRole("button", { name: "Resume" })).toBeInTheDocument();
  });
});
