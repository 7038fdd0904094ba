/**
 * Live crawl state over Server-Sent Events (GET /api/crawls/{id}/events).
 *
 * An event may carry crawl fields (merged at once); whatever it carries, it also prompts a
 * re-read of the crawl, throttled, so the screen converges on the api's own state. The stream
 * closes itself once the crawl reaches a final state.
 */
import { useEffect, useRef } from "react";
import { api } from "./client";
import type { Crawl, CrawlStatus } from "./types";

export const FINAL: ReadonlySet<CrawlStatus> = new Set(["completed", "failed", "cancelled"]);
const STATUSES: ReadonlySet<string> = new Set(["queued", "running", "paused", "completed", "failed", "cancelled"]);
const NUMBERS = ["pages_crawled", "pages_discovered", "issues_count", "errors_count"] as const;

/** The SSE event names the api sends: a `snapshot` first, then the crawl's event types. */
export const EVENT_NAMES = [
  "snapshot", "CrawlRequested", "CrawlStarted", "CrawlProgressed", "PagesCrawled", "IssuesDetected", "CrawlCompleted",
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

interface Options {
  onUpdate: (crawl: Crawl | ((old: Crawl) => Crawl)) => void;
  /** Called after each re-read, e.g. to refresh charts. */
  onRefresh?: () => void;
  throttleMs?: number;
}

/** Follow one crawl while `active`; returns nothing, reports through `onUpdate`. */
export function useCrawlEvents(crawlId: string | undefined, active: boolean, options: Options): void {
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (!crawlId || !active || typeof EventSource === "undefined") return;
    const throttle = optionsRef.current.throttleMs ?? 1000;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    const controller = new AbortController();

    const refresh = () => {
      if (timer !== null || closed) return;
      timer = setTimeout(() => {
        timer = null;
        api.getCrawl(crawlId, controller.signal).then(
          (crawl) => {
            if (closed) return;
            optionsRef.current.onUpdate(crawl);
            optionsRef.current.onRefresh?.();
            if (FINAL.has(crawl.status)) stop();
          },
          () => undefined, // the next event retries
        );
      }, throttle);
    };
    const onMessage = (message: MessageEvent<string>) => {
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        // a heartbeat or plain text: only the re-read matters
      }
      const fields = crawlFieldsOf(parsed, crawlId);
      if (Object.keys(fields).length) optionsRef.current.onUpdate((old) => ({ ...old, ...fields }));
      refresh();
    };
    // After every (re)connect, catch up on what was missed by re-reading the crawl.
    const close = followStream(api.eventsUrl(crawlId), onMessage, refresh);
    const stop = () => {
      closed = true;
      close();
      controller.abort();
      if (timer !== null) clearTimeout(timer);
    };
    return stop;
  }, [crawlId, active]);
}

/**
 * Follow the crawl list's stream (GET /api/crawls/events): `onCrawl(id)` for every event that
 * names a crawl, at most once per `throttleMs` per crawl, so the caller re-reads just that crawl.
 */
export function useCrawlListEvents(onCrawl: (crawlId: string) => void, onReconnect?: () => void, throttleMs = 1000): void {
  const callback = useRef(onCrawl);
  callback.current = onCrawl;
  const reconnected = useRef(onReconnect);
  reconnected.current = onReconnect;
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
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          callback.current(id);
        }, throttleMs),
      );
    };
    // A reconnect may have missed events: re-read the whole list then (not on the first open).
    let opened = false;
    const close = followStream(api.listEventsUrl(), onMessage, () => {
      if (opened) reconnected.current?.();
      opened = true;
    });
    return () => {
      close();
      for (const timer of timers.values()) clearTimeout(timer);
    };
  }, [throttleMs]);
}
