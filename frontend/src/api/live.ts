/**
 * Live crawl state over Server-Sent Events (GET /api/crawls/{id}/events and /api/crawls/events),
 * merged into the TanStack Query cache, so every view showing a crawl moves with it.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "./client";
import { crawlQuery, keys, patchCrawl, upsertCrawl } from "./queries";
import type { Crawl, CrawlStatus } from "./types";

export const FINAL: ReadonlySet<CrawlStatus> = new Set(["completed", "failed", "cancelled"]);
const STATUSES: ReadonlySet<string> = new Set(["queued", "running", "paused", "completed", "failed", "cancelled"]);
const NUMBERS = ["pages_crawled", "pages_discovered", "issues_count", "errors_count"] as const;

/** The SSE event names the api sends: a `snapshot` first, then the crawl's event types. */
export const EVENT_NAMES = [
  "snapshot", "CrawlRequested", "CrawlStarted", "CrawlProgressed", "PagesCrawled", "IssuesDetected", "LinkScoresComputed", "CrawlCompleted",
  "CrawlFailed", "CrawlAttemptFailed", "CrawlRequeued", "CrawlReleased", "LeaseExpired", "CrawlPaused", "CrawlResumed",
  "CrawlCancelled",
];

/** The crawl fields an SSE payload carries, whatever envelope it comes in. */
export function crawlFieldsOf(data: unknown, crawlId: string): Partial<Crawl> {
  if (typeof data !== "object" || data === null) return {};
  const obj = data as Record<string, unknown>;
  for (const key of ["crawl", "data", "payload"]) {
    const inner = obj[key];
    if (typeof inner === "object" && inner !== null) {
      const nested = crawlFieldsOf(inner, crawlId);
      if (Object.keys(nested).length) return nested;
    }
  }
  const id = obj.crawl_id ?? obj.id;
  if (id !== undefined && String(id) !== crawlId) return {};
  const out: Partial<Crawl> = {};
  if (typeof obj.status === "string" && STATUSES.has(obj.status)) out.status = obj.status as CrawlStatus;
  for (const key of NUMBERS) {
    if (typeof obj[key] === "number") out[key] = obj[key] as number;
  }
  if (typeof obj.error === "string") out.error = obj.error;
  return out;
}

/**
 * Open an EventSource that survives refusals: the browser retries a dropped stream by itself,
 * but gives up for good on an HTTP error (the api answers 503 when too many streams are open),
 * so then we reopen it ourselves with a growing delay. Returns the function that closes it.
 */
export function followStream(url: string, onMessage: (message: MessageEvent<string>) => void, onOpen?: () => void): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let delay = 2000;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    source = new EventSource(url);
    source.onmessage = onMessage;
    for (const name of EVENT_NAMES) source.addEventListener(name, onMessage as EventListener);
    source.onopen = () => {
      delay = 2000;
      onOpen?.();
    };
    source.onerror = () => {
      if (source?.readyState !== EventSource.CLOSED || stopped) return;
      retry = setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    };
  };
  open();
  return () => {
    stopped = true;
    source?.close();
    if (retry !== null) clearTimeout(retry);
  };
}

/**
 * Follow one crawl while `active`: fields an event carries are merged into the query cache at
 * once, and every event (and every reconnect, which may have missed some) prompts a re-read of
 * the crawl, at most once per `throttleMs`, so the screen converges on the api's own state.
 * Whoever shows the crawl stops following it by passing `active = false` once it is final.
 */
export function useLiveCrawl(crawlId: string | undefined, active: boolean, throttleMs = 1000): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!crawlId || !active || typeof EventSource === "undefined") return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;

    const refresh = () => {
      if (timer !== null || closed) return;
      timer = setTimeout(() => {
        timer = null;
        if (closed) return;
        client.fetchQuery({ ...crawlQuery(crawlId), staleTime: 0 }).then(
          (crawl) => !closed && upsertCrawl(client, crawl),
          () => undefined, // the next event retries
        );
      }, throttleMs);
    };
    const onMessage = (message: MessageEvent<string>) => {
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        // a heartbeat or plain text: only the re-read matters
      }
      const fields = crawlFieldsOf(parsed, crawlId);
      if (Object.keys(fields).length) patchCrawl(client, crawlId, fields);
      refresh();
    };
    const close = followStream(api.eventsUrl(crawlId), onMessage, refresh);
    return () => {
      closed = true;
      close();
      if (timer !== null) clearTimeout(timer);
    };
  }, [client, crawlId, active, throttleMs]);
}

/**
 * Follow the crawl list's stream (GET /api/crawls/events): every event that names a crawl re-reads
 * just that crawl (at most once per `throttleMs` per crawl) into the cache, list included; a
 * reconnect, which may have missed events, re-reads the whole list.
 */
export function useLiveCrawlList(throttleMs = 1000): void {
  const client = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const onMessage = (message: MessageEvent<string>) => {
      let id: unknown;
      try {
        const parsed = JSON.parse(message.data) as { data?: { crawl_id?: unknown } };
        id = parsed.data?.crawl_id;
      } catch {
        return;
      }
      if (typeof id !== "string" || timers.has(id)) return;
      const crawlId = id;
      timers.set(
        crawlId,
        setTimeout(() => {
          timers.delete(crawlId);
          client.fetchQuery({ ...crawlQuery(crawlId), staleTime: 0 }).then(
            (crawl) => upsertCrawl(client, crawl),
            () => undefined,
          );
        }, throttleMs),
      );
    };
    let opened = false;
    const close = followStream(api.listEventsUrl(), onMessage, () => {
      if (opened) void client.invalidateQueries({ queryKey: keys.crawlList() });
      opened = true;
    });
    return () => {
      close();
      for (const timer of timers.values()) clearTimeout(timer);
    };
  }, [client, throttleMs]);
}
