"""One headless Chromium per worker: started on first use, shared by every rendered crawl, bounded.

The browser is driven with Playwright (the Python package carries its own driver; Debian's
``chromium`` is launched through ``executable_path``, nothing is downloaded). Why Playwright and
not raw CDP, and what every launch flag is for: docs/CRAWLER.md, "Rendering".

Bounds, so that hostile pages cost the worker a bounded amount:
- at most ``render_concurrency`` pages render at once (``slot()``);
- a page's renderer process may allocate at most ``render_process_memory_mb`` (RLIMIT_DATA set on
  the zygotes that fork the renderers), and V8's heap half of that: a page that allocates without
  bound crashes (or fails inside) its own renderer, not the browser, the worker or the next page;
- the browser's processes together are measured (PSS) every second; past ``render_max_memory_mb``
  the browser is killed, the pages in it fail with that reason, and the next page starts a new one;
- the browser restarts after ``render_restart_pages`` pages (leaks in long-lived browsers).
- it has no network of its own: its proxy is a loopback port this process holds bound and never
  listens on, so anything the request interception does not answer fails at once, fail-closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from playwright.async_api import Browser as PlaywrightBrowser
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Playwright, async_playwright

from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

MEMORY_CHECK_SECONDS = 1.0
LAUNCH_TIMEOUT_MS = 30_000
CLOSE_SECONDS = 5.0
_MARK = "--seo-render-browser="  # an argument Chromium ignores; it finds our browser's process

# What a headless crawler's browser has no use for, and what would reach the network on its own.
BASE_ARGS = (
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB; shared memory goes to /tmp instead
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-quic",
    "--mute-audio",
    "--hide-scrollbars",
    "--block-new-web-contents",  # window.open and target=_blank open nothing
    "--deny-permission-prompts",  # geolocation, notifications, camera...: denied without asking
    "--proxy-bypass-list=<-loopback>",  # loopback goes through the (dead) proxy as well
)


class BrowserUnavailable(Exception):
    """Chromium could not be started (missing, or it exits at once): every render fails with this."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.missing = missing  # not installed: trying again will not help


@dataclass
class Lease:
    """A render slot in one generation of the browser."""

    browser: PlaywrightBrowser
    generation: int


