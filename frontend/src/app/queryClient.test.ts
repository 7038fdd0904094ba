// @vitest-environment node
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { retryDelay, shouldRetry } from "./queryClient";

describe("when a failed read is tried again", () => {
  it("retries the network, a busy or failing server, a few times", () => {
    expect(shouldRetry(0, new ApiError({ status: 0, detail: "network" }))).toBe(true);
    expect(shouldRetry(1, new ApiError({ status: 503 }))).toBe(true);
    expect(shouldRetry(2, new ApiError({ status: 429 }))).toBe(true);
    expect(shouldRetry(3, new ApiError({ status: 503 }))).toBe(false);
  });

  it("never retries an answer that will not change: 401, 404, 422", () => {
    for (const status of [400, 401, 403, 404, 422]) expect(shouldRetry(0, new ApiError({ status })), String(status)).toBe(false);
    expect(shouldRetry(0, new Error("a bug"))).toBe(false);
  });

  it("waits longer each time, at most 10 s", () => {
    expect([0, 1, 2, 5].map(retryDelay)).toEqual([1000, 2000, 4000, 10000]);
  });
});
