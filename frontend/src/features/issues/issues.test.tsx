import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { crawlFixture, json, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("issues", () => {
  it("groups by code, most severe first, and drills down to the URLs with the explanation", async () => {
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}`) return json(crawlFixture);
      if (url.pathname !== `/api/crawls/${C}/issues`) return undefined;
      const items = [
        { code: "title_too_short", severity: "notice", count: 9, site_wide: true, title: "Title too short", explanation: "Short.", fix: "Lengthen it.", evidence: { family: "length", columns: ["value", "length"], unit: null } },
        { code: "status_4xx", severity: "error", count: 2, title: "Client error", explanation: "Broken.", fix: "Fix the link.", evidence: { family: "response", columns: ["status", "reason"], unit: null } },
      ];
      const urls =
        url.searchParams.get("code") === "status_4xx" ? [{ page_id: 3, url: "https://example.com/gone", status_code: 404, details: { status_code: 404 }, evidence: [{ status: 404, reason: null }], group: null }] : null;
      return json({ crawl_id: C, totals: { error: 2, warning: 0, notice: 9 }, items, urls, next_cursor: null });
    });
    renderAt(`/crawls/${C}/issues`);
    const rows = await screen.findAllByTestId("issue-row");
    expect(rows.map((r) => r.dataset.code)).toEqual(["status_4xx", "title_too_short"]);
    // a code on (nearly) every page is one template problem: marked site-wide
    expect(within(rows[1]!).getByTestId("site-wide-title_too_short")).toHaveTextContent("site-wide");
    expect(within(rows[0]!).queryByTestId("site-wide-status_4xx")).not.toBeInTheDocument();
    await userEvent.click(within(rows[0]!).getByRole("button", { name: "Client error" }));
    const detail = await screen.findByTestId("issue-detail");
    expect(within(detail).getByTestId("issue-fix")).toHaveTextContent("Fix the link.");
    expect(await within(detail).findByText("https://example.com/gone")).toHaveAttribute("href", `/crawls/${C}/pages/3`);
    // evidence as a table with a column per thing the rule saw, never JSON
    const row = within(detail).getByTestId("evidence-row");
    expect(row).toHaveTextContent("404");
    expect(detail.textContent).not.toContain("{");
  });

  it("shows an empty state and an error state in words", async () => {
    stubFetch(() => json({ title: "Not Found", status: 404, detail: `No crawl has the id ${C}.` }, 404, "application/problem+json"));
    renderAt(`/crawls/${C}/issues`);
    expect(await screen.findByRole("alert")).toHaveTextContent(`Not found: No crawl has the id ${C}.`);
  });
});
