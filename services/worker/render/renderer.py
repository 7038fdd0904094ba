"""Rendering one page: its raw HTML loaded in a fresh browser context, every request answered by us.

The page is never fetched twice: the main document is answered with the bytes the raw fetch got.
Every other request the page makes is intercepted and handed to ``fetch`` (the crawl's guarded
session, robots.txt, politeness; see ``services.worker.render.subresources``): the browser itself
reaches nothing. What the page may not do, it cannot: navigate away, open windows, download,
use permissions, read ``file://`` or ``chrome://``, open WebSockets, or go past its limits
(time, requests, bytes). Each of those ends as a recorded request or a ``render_error``, never as
an exception out of ``render``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from playwright.async_api import BrowserContext, Page, Request, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

from services.worker.render.browser import Browser, BrowserUnavailable

log = structlog.get_logger(__name__)

MAX_CONSOLE_ERRORS = 20
MAX_FAILED_REQUESTS = 50
MAX_MESSAGE = 500
MAX_POST_BYTES = 1024 * 1024
IDLE_SECONDS = 0.3  # no request in flight for this long after the load event: the page is done
CLOSE_SECONDS = 5.0
VIEWPORT = {"width": 1280, "height": 1024}
MEDIA_TYPES = frozenset({"image", "media", "font"})
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})
# Request headers the crawl's session sets itself (or that must not cross from the page).
_DROP_REQUEST_HEADERS = frozenset({
    "host", "connection", "content-length", "accept-encoding", "user-agent", "cookie", "upgrade", "te",
    "keep-alive", "transfer-encoding", "proxy-authorization", "proxy-connection",
})  # fmt: skip
# Response headers that describe the transfer, not the content we hand over (already decoded).
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                                    "keep-alive"})  # fmt: skip

# Counts the page's fetch() and XMLHttpRequest calls still waiting for an answer, from the moment a
# script makes them: the browser's request events for them can reach us after the load event (they
# come from another process), so a page could otherwise be taken before its data arrived.
_PENDING_SCRIPT = """(() => {
  let pending = 0;
  const done = () => { pending = Math.max(pending - 1, 0); };
  const fetch = window.fetch;
  if (fetch) {
    window.fetch = function (...args) {
      pending++;
      try { const answer = fetch.apply(this, args); answer.then(done, done); return answer; }
      catch (error) { done(); throw error; }
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    pending++;
    this.addEventListener("loadend", done, { once: true });
    try { return send.apply(this, args); } catch (error) { done(); throw error; }
  };
  Object.defineProperty(window, "__seoCrawlerPending", { get: () => pending });
})();"""
_PENDING = "() => window.__seoCrawlerPending || 0"

# The rendered DOM, or its length when it is over the cap (so a huge DOM never crosses to us).
_SNAPSHOT = """cap => {
  const html = document.documentElement ? document.documentElement.outerHTML : "";
  return html.length > cap ? {html: null, length: html.length} : {html: html, length: html.length};
}"""


@dataclass
class Document:
    """The raw response the page is rendered from (what the raw fetch got)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class SubRequest:
    """A request the page made, as the crawl is asked to answer it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    resource_type: str
    max_bytes: int  # what is left of the page's byte budget


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Refusal:
    """A request not answered: refused by the crawler (``blocked``) or failed on the network."""

    reason: str
    blocked: bool = True
    robots: bool = False


Fetch = Callable[[SubRequest], Awaitable[Answer | Refusal]]


@dataclass
class Limits:
    """Per-page limits (a crawl's ``render_*`` settings)."""

    timeout: float = 20.0
    max_requests: int = 300
    max_bytes: int = 20 * 1024 * 1024
    load_media: bool = False
    max_html_chars: int = 10 * 1024 * 1024
    user_agent: str | None = None
    idle: float = IDLE_SECONDS


@dataclass
class FailedRequest:
    url: str
    resource_type: str
    reason: str
    blocked: bool = False
    robots: bool = False


@dataclass
class Rendering:
    """What rendering produced: the DOM (None when the render failed) and what happened on the way."""

    url: str
    html: str | None = None
    error: str | None = None
    time_ms: float = 0.0
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[FailedRequest] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    navigated_to: str | None = None  # where a script tried to send the page


class _Failed(Exception):
    """The render must stop: ``reason`` is its render_error."""


class _Page:
    """The state of one render: counters, records, and the first reason to give up."""

    def __init__(self, document: Document, fetch: Fetch, limits: Limits) -> None:
        self.document = document
        self.fetch = fetch
        self.limits = limits
        self.result = Rendering(url=document.url)
        self.page: Page | None = None
        self.document_served = False
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.recorded: set[int] = set()  # requests already recorded (ours to abort), by id()
        self.done = False
        self.phase = "the load event"
        self.fetches: set[asyncio.Future[Answer | Refusal]] = set()

    def finish(self) -> None:
        """The render is over: refuse what still arrives and stop what is still being fetched."""
        self.done = True
        for fetching in self.fetches:
            fetching.cancel()

    def timed_out(self) -> str:
        return f"render timed out after {self.limits.timeout:g} s waiting for {self.phase}"

    # --- records ------------------------------------------------------------------------------

    def fail(self, reason: str) -> None:
        if not self.failed.done():
            self.failed.set_result(reason)
        self.done = True  # every request still arriving is aborted at once

    def console(self, text: str) -> None:
        if len(self.result.console_errors) < MAX_CONSOLE_ERRORS:
            self.result.console_errors.append(text[:MAX_MESSAGE])

    def record(self, request: Request | None, url: str, resource_type: str, reason: str, *, blocked: bool = False,
               robots: bool = False) -> None:  # fmt: skip
        if request is not None:
            self.recorded.add(id(request))
        if len(self.result.failed_requests) < MAX_FAILED_REQUESTS:
            self.result.failed_requests.append(
                FailedRequest(
                    url=url[:2048],
                    resource_type=resource_type,
                    reason=reason[:MAX_MESSAGE],
                    blocked=blocked,
                    robots=robots,
                )  # fmt: skip
            )

    # --- the request interception ------------------------------------------------------------

    async def route(self, route: Route) -> None:
        """Answer one request of the page (or refuse it); never raises."""
        try:
            await self._route(route)
        except PlaywrightError:
            pass  # the page went away (render over, crashed): nothing left to answer
        except Exception as exc:  # an answer we could not build is a failed request, not a dead render
            log.warning("render request failed", url=route.request.url, error=f"{type(exc).__name__}: {exc}")
            self.record(route.request, route.request.url, route.request.resource_type, f"{type(exc).__name__}")
            with contextlib.suppress(PlaywrightError):
                await route.abort("failed")
        finally:
            self.last_activity = time.monotonic()

    async def _route(self, route: Route) -> None:
        request = route.request
        url, kind = request.url, request.resource_type
        if self.done:
            await _drop(route)
            return
        if request.is_navigation_request() and self._main_frame(request):
            if not self.document_served and url == self.document.url:
                self.document_served = True
                self.result.bytes += len(self.document.body)
                await route.fulfill(status=self.document.status, headers=_headers(self.document.headers),
                                    body=self.document.body)  # fmt: skip
                return
            # A script (or a meta refresh) sending the page elsewhere: the render is over.
            self.result.navigated_to = self.result.navigated_to or url
            self.record(request, url, kind, "the page navigated away", blocked=True)
            self.fail(f"the page navigated away to {url[:300]}")
            await route.abort("blockedbyclient")
            return
        if not self._ours(request):
            self.record(request, url, "popup", "pop-up windows are not opened while rendering", blocked=True)
            await route.abort("blockedbyclient")
            return
        if not url.startswith(("http://", "https://")):
            self.record(request, url, kind, "not an http(s) URL", blocked=True)
            await route.abort("blockedbyclient")
            return
        if kind in MEDIA_TYPES and not self.limits.load_media:
            self.recorded.add(id(request))  # skipped by design (images, media, fonts): not a failure
            await route.abort("blockedbyclient")
            return
        if request.method not in METHODS:
            self.record(request, url, kind, f"{request.method} requests are not made while rendering", blocked=True)
            await route.abort("blockedbyclient")
            return
        self.result.requests += 1
        if self.result.requests > self.limits.max_requests:
            self.record(request, url, kind, f"over the {self.limits.max_requests}-request limit", blocked=True)
            self.fail(f"the page made more than {self.limits.max_requests} requests")
            await _drop(route)
            return
        body = request.post_data_buffer
        if body is not None and len(body) > MAX_POST_BYTES:
            self.record(request, url, kind, "request body over 1 MB", blocked=True)
            await route.abort("blockedbyclient")
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST_HEADERS}
        answer = await self.fetch(
            SubRequest(
                method=request.method,
                url=url,
                headers=headers,
                body=body,
                resource_type=kind,
                max_bytes=max(self.limits.max_bytes - self.result.bytes, 0),
            )  # fmt: skip
        )
        if isinstance(answer, Refusal):
            self.record(request, url, kind, answer.reason, blocked=answer.blocked, robots=answer.robots)
            if answer.reason.startswith("body over"):
                self.fail(f"the page loaded more than {self.limits.max_bytes} bytes")
            await route.abort("blockedbyclient" if answer.blocked else "failed")
            return
        self.result.bytes += len(answer.body)
        if self.result.bytes > self.limits.max_bytes:
            self.record(request, url, kind, f"over the {self.limits.max_bytes}-byte limit", blocked=True)
            self.fail(f"the page loaded more than {self.limits.max_bytes} bytes")
            await _drop(route)
            return
        if self.done:
            await _drop(route)
            return
        await route.fulfill(status=answer.status, headers=_headers(answer.headers), body=answer.body)

    def _ours(self, request: Request) -> bool:
        """The request comes from the page being rendered (or a worker of it), not a pop-up."""
        try:
            frame = request.frame
        except PlaywrightError:
            # No frame yet: a navigation that opens a new window, or a worker's request.
            return not request.is_navigation_request()
        return self.page is None or frame.page == self.page

    def _main_frame(self, request: Request) -> bool:
        try:
            frame = request.frame
        except PlaywrightError:  # a service worker's request has no frame
            return False
        return self.page is not None and frame == self.page.main_frame

    async def websocket(self, ws: WebSocketRoute) -> None:
        """WebSockets are never opened while rendering (a snapshot needs no live connection)."""
        self.record(None, ws.url, "websocket", "WebSockets are not opened while rendering", blocked=True)
        with contextlib.suppress(PlaywrightError):
            await ws.close(code=1008, reason="not allowed")

    # --- events -------------------------------------------------------------------------------

    # Requests in flight, counted from the browser's own events: they arrive in order with the load
    # event, so a request a script started before it is counted before the page is called loaded
    # (our interception sees it later, through the driver, when the machine is busy).
    def on_request(self, request: Request) -> None:
        self.in_flight += 1
        self.last_activity = time.monotonic()

    def on_request_done(self, request: Request) -> None:
        self.in_flight = max(self.in_flight - 1, 0)
        self.last_activity = time.monotonic()

    def on_request_failed(self, request: Request) -> None:
        self.on_request_done(request)
        if id(request) in self.recorded or self.done:
            return
        self.record(request, request.url, request.resource_type, request.failure or "failed")

    def on_console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console(message.text)

    def on_page_error(self, error: Any) -> None:
        name = getattr(error, "name", "") or "Error"
        self.console(f"{name}: {getattr(error, 'message', error)}")

    def on_popup(self, popup: Page) -> None:
        self.record(None, popup.url, "popup", "pop-up windows are not opened while rendering", blocked=True)
        asyncio.ensure_future(_close_quietly(popup))

    # --- waiting ------------------------------------------------------------------------------

    async def settle(self, page: Page, deadline: float) -> None:
        """After the load event: until no request has been in flight for ``limits.idle`` seconds,
        and none the page's scripts made is still waiting for its answer."""
        while True:
            now = time.monotonic()
            quiet = now - self.last_activity
            if self.in_flight == 0 and quiet >= self.limits.idle:
                pending = await asyncio.wait_for(page.evaluate(_PENDING), max(deadline - now, 0.1))
                if not pending:
                    return
                self.last_activity = time.monotonic()  # a request we have not seen yet: wait for it
                continue
            if now >= deadline:
                raise TimeoutError
            await asyncio.sleep(min(max(self.limits.idle - quiet, 0.02), max(deadline - now, 0.01)))


async def _drop(route: Route) -> None:
    """Let go of a request once the render is over, without a round trip per request.

    ``fallback`` settles it in this process (Playwright then lets it go on, which ends at the
    browser's dead proxy, or nowhere once the context is closed): a flood's thousands of
    requests neither keep the driver busy nor leave handlers pending.
    """
    with contextlib.suppress(PlaywrightError):
        await route.fallback()


def _headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Response headers for the browser: transfer headers dropped, repeated ones joined."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in _DROP_RESPONSE_HEADERS:
            continue
        if key in out:
            out[key] = f"{out[key]}\n{value}" if key == "set-cookie" else f"{out[key]}, {value}"
        else:
            out[key] = value
    return out


async def _close_quietly(page: Page) -> None:
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(page.close(), CLOSE_SECONDS)


async def _new_context(state: _Page, lease_browser: Any, limits: Limits) -> tuple[BrowserContext, Page]:
    context: BrowserContext = await lease_browser.new_context(
        accept_downloads=False,
        service_workers="block",
        permissions=[],
        java_script_enabled=True,
        viewport=VIEWPORT,
        user_agent=limits.user_agent,
    )
    await context.add_init_script(_PENDING_SCRIPT)
    await context.route("**/*", state.route)
    await context.route_web_socket("**", state.websocket)
    page = await context.new_page()
    state.page = page
    context.on("request", state.on_request)
    context.on("requestfinished", state.on_request_done)
    context.on("requestfailed", state.on_request_failed)
    page.on("console", state.on_console)
    page.on("pageerror", state.on_page_error)
    page.on("crash", lambda _: state.fail("the page crashed (out of memory, or its renderer was killed)"))
    page.on("popup", state.on_popup)
    context.on("page", lambda p: None if p is page else state.on_popup(p))
    return context, page


async def _load(state: _Page, page: Page, deadline: float) -> str | None:
    """Navigate, wait for the page to settle, and take the DOM; the render error or None."""
    limits = state.limits
    try:
        await page.goto(state.document.url, wait_until="load", timeout=max(deadline - time.monotonic(), 0.1) * 1000)
        state.phase = "the network to go quiet"
        await state.settle(page, deadline)
        state.phase = "the rendered DOM"
        snap = await asyncio.wait_for(
            page.evaluate(_SNAPSHOT, limits.max_html_chars), max(deadline - time.monotonic(), 0.1)
        )
    except TimeoutError:
        return state.timed_out()
    except PlaywrightError as exc:
        if "Timeout" in type(exc).__name__ or "Timeout" in str(exc)[:40]:
            return state.timed_out()
        return f"the browser failed the page: {_first_line(exc)}"
    if snap.get("html") is None:
        return f"the rendered DOM is over {limits.max_html_chars} characters ({snap.get('length')})"
    state.result.html = snap["html"]
    return None


async def _render_once(browser: Browser, document: Document, fetch: Fetch, limits: Limits, *,
                       exclusive: bool) -> tuple[Rendering, bool]:  # fmt: skip
    """One attempt; also whether the browser went away under the page (killed or crashed)."""
    state = _Page(document, fetch, limits)
    started = time.monotonic()
    lost: str | None = None
    try:
        async with browser.slot(exclusive=exclusive) as lease:
            started = time.monotonic()  # waiting for a slot is not render time
            deadline = started + limits.timeout
            context: BrowserContext | None = None
            try:
                context, page = await asyncio.wait_for(_new_context(state, lease.browser, limits), limits.timeout)
                loading = asyncio.ensure_future(_load(state, page, deadline))
                # Playwright's own timeouts run in its driver, which a page flooding it can slow
                # down: the deadline is enforced here as well.
                waiting: list[asyncio.Future[Any]] = [loading, state.failed]
                await asyncio.wait(waiting, timeout=max(deadline - time.monotonic(), 0) + 1,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                if state.failed.done():
                    state.result.error = state.failed.result()
                elif loading.done():
                    state.result.error = loading.result()
                else:
                    state.result.error = state.timed_out()
                if not loading.done():
                    loading.cancel()
                    with contextlib.suppress(BaseException):
                        await loading
            except TimeoutError:
                state.result.error = f"render timed out after {limits.timeout:g} s opening the page"
            except PlaywrightError as exc:
                state.result.error = f"the browser failed the page: {_first_line(exc)}"
            finally:
                state.finish()
                if context is not None and not await _close(context):
                    browser.request_restart("a page's context would not close")
            if state.result.error is not None:
                lost = browser.lost_reason(lease.generation)
    except BrowserUnavailable as exc:
        state.result.error = str(exc)
    if lost is not None:
        state.result.error = f"{lost}; the page could not be rendered"
    state.result.time_ms = round((time.monotonic() - started) * 1000, 1)
    if state.result.error:
        state.result.html = None
    return state.result, lost is not None


async def render(browser: Browser, document: Document, fetch: Fetch, limits: Limits) -> Rendering:
    """Render ``document`` in a fresh context of ``browser``; the outcome, never an exception.

    When the browser goes away under the page (killed over its memory bound, crashed), the page
    may only have been near the culprit: it is rendered once more, alone in a fresh browser, and
    fails only if that happens again.
    """
    result, lost = await _render_once(browser, document, fetch, limits, exclusive=False)
    if lost:
        result, _ = await _render_once(browser, document, fetch, limits, exclusive=True)
    return result


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


async def _close(context: BrowserContext) -> bool:
    try:
        await asyncio.wait_for(context.close(), CLOSE_SECONDS)
    except (TimeoutError, PlaywrightError):
        return False
    return True
