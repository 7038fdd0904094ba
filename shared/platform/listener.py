"""A dedicated LISTEN connection that reconnects by itself.

Notifications sent while the connection is down are lost, so after every (re)connect the
owner's ``on_connect`` runs: that is where a worker looks for work it may have missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable

import asyncpg
import structlog

from shared.platform import database

log = structlog.get_logger(__name__)

NotificationHandler = Callable[[str, str], None]


class Listener:
    """LISTEN on ``channels``; call ``on_notify(channel, payload)`` for each notification."""

    def __init__(
        self,
        dsn: str,
        channels: Iterable[str],
        on_notify: NotificationHandler,
        on_connect: Callable[[], Awaitable[None]] | None = None,
        *,
        liveness_interval: float = 15.0,
    ) -> None:
        self.dsn = dsn
        self.channels = tuple(channels)
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.liveness_interval = liveness_interval
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_notification_at: float | None = None

    @property
    def server_pid(self) -> int | None:
        """The backend pid of the LISTEN connection (operators and tests terminate it)."""
        conn = self._conn
        return conn.get_server_pid() if conn is not None and not conn.is_closed() else None

    @property
    def is_connected(self) -> bool:
        return self.connected.is_set() and self._conn is not None and not self._conn.is_closed()

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self._run(), name="listener")
        return self._task

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close()

    async def _close(self) -> None:
        self.connected.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2)
            except Exception:
                conn.terminate()

    def _notified(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self.last_notification_at = time.monotonic()
        try:
            self.on_notify(channel, payload)
        except Exception:
            log.exception("notification handler failed", channel=channel)

    def _terminated(self, _conn: object) -> None:
        self._lost.set()

    async def _run(self) -> None:
        delay = 0.1
        first = True
        while True:
            try:
                self._lost.clear()
                self._conn = await database.connect(self.dsn, timeout=5)
                self._conn.add_termination_listener(self._terminated)
                for channel in self.channels:
                    await self._conn.add_listener(channel, self._notified)
                if not first:
                    self.reconnects += 1
                    log.info("listen connection restored", channels=self.channels, reconnects=self.reconnects)
                first = False
                self.connected.set()
                delay = 0.1
                if self.on_connect is not None:
                    await self.on_connect()
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listen connection lost", error=str(exc) or type(exc).__name__, retry_in=delay)
            await self._close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _watch(self) -> None:
        """Wait until the connection is lost. A cheap liveness check catches half-open sockets."""
        assert self._conn is not None
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self.liveness_interval)
                return
            except TimeoutError:
                # Not a work poll: it only proves the socket is alive, so a dead one is replaced.
                await self._conn.execute("SELECT 1", timeout=5)
