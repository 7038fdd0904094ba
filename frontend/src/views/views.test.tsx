import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { crawlFixture, json, pageFixture, renderAt, stubFetch } from "../test/render";

const C = crawlFixture.id;
const catalogue = {
  items: [
    { code: "title_too_short", severity: "notice", scope: "page", threshold: null, title: "Title too short", explanation: "Short titles waste space.", fix: "Write a title of 30 to 60 characters." },
  ],
};

describe("login", () => {
  it("posts the token and says in words when it is refused", async () => {
    const calls = stubFetch((url, init) => {
      if (url.pathname === "/api/session" && init?.method === "POST") {
        return json({ type: "about:blank", title: "Unauthorized", status: 401, detail: "That token is not valid." }, 401, "application/problem+json");
      }
      return undefined;
    });
    renderAt("/login");
    await userEvent.type(screen.getByLabelText("API token"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That token was not accepted.");
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ token: "nope" });
  });
});

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
});

describe("crawled data is hostile", () => {
  it("renders a title and h1 full of markup as text, runs nothing and adds no elements", async () => {
    const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/5`) {
        return json({ ...pageFixture(5, { title: evil, h1: [evil], meta_description: evil }), inlinks: [{ page_id: 1, url: "https://example.com/", anchor: evil, rel: null }], outlinks: [], issues: [{ code: "title_too_short", severity: "notice", title: "Title too short", details: { value: evil } }] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogue);
      return undefined;
    });
    const { container } = renderAt(`/crawls/${C}/pages/5`);
    expect(await screen.findByTestId("page-title")).toHaveTextContent(evil);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(await screen.findByText("Write a title of 30 to 60 characters.")).toBeInTheDocument();
  });
});

describe("issues", () => {
  it("groups by code, most severe first, and drills down to the URLs with the explanation", async () => {
    stubFetch((url) => {
      if (url.pathname !== `/api/crawls/${C}/issues`) return undefined;
      const items = [
        { code: "title_too_short", severity: "notice", count: 9, title: "Title too short", explanation: "Short.", fix: "Lengthen it." },
        { code: "status_4xx", severity: "error", count: 2, title: "Client error", explanation: "Broken.", fix: "Fix the link." },
      ];
      const urls = url.searchParams.get("code") === "status_4xx" ? [{ page_id: 3, url: "https://example.com/gone", status_code: 404, details: {} }] : null;
      return json({ crawl_id: C, totals: { error: 2, warning: 0, notice: 9 }, items, urls, next_cursor: null });
    });
    renderAt(`/crawls/${C}/issues`);
    const rows = await screen.findAllByTestId("issue-row");
    expect(rows.map((r) => r.dataset.code)).toEqual(["status_4xx", "title_too_short"]);
    await userEvent.click(within(rows[0]!).getByRole("button", { name: "Client error" }));
    const detail = await screen.findByTestId("issue-detail");
    expect(within(detail).getByTestId("issue-fix")).toHaveTextContent("Fix the link.");
    expect(await within(detail).findByText("https://example.com/gone")).toHaveAttribute("href", `/crawls/${C}/pages/3`);
  });

  it("shows an empty state and an error state in words", async () => {
    stubFetch(() => json({ title: "Not Found", status: 404, detail: `No crawl has the id ${C}.` }, 404, "application/problem+json"));
    renderAt(`/crawls/${C}/issues`);
    expect(await screen.findByRole("alert")).toHaveTextContent(`Not found: No crawl has the id ${C}.`);
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

describe("overview", () => {
  it("shows key numbers and the four charts from the pages and issues", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
      if (url.pathname === `/api/crawls/${C}/pages`) return json({ items: [pageFixture(1), pageFixture(2, { status_code: 404, depth: 2, response_time_ms: 900 }), pageFixture(3)], total: 3, next_cursor: null });
      if (url.pathname === `/api/crawls/${C}/issues`) return json({ crawl_id: C, totals: { error: 1, warning: 0, notice: 1 }, items: [{ code: "status_4xx", severity: "error", count: 1, title: "x", explanation: "", fix: "" }], next_cursor: null });
      if (url.pathname === "/api/crawls") return json({ items: [crawlFixture], next_cursor: null });
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
          changed: [{ url: "https://example.com/a", page_id: 2, fields: { title: { before: "Old <b>title</b>", after: "New title" } } }],
        };
        return json(kind ? { ...base, kind, items: items[kind] ?? [], next_cursor: null } : base);
      }
      if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
      if (url.pathname === `/api/crawls/${before}`) return json({ ...crawlFixture, id: before, created_at: "2026-11-20T08:00:00.000000+00:00" });
      if (url.pathname === "/api/issues/catalogue") return json(catalogue);
      return undefined;
    });
    const { container } = renderAt(`/crawls/${C}/compare/${before}`);
    expect(await screen.findByText("Changed pages per field: Title: 1")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "https://example.com/new" })).toHaveAttribute("href", `/crawls/${C}/pages/9`);
    expect(await screen.findByRole("link", { name: "https://example.com/old" })).toHaveAttribute("href", `/crawls/${before}/pages/4`);
    expect(await screen.findByText("Old <b>title</b>")).toBeInTheDocument();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByTestId("compare-issues_new")).toHaveTextContent("No differences.");
  });
});

describe("schedules", () => {
  it("creates a schedule, shows the api's field error in place, and deletes after confirming", async () => {
    const schedule = { id: "33333333-3333-4333-8333-333333333333", url: "https://example.com/", cron: "0 3 * * *", timezone: "UTC", settings: { max_pages: 10000 }, created_at: "2026-11-27T08:00:00.000000+00:00", last_fire_at: null, last_crawl_id: null, next_fire_times: ["2026-11-28T03:00:00.000000+00:00"] };
    let listed: unknown[] = [];
    let posts = 0;
    stubFetch((url, init) => {
      if (url.pathname === "/api/schedules" && init?.method === "POST") {
        posts += 1;
        if (posts === 1) {
          return json({ title: "Unprocessable Content", status: 422, detail: "Invalid timezone", errors: [{ field: "timezone", message: "'Mars/Olympus' is not a known IANA time zone" }] }, 422, "application/problem+json");
        }
        listed = [schedule];
        return json(schedule, 201);
      }
      if (url.pathname === "/api/schedules") return json({ items: listed });
      if (url.pathname === `/api/schedules/${schedule.id}` && init?.method === "DELETE") {
        listed = [];
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    renderAt("/schedules");
    await screen.findByText("No schedules yet.");
    await userEvent.type(screen.getByLabelText("Site URL"), "https://example.com/");
    expect(screen.getByTestId("cron-next").querySelectorAll("li")).toHaveLength(5);
    await userEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    expect(await screen.findByText("'Mars/Olympus' is not a known IANA time zone")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    const row = await screen.findByTestId("schedule-row");
    expect(row).toHaveTextContent("0 3 * * *");
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    await userEvent.click(within(row).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("No schedules yet.")).toBeInTheDocument();
    expect(confirm).toHaveBeenCalledWith("Delete the schedule for https://example.com/?");
  });

  it("says when a cron expression is not valid", async () => {
    stubFetch((url) => (url.pathname === "/api/schedules" ? json({ items: [] }) : undefined));
    renderAt("/schedules");
    const cron = await screen.findByLabelText("When (cron)");
    await userEvent.clear(cron);
    await userEvent.type(cron, "61 * * * *");
    expect(screen.getByText(/Not a valid cron expression/)).toBeInTheDocument();
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

describe("page detail", () => {
  it("lists a redirect chain that stopped, ending with where it pointed, unfetched", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/8`) {
        const chain = [
          { url: "https://example.com/loop-a", status_code: 301 },
          { url: "https://example.com/loop-b", status_code: 302 },
        ];
        return json({ ...pageFixture(8, { url: chain[0]!.url, status_code: 301, final_url: chain[0]!.url, redirect_chain: chain }), inlinks: [], outlinks: [], issues: [] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogue);
      return undefined;
    });
    renderAt(`/crawls/${C}/pages/8`);
    const hops = within(await screen.findByTestId("redirect-chain")).getAllByRole("listitem");
    expect(hops.map((h) => h.textContent?.trim())).toEqual([
      "301 https://example.com/loop-a",
      "302 https://example.com/loop-b",
      "— https://example.com/loop-a",
    ]);
  });
});
