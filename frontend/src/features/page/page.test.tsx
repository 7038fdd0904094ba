import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { catalogueFixture, crawlFixture, json, pageFixture, renderAt, stubFetch } from "../../test/render";

const C = crawlFixture.id;

describe("crawled data is hostile", () => {
  it("renders a title and h1 full of markup as text, runs nothing and adds no elements", async () => {
    const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    stubFetch((url) => {
      if (url.pathname === `/api/crawls/${C}/pages/5`) {
        return json({ ...pageFixture(5, { title: evil, h1: [evil], meta_description: evil }), inlinks: [{ page_id: 1, url: "https://example.com/", anchor: evil, rel: null }], outlinks: [], issues: [{ code: "title_too_short", severity: "notice", title: "Title too short", details: { value: evil } }] });
      }
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
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
      if (url.pathname === "/api/issues/catalogue") return json(catalogueFixture);
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
