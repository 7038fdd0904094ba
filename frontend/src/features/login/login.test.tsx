import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, renderAt, stubFetch } from "../../test/render";


describe("login", () => {
  it("posts the token and says in words when it is refused", async () => {
    const calls = stubFetch((url, init) => {
      if (url.pathname === "/api/session" && init?.method === "POST") {
        return json({ type: "about:blank", title: "Unauthorized", status: 401, detail: "That token is not valid." }, 401, "application/problem+json");
      }
      return undefined;
    });
    renderAt("/login");
    await userEvent.type(await screen.findByLabelText("API token"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That token was not accepted.");
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ token: "nope" });
  });
});
