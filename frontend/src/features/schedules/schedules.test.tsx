import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, renderAt, stubFetch } from "../../test/render";


/** The api's preview: five daily runs for a valid five-field expression, a 422 naming `cron` otherwise. */
function preview(url: URL): Response {
  const cron = url.searchParams.get("cron") ?? "";
  if (!/^[0-9*/,-]+( [0-9*/,-]+){4}$/.test(cron) || cron.startsWith("61")) {
    return json({ title: "Unprocessable Content", status: 422, detail: "Invalid cron", errors: [{ field: "cron", message: "not valid" }] }, 422, "application/problem+json");
  }
  const times = [1, 2, 3, 4, 5].map((d) => `2036-01-0${d}T03:00:00.000000+00:00`);
  return json({ cron, timezone: url.searchParams.get("timezone"), next_fire_times: times });
}

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
      if (url.pathname === "/api/schedules/preview") return preview(url);
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
    await waitFor(() => expect(screen.getByTestId("cron-next").querySelectorAll("li")).toHaveLength(5));
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
    const calls = stubFetch((url) => (url.pathname === "/api/schedules/preview" ? preview(url) : url.pathname === "/api/schedules" ? json({ items: [] }) : undefined));
    renderAt("/schedules");
    const cron = await screen.findByLabelText("When (cron)");
    await userEvent.clear(cron);
    await userEvent.type(cron, "61 * * * *");
    expect(await screen.findByTestId("cron-error")).toHaveTextContent(/Not a valid cron expression/);
    // the api was asked once typing paused, not once per key
    expect(calls.filter((c) => c.url.pathname === "/api/schedules/preview").map((c) => c.url.searchParams.get("cron"))).toEqual(["0 3 * * *", "61 * * * *"]);
  });

  it("puts the expression in words and lists the runs the api computed, in Russian too", async () => {
    stubFetch((url) => (url.pathname === "/api/schedules/preview" ? preview(url) : url.pathname === "/api/schedules" ? json({ items: [] }) : undefined));
    renderAt("/schedules", "ru");
    expect(await screen.findByTestId("cron-words")).toHaveTextContent("В 03:00");
    const runs = await screen.findByTestId("cron-next");
    expect(runs.querySelectorAll("li")).toHaveLength(5);
    expect(runs.querySelector("li")).toHaveTextContent(/2036.*03:00/);
  });
});