def _processes() -> dict[int, tuple[int, list[bytes]]]:
    """pid -> (parent pid, argv) of every process we can read."""
    found: dict[int, tuple[int, list[bytes]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                argv = cmdline.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        found[int(name)] = (parent, argv)
    return found


def _tree(root: int, processes: dict[int, tuple[int, list[bytes]]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    out, i = [root], 0
    while i < len(out):
        out.extend(children.get(out[i], []))
        i += 1
    return out


def _pss(pid: int) -> int:
    """Proportional set size in bytes (shared pages split between their users), 0 when gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


class Browser:
    """The worker's Chromium: ``async with browser.slot() as lease`` to render one page in it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.render_concurrency)
        self._lock = asyncio.Lock()
        self._exclusive = asyncio.Lock()
        self._idle = asyncio.Condition()
        self._active = 0
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self._pid: int | None = None
        self._generation = 0
        self._pages = 0
        self._restart_reason: str | None = None
        self._lost: dict[int, str] = {}  # generation -> why that browser went away
        self._watchdog: asyncio.Task[None] | None = None
        self._proxy: socket.socket | None = None
        self._closed = False
        self.launches = 0
        self.peak_memory_bytes = 0
        self.memory_bytes = 0

    # --- slots --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, *, exclusive: bool = False) -> AsyncIterator[Lease]:
        """Wait for a render slot; the browser is (re)started here when due, never under a page.

        ``exclusive`` takes every slot: the page renders alone (a retry after the browser went
        away under several pages, to tell the culprit from its neighbours).
        """
        count = self.settings.render_concurrency if exclusive else 1
        async with contextlib.AsyncExitStack() as stack:
            if exclusive:
                await stack.enter_async_context(self._exclusive)
            for _ in range(count):
                await self._slots.acquire()
                stack.callback(self._slots.release)
            lease = await self._acquire()
            try:
                yield lease
            finally:
                async with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

    async def _acquire(self) -> Lease:
        async with self._lock:
            if self._closed:
                raise BrowserUnavailable("the worker is shutting down")
            due = self._due_restart()
            if due is not None:
                # Let the pages still rendering in the old browser finish first.
                async with self._idle:
                    await self._idle.wait_for(lambda: self._active == 0)
                await self._stop(due)
            if self._browser is None or not self._browser.is_connected():
                await self._launch()
            assert self._browser is not None
            self._active += 1
            self._pages += 1
            return Lease(self._browser, self._generation)

    def _due_restart(self) -> str | None:
        if self._browser is None:
            return None
        if self._restart_reason is not None:
            return self._restart_reason
        if self._pages >= self.settings.render_restart_pages:
            return f"restart after {self._pages} pages"
        return None

    async def ensure_started(self) -> None:
        """Start the browser now if it is not running; ``BrowserUnavailable`` says why it cannot."""
        async with self._lock:
            if self._closed:
                raise BrowserUnavailable("the worker is shutting down")
            if self._browser is None or not self._browser.is_connected():
                await self._launch()

    def lost_reason(self, generation: int) -> str | None:
        """Why the browser of ``generation`` went away (killed over memory, crashed), if it did."""
        if generation in self._lost:
            return self._lost[generation]
        if generation == self._generation and self._browser is not None and not self._browser.is_connected():
            return "the browser crashed"
        return None

    def request_restart(self, reason: str) -> None:
        """Restart before the next page (a page that would not close, a hung renderer)."""
        self._restart_reason = self._restart_reason or reason

    # --- the process --------------------------------------------------------------------------

    def _dead_proxy(self) -> str:
        """A loopback port bound and never listened on: connecting to it is refused at once."""
        if self._proxy is None:
            self._proxy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._proxy.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{self._proxy.getsockname()[1]}"

    def launch_args(self, mark: str) -> list[str]:
        heap_mb = max(self.settings.render_process_memory_mb // 2, 64)
        args = [
            *BASE_ARGS,
            f"--proxy-server={self._dead_proxy()}",
            f"--js-flags=--max-old-space-size={heap_mb}",
            f"{_MARK}{mark}",
        ]
        if not self.settings.render_sandbox:
            args.append("--no-sandbox")
        return args

    async def _launch(self) -> None:
        started = time.perf_counter()
        mark = uuid.uuid4().hex
        try:
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.settings.chromium_path,
                args=self.launch_args(mark),
                chromium_sandbox=self.settings.render_sandbox,
                timeout=LAUNCH_TIMEOUT_MS,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
        except (PlaywrightError, OSError) as exc:
            await self._stop_driver()
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise BrowserUnavailable(f"Chromium could not be started ({self.settings.chromium_path}): {first}",
                                     missing=not os.access(self.settings.chromium_path, os.X_OK)) from exc  # fmt: skip
        self._generation += 1
        self._pages = 0
        self._restart_reason = None
        self.launches += 1
        generation = self._generation
        self._browser.on("disconnected", lambda _: self._disconnected(generation))
        self._pid = self._find_pid(mark)
        self._limit_memory()
        self._watchdog = asyncio.create_task(self._watch(generation), name="browser-memory")
        log.info(
            "browser started",
            version=self._browser.version,
            pid=self._pid,
            generation=generation,
            seconds=round(time.perf_counter() - started, 2),
        )

    def _disconnected(self, generation: int) -> None:
        self._lost.setdefault(generation, "the browser crashed")

    def _find_pid(self, mark: str) -> int | None:
        needle = f"{_MARK}{mark}".encode()
        for pid, (_, argv) in _processes().items():
            if needle in argv and not any(a.startswith(b"--type=") for a in argv):
                return pid
        return None

    def _limit_memory(self) -> None:
        """RLIMIT_DATA on the zygotes now: the renderers they fork (one per page) inherit it.

        And every browser process first in line for the kernel's OOM killer (inherited too).

        Not on the browser process: it holds every page's requests, and its death is every page's.
        """
        if self._pid is None:
            return
        limit = self.settings.render_process_memory_mb * 1024 * 1024
        processes = _processes()
        for pid in _tree(self._pid, processes):
            if b"--type=zygote" in processes[pid][1]:
                with contextlib.suppress(OSError, ValueError):
                    resource.prlimit(pid, resource.RLIMIT_DATA, (limit, limit))
            # Should the container's memory run out between two checks, the kernel kills Chromium
            # (a page fails, the browser restarts), not the worker. Raising it needs no privilege.
            with contextlib.suppress(OSError), open(f"/proc/{pid}/oom_score_adj", "w") as score:
                score.write("1000")

    def measure(self) -> int:
        """The browser's processes' memory together (PSS, bytes), 0 when it is not running."""
        if self._pid is None:
            return 0
        total = sum(_pss(pid) for pid in _tree(self._pid, _processes()))
        self.memory_bytes = total
        self.peak_memory_bytes = max(self.peak_memory_bytes, total)
        return total

    async def _watch(self, generation: int) -> None:
        bound = self.settings.render_max_memory_mb * 1024 * 1024
        while generation == self._generation and self._browser is not None:
            used = await asyncio.to_thread(self.measure)
            if used > bound:
                reason = f"the browser used {used // 2**20} MB, over the {self.settings.render_max_memory_mb} MB bound"
                log.warning("browser over its memory bound; killing it", used_mb=used // 2**20)
                self._lost[generation] = reason
                self._kill()
                return
            await asyncio.sleep(MEMORY_CHECK_SECONDS)

    def _kill(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)

    async def _stop(self, reason: str) -> None:
        """Close the browser (kill it if it does not close in time)."""
        browser, self._browser = self._browser, None
        self._lost.setdefault(self._generation, reason)
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), CLOSE_SECONDS)
            except (TimeoutError, PlaywrightError):
                self._kill()
        self._pid = None
        self.memory_bytes = 0
        if browser is not None:
            log.info("browser stopped", reason=reason, generation=self._generation)

    async def _stop_driver(self) -> None:
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), CLOSE_SECONDS)

    async def close(self) -> None:
        """Stop the browser and its driver (the worker is stopping)."""
        async with self._lock:
            self._closed = True
            await self._stop("the worker is stopping")
            await self._stop_driver()
            if self._proxy is not None:
                self._proxy.close()
                self._proxy = None
