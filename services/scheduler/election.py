"""Leader election: the active scheduler is whoever holds one Postgres advisory lock.

The lock lives on a dedicated connection, so it is released the moment the holder's process
dies (its connection closes) or its backend is terminated. A standby retries every
``standby_retry_seconds`` and takes over within that time. Advisory locks are per database.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

from shared.platform import database

log = structlog.get_logger(__name__)

# Any constant bigint; it names "the scheduler" among this database's advisory locks.
LOCK_KEY = 0x5E0_5C4ED_01
_TRY_LOCK = "SELECT pg_try_advisory_lock($1)"


class Election:
    """Campaign for the scheduler lock; ``watch`` returns when it is lost."""

    def __init__(self, dsn: str, *, retry_seconds: float, liveness_interval: float = 5.0) -> None:
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        self.liveness_interval = liveness_interval
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return self._conn is not None and not self._conn.is_closed() and not self._lost.is_set()

    @property
    def server_pid(self) -> int | None:
        conn = self._conn
        return conn.get_server_pid() if conn is not None and not conn.is_closed() else None

    async def campaign(self) -> None:
        """Return once this instance holds the lock (waiting as a standby while another does)."""
        announced = False
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await database.connect(self.dsn, timeout=5)
                while True:
                    if await conn.fetchval(_TRY_LOCK, LOCK_KEY, timeout=5):
                        self._lost.clear()
                        conn.add_termination_listener(lambda _c: self._lost.set())
                        self._conn = conn
                        return
                    if not announced:
                        log.info("another scheduler is active; standing by", retry_s=self.retry_seconds)
                        announced = True
                    await asyncio.sleep(self.retry_seconds)
            except asyncio.CancelledError:
                if conn is not None:
                    conn.terminate()
                raise
            except Exception as exc:
                log.warning("cannot reach the database to campaign", error=str(exc) or type(exc).__name__)
                if conn is not None:
                    conn.terminate()
                await asyncio.sleep(self.retry_seconds)

    async def watch(self) -> None:
        """Return when the lock's connection is lost (the lock is then no longer ours)."""
        conn = self._conn
        assert conn is not None
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self.liveness_interval)
                return
            except TimeoutError:
                pass
            try:
                await conn.fetchval("SELECT 1", timeout=5)
            except Exception:
                return

    async def resign(self) -> None:
        """Release the lock by closing its connection."""
        conn, self._conn = self._conn, None
        self._lost.set()
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2)
            except Exception:
                with contextlib.suppress(Exception):
                    conn.terminate()
