import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, renderAt, stubFetch } from "../../test/render";

const alert = {
  id: "a1", site_id: "s1", site_name: "shop.example", rule_id: "r1", kind: "pages_broken", params: { min_pages: 1 },
  crawl_id: "c2", previous_crawl_id: "c1", title: "shop.example: 1 page stopped answering 200",
  evidence: { count: 1, items: [{ url: "https://shop.example/a", before: 200, after: "500" }], truncated: false, link: "/crawls/c2/compare/c1" },
  raised_at: "2026-11-27T08:06:00.000000+00:00",
  deliveries: [
    { id: "d1", channel_id: "ch1", channel_name: "Hook", channel_type: "webhook", status: "delivered", attempts: 4, last_error: "the webhook answered HTTP 500", delivered_at: "2026-11-27T08:06:03.000000+00:00", next_attempt_at: null },
    { id: "d2", channel_id: "ch2", channel_name: "Mail", channel_type: "email", status: "failed", attempts: 6, last_error: "the mail server refused the username or password", delivered_at: null, next_attempt_at: null },
  ],
};

describe("alerts", () => {
  it("lists what fired, why, and each delivery's status and last error; filters by site", async () => {
    const calls = stubFetch((url) => {
      if (url.pathname === "/api/sites") return json({ items: [{ id: "s1", name: "shop.example" }] });
      if (url.pathname === "/api/alerts") return json({ items: url.searchParams.get("site_id") === "s1" ? [alert] : [alert], next_cursor: null });
      return undefined;
    });
    renderAt("/alerts");
    const row = await screen.findByTestId("alert-row");
    expect(row).toHaveTextContent("shop.example: 1 page stopped answering 200");
    const [hook, mail] = within(row).getAllByTestId("delivery");
    expect(hook).toHaveTextContent("Hook: delivered (4 attempts)");
    expect(mail).toHaveTextContent("Mail: failed (6 attempts) the mail server refused the username or password");
    await userEvent.click(within(row).getByText("Why"));
    expect(within(row).getByText("https://shop.example/a").closest("li")).toHaveTextContent("https://shop.example/a: 200 → 500");
    expect(within(row).getByRole("link", { name: "Full comparison" })).toHaveAttribute("href", "/crawls/c2/compare/c1");
    await userEvent.selectOptions(await screen.findByLabelText("Site"), "s1");
    await screen.findByTestId("alert-row");
    expect(calls.some((c) => c.url.pathname === "/api/alerts" && c.url.searchParams.get("site_id") === "s1")).toBe(true);
  });

  it("keeps the alerts of a deleted site, saying so instead of linking to a page that is gone", async () => {
    stubFetch((url) => {
      if (url.pathname === "/api/sites") return json({ items: [] });
      if (url.pathname === "/api/alerts") return json({ items: [{ ...alert, site_name: null }], next_cursor: null });
      return undefined;
    });
    renderAt("/alerts");
    const row = await screen.findByTestId("alert-row");
    expect(row).toHaveTextContent("a deleted site");
    expect(within(row).queryByRole("link", { name: "s1" })).toBeNull();
  });

  it("creates a channel without echoing its secret, sends a test message and says how it went", async () => {
    let channels: unknown[] = [];
    const bodies: unknown[] = [];
    stubFetch((url, init) => {
      if (url.pathname === "/api/channels" && init?.method === "POST") {
        const body = JSON.parse(String(init.body));
        bodies.push(body);
        const channel = { id: "ch9", type: body.type, name: body.name, language: body.language, config: { chat_id: body.config.chat_id }, secrets_set: ["bot_token"], created_at: "2026-11-28T08:00:00.000000+00:00" };
        channels = [channel];
        return json(channel, 201);
      }
      if (url.pathname === "/api/channels") return json({ items: channels });
      if (url.pathname === "/api/channels/ch9/test") return json({ delivered: true, detail: "sent" });
      if (url.pathname === "/api/channels/ch9" && init?.method === "DELETE") {
        channels = [];
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    renderAt("/channels", "ru");
    await screen.findByText("Каналов пока нет.");
    await userEvent.selectOptions(screen.getByLabelText("Тип"), "telegram");
    await userEvent.type(screen.getByLabelText("Название"), "Ops chat");
    await userEvent.selectOptions(screen.getByLabelText("Язык сообщений"), "ru");
    await userEvent.type(screen.getByLabelText("Токен бота"), "123:secret");
    await userEvent.type(screen.getByLabelText("Id чата"), "-100");
    await userEvent.click(screen.getByRole("button", { name: "Создать канал" }));
    const row = await screen.findByTestId("channel-row");
    expect(row).not.toHaveTextContent("123:secret");
    expect(bodies).toEqual([{ type: "telegram", name: "Ops chat", language: "ru", config: { bot_token: "123:secret", chat_id: "-100" } }]);
    await userEvent.click(within(row).getByRole("button", { name: "Отправить тестовое сообщение" }));
    expect(await within(row).findByTestId("test-result")).toHaveTextContent("Доставлено: sent");
    vi.spyOn(window, "confirm").mockReturnValue(true);
    await userEvent.click(within(row).getByRole("button", { name: "Удалить" }));
    expect(await screen.findByText("Каналов пока нет.")).toBeInTheDocument();
  });
});
