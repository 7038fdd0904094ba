"""Real servers on 127.0.0.1 in background threads (for synchronous clients: schemathesis, the CLI)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from services.api.app import create_app
from shared.platform.settings import Settings


@contextmanager
def running_api(settings: Settings, *, timeout: float = 30.0) -> Iterator[tuple[str, web.Application]]:
    """Serve the api's ``create_app(settings)`` on a free loopback port; yields the base URL and the app."""
    with running_app(create_app(settings), timeout=timeout) as served:
        yield served


@contextmanager
def running_app(app: web.Application, *, timeout: float = 30.0) -> Iterator[tuple[str, web.Application]]:
    """Serve any aiohttp ``app`` (the api, a worker, a test site) in a thread of its own."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, shutdown_timeout=2)
    started = threading.Event()
    box: dict[str, Any] = {}

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        box["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        leftover = asyncio.all_tasks(loop)  # e.g. a handler still sleeping past the shutdown timeout
        for task in leftover:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name="api-server", daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise TimeoutError("the api server did not start")
    if "error" in box:
        raise box["error"]
    try:
        yield f"http://127.0.0.1:{box['port']}", app
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
