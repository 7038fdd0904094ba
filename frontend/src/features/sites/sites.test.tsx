import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, renderAt, stubFetch } from "../../test/render";

const SITE = "44444444-4444-4444-8444-444444444444";
const site = {
  id: SITE, url: "https://shop.example/", origin: "https://shop.example", name: "shop.example",
  settings: { crawl: {}, retention: 20 }, created_at: "2026-11-01T08:00:00.000000+00:00", updated_at: "2026-11-01T08:00:00.000000+00:00",
  crawls_count: 2, latest_crawl: { id: "c2", status: "completed", created_at: "2026-11-27T08:00:00.000000+00:00", finished_at: "2026-11-27T08:05:00.000000+00:00", pages_crawled: 120 },
  last_completed_crawl_id: "c2", previous_completed_crawl_id: "c1", health_score: 81.5, health_change: -6.5,
  issues: { error: 3, warning: 1, notice: 12 }, pages_crawled: 120, next_run_at: "2026-11-28T03:00:00.000000+00:00",
  purged_crawls: 0, bytes_freed: 0, health_trend: [88, 81.5],
};
const history = [
  { crawl_id: "c1", created_at: "2026-11-26T08:00:00.000000+00:00", finished_at: "2026-11-26T08:05:00.000000+00:00", pages_crawled: 118, health_score: 88, issues: { error: 1, warning: 1, notice: 10 }, indexable_pages: 100, response_time_p50: 120, response_time_p95: 480, purged: false },
  { crawl_id: "c2", created_at: "2026-11-27T08:00:00.000000+00:00", finished_at: "2026-11-27T08:05:00.000000+00:00", pages_crawled: 120, health_score: 81.5, issues: { error: 3, warning: 1, notice: 12 }, indexable_pages: 99, response_time_p50: 130, response_time_p95: 510, purged: false },
];

