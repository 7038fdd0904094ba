/**
 * The one QueryClient's defaults: server state is cached per query key, a failed read is retried
 * only when retrying can help (the network or the server, never a 4xx), and everything on screen
 * is re-read when the browser comes back online. Window focus does not refetch: live views follow
 * the api's event stream instead (api/live.ts), and a refetch of a 100,000-row list on every
 * focus would only cost.
 */
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";

const MAX_RETRIES = 3;

/** Retry a read that failed on the network (status 0), with a 5xx or with 429; never a 4xx answer. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= MAX_RETRIES) return false;
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/** 1 s, 2 s, 4 s … at most 10 s between attempts. */
export const retryDelay = (attempt: number) => Math.min(1000 * 2 ** attempt, 10_000);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: shouldRetry,
        retryDelay,
        refetchOnWindowFocus: false,
        refetchOnReconnect: true,
      },
      mutations: { retry: false },
    },
  });
}
