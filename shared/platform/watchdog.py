"""The loop watchdog: a service whose event loop stops turning exits, so it is replaced.

A loop stuck in CPU work (a regex, a parser, a bug) answers nothing: not ``/health``, not its lease
heartbeats. The process stays alive, so neither ``make run``'s supervisor nor compose's ``restart:``
would ever replace it. The watchdog is ``faulthandler``'s timer, a C thread that needs no GIL and so
fires even while the stuck code holds it: the loop re-arms it every ``WATCHDOG_SECONDS / 4``; if
the loop has not done so for ``WATCHDOG_SECONDS``, every thread's stack is written to stderr (the
log shows where it was stuck) and the process exits with status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import sys
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from shared.platform.settings import Settings

log = structlog.get_logger(__name__)


def arm(seconds: float) -> None:
    """(Re)start the countdown: exit unless ``arm`` or ``disarm`` is called within ``seconds``."""
    # The process's own stderr: faulthandler writes to a file descriptor, not to a replaced sys.stderr.
    faulthandler.dump_traceback_later(seconds, repeat=False, file=sys.__stderr__ or sys.stderr, exit=True)


def disarm() -> None:
    faulthandler.cancel_dump_traceback_later()


async def keep_armed(seconds: float) -> None:
    """Re-arm the watchdog from the loop, for as long as the loop turns."""
    while True:
        arm(seconds)
        await asyncio.sleep(seconds / 4)


def cleanup_ctx(settings: Settings) -> object:
    """An ``app.cleanup_ctx`` entry that runs the watchdog while the service runs (``WATCHDOG_SECONDS`` > 0)."""

    async def ctx(_: web.Application) -> AsyncIterator[None]:
        if settings.watchdog_seconds <= 0:
            yield
            return
        task = asyncio.create_task(keep_armed(settings.watchdog_seconds), name="watchdog")
        log.info("loop watchdog armed", seconds=settings.watchdog_seconds)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            disarm()

    return ctx