describe("sites", () => {
  it("is the home page: a card per site with its health, the change, issues and the next run", async () => {
    stubFetch((url) => (url.pathname === "/api/sites" ? json({ items: [site] }) : undefined));
    renderAt("/");
    const card = await screen.findByTestId("site-card");
    expect(within(card).getByRole("link", { name: "shop.example" })).toHaveAttribute("href", `/sites/${SITE}`);
    expect(within(card).getByTestId("site-health")).toHaveTextContent("Health 81.5");
    expect(within(card).getByTestId("site-health")).toHaveTextContent("-6.5 since the previous crawl");
    expect(within(card).getByTestId("site-issues")).toHaveTextContent("3 errors, 1 warning, 12 notices");
  });

  it("says the issue counts with Russian plurals", async () => {
    stubFetch((url) => (url.pathname === "/api/sites" ? json({ items: [site] }) : undefined));
    renderAt("/", "ru");
    const card = await screen.findByTestId("site-card");
    expect(within(card).getByTestId("site-issues")).toHaveTextContent("3 ошибки, 1 предупреждение, 12 замечаний");
  });

  it("adds a site and shows the api's reason when it refuses", async () => {
    let posts = 0;
    stubFetch((url, init) => {
      if (url.pathname === "/api/sites" && init?.method === "POST") {
        posts += 1;
        if (posts === 1) return json({ title: "Conflict", status: 409, detail: "https://shop.example is a site already.", errors: [{ field: "url", message: "a site with this origin exists" }] }, 409, "application/problem+json");
        return json({ ...site, id: "55555555-5555-4555-8555-555555555555", name: "new.example", origin: "https://new.example", health_score: null, health_change: null, issues: null, health_trend: [], latest_crawl: null }, 201);
      }
      if (url.pathname === "/api/sites") return json({ items: [] });
      return undefined;
    });
    renderAt("/sites");
    await screen.findByText(/No sites yet/);
    await userEvent.type(screen.getByLabelText("Add a site"), "https://shop.example/");
    await userEvent.click(screen.getByRole("button", { name: "Add site" }));
    expect(await screen.findByText("a site with this origin exists")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Add site" }));
    expect(await screen.findByRole("link", { name: "new.example" })).toBeInTheDocument();
  });

  it("shows the site's trends, its last changes, history and adds an alert rule", async () => {
    const posted: unknown[] = [];
    stubFetch((url, init) => {
      if (url.pathname === `/api/sites/${SITE}`) return json(site);
      if (url.pathname === `/api/sites/${SITE}/history`) return json({ site_id: SITE, items: history });
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      if (url.pathname === "/api/schedules") return json({ items: [] });
      if (url.pathname === "/api/channels") return json({ items: [{ id: "ch1", type: "telegram", name: "Ops chat", language: "ru", config: { chat_id: "1" }, secrets_set: ["bot_token"], created_at: "2026-11-01T08:00:00.000000+00:00" }] });
      if (url.pathname === "/api/crawls/c2/compare/c1") return json({ before: "c1", after: "c2", site: "https://shop.example", pages: { added: 2, removed: 0, changed: 5 }, fields: {}, issues: { new: 4, fixed: 1, by_code: [] } });
      if (url.pathname === `/api/sites/${SITE}/alert-rules` && init?.method === "POST") {
        const body = JSON.parse(String(init.body));
        posted.push(body);
        return json({ id: "r1", site_id: SITE, created_at: "2026-11-28T08:00:00.000000+00:00", ...body }, 201);
      }
      if (url.pathname === `/api/sites/${SITE}/alert-rules`) return json({ items: [] });
      return undefined;
    });
    renderAt(`/sites/${SITE}`);
    expect(await screen.findByRole("heading", { name: "shop.example" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId("trend-chart")).toHaveLength(4));
    expect(await screen.findByTestId("last-changes")).toHaveTextContent("2 pages added, 0 removed, 5 changed; 4 new issues, 1 fixed.");
    expect(screen.getByTestId("site-history")).toHaveTextContent("81.5");
    await userEvent.click(await screen.findByLabelText("Ops chat"));
    await userEvent.click(screen.getByRole("button", { name: "Add rule" }));
    expect(await screen.findByTestId("rule-row")).toHaveTextContent("pages stopped answering 200");
    expect(posted).toEqual([{ kind: "pages_broken", params: { min_pages: 1 }, channels: ["ch1"] }]);
  });

  it("deletes a site after asking, saying that its crawls stay, and goes back to the dashboard", async () => {
    const deleted: string[] = [];
    stubFetch((url, init) => {
      if (url.pathname === `/api/sites/${SITE}` && init?.method === "DELETE") {
        deleted.push(url.pathname);
        return new Response(null, { status: 204 });
      }
      if (url.pathname === `/api/sites/${SITE}`) return json(site);
      if (url.pathname === `/api/sites/${SITE}/history`) return json({ site_id: SITE, items: history });
      if (url.pathname === "/api/crawls") return json({ items: [], next_cursor: null });
      if (url.pathname === "/api/schedules") return json({ items: [] });
      if (url.pathname === "/api/channels") return json({ items: [] });
      if (url.pathname === "/api/crawls/c2/compare/c1") return json({ before: "c1", after: "c2", site: "https://shop.example", pages: { added: 0, removed: 0, changed: 0 }, fields: {}, issues: { new: 0, fixed: 0, by_code: [] } });
      if (url.pathname === `/api/sites/${SITE}/alert-rules`) return json({ items: [] });
      if (url.pathname === "/api/sites") return json({ items: deleted.length ? [] : [site] });
      return undefined;
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    renderAt(`/sites/${SITE}`, "ru");
    await userEvent.click(await screen.findByRole("button", { name: "Удалить сайт" }));
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining("Его 2 сканирования останутся в списке сканирований, без сайта."));
    expect(deleted).toEqual([]); // the first answer was "no"
    await userEvent.click(screen.getByRole("button", { name: "Удалить сайт" }));
    await screen.findByText(/Сайтов пока нет/);
    expect(deleted).toEqual([`/api/sites/${SITE}`]);
    confirm.mockRestore();
  });
});
