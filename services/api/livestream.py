"""Live streams: ONE LISTEN connection and ONE log follower per api process, fanned out in memory.

A notification on the ``events`` channel only wakes the follower; it then reads the log once
(``eventstore.read_all`` with a ``(txid, position)`` cursor, so an event that commits late is never
skipped) and hands each event to every subscriber whose filter matches. Clients hold no database
connection while they wait. A subscriber that cannot keep up (its queue is full) is dropped; its
client reconnects with ``Last-Event-ID`` and catches up from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import asyncpg
import structlog

from shared.eventlog import events as ev
from shared.eventlog import eventstore
from shared.eventlog.eventstore import Cursor, Recorded
from shared.platform.listener import Listener

log = structlog.get_logger(__name__)

_HEAD = """SELECT txid::text::bigint AS txid, position FROM events
WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY txid DESC, position DESC LIMIT 1"""

# Committed events the follower may not read yet: an older transaction still in flight holds the
# horizon back. That transaction may never append (so never notify); we look again shortly.
_HELD_BACK = "SELECT EXISTS (SELECT 1 FROM events WHERE (txid, position) > ($1::text::xid8, $2))"

BATCH = 50  # events per read: page batches are large, so memory stays bounded


class TooManyStreams(Exception):
    """The process already serves its maximum of live streams."""


@dataclass(eq=False)
class Subscriber:
    """One live client: a filter and a bounded queue (``None`` in the queue means: stop)."""

    matches: Callable[[Recorded], bool]
    queue: asyncio.Queue[Recorded | None]
    overflowed: bool = False

    def close(self) -> None:
        """Make the client's loop end: a sentinel if there is room, the overflow flag in any case."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)
        self.overflowed = True

    def offer(self, item: Recorded) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True


@dataclass(eq=False)
class LiveHub:
    """The api's follower of the whole log and its subscribers."""

    dsn: str
    pool: asyncpg.Pool
    queue_size: int = 1000
    max_subscribers: int = 2000  # each holds a socket and a queue: past this, new streams get a 503
    subscribers: set[Subscriber] = field(default_factory=set)
    cursor: Cursor = eventstore.START
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    listener: Listener | None = None
    _stopping: bool = False

    async def start(self, connect_timeout: float = 10.0) -> None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_HEAD)
        if row is not None:
            self.cursor = Cursor(row["txid"], row["position"])
        self.listener = Listener(self.dsn, [ev.EVENTS_CHANNEL], self._notified, on_connect=self._reconnected)
        self.listener.start()
        self._task = asyncio.create_task(self._follow(), name="live-follower")
        # Ready means live: do not serve streams before the LISTEN connection is up.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listener.connected.wait(), connect_timeout)

    async def stop(self) -> None:
        self._stopping = True
        for sub in list(self.subscribers):
            sub.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.listener is not None:
            await self.listener.stop()

    @property
    def is_connected(self) -> bool:
        return self.listener is not None and self.listener.is_connected

    def subscribe(self, matches: Callable[[Recorded], bool]) -> Subscriber:
        if len(self.subscribers) >= self.max_subscribers:
            raise TooManyStreams(len(self.subscribers))
        sub = Subscriber(matches=matches, queue=asyncio.Queue(self.queue_size))
        self.subscribers.add(sub)
        self.changed.set()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        self.changed.set()

    def _notified(self, _channel: str, _payload: str) -> None:
        self._wake.set()

    async def _reconnected(self) -> None:
        # Notifications sent while the LISTEN connection was down are lost: read the log now.
        self._wake.set()

    async def _follow(self) -> None:
        delay = 0.0
        while True:
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
            else:
                await self._wake.wait()
            self._wake.clear()
            try:
                held_back = await self._read()
                delay = min(max(delay * 2, 0.02), 1.0) if held_back else 0.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A cancelled query can surface as the pool's reset error instead of CancelledError;
                # when we are stopping, that is the cancellation and must not be retried.
                task = asyncio.current_task()
                if self._stopping or (task is not None and task.cancelling()):
                    raise asyncio.CancelledError from exc
                log.warning("live follower read failed", error=str(exc) or type(exc).__name__)
                delay = 1.0
                self._wake.set()

    async def _read(self) -> bool:
        """Read everything readable and dispatch it; True when committed events are still held back.

        Only the envelope of each event is read first; its payload (a page batch is megabytes of
        JSON, and validating it is CPU work on this loop) is fetched and decoded only when a
        subscriber wants the event. With nobody watching, following the log costs next to nothing.
        """
        async with self.pool.acquire() as conn:
            while True:
                rows = await conn.fetch(_ENVELOPES, str(self.cursor.txid), self.cursor.position, BATCH)
                wanted = {row["position"]: self._wanting(row) for row in rows}
                positions = [position for position, subs in wanted.items() if subs]
                items = {}
                if positions:
                    items = {r["position"]: eventstore.decode(r) for r in await conn.fetch(_PAYLOADS, positions)}
                for row in rows:
                    item = items.get(row["position"])
                    for sub in wanted[row["position"]]:
                        if item is not None:
                            sub.offer(item)
                    self.cursor = Cursor(row["txid"], row["position"])
                if len(rows) < BATCH:
                    break
            held: bool = await conn.fetchval(_HELD_BACK, str(self.cursor.txid), self.cursor.position)
            return held

    def _wanting(self, row: asyncpg.Record) -> list[Subscriber]:
        """The subscribers whose filter takes this event (filters read its stream, type and position)."""
        envelope = cast(Recorded, _Envelope(row["position"], row["stream_id"], row["type"]))
        out = []
        for sub in list(self.subscribers):
            try:
                if sub.matches(envelope):
                    out.append(sub)
            except Exception:
                log.exception("live stream filter failed", position=row["position"])
        return out


@dataclass(frozen=True)
class _Envelope:
    """What a subscriber's filter may look at before the payload is read."""

    position: int
    stream_id: str
    type: str


# The follower's read (eventstore.read_all's order and horizon), without the payloads.
_ENVELOPES = """
SELECT position, txid::text::bigint AS txid, stream_id, type
FROM events
WHERE (txid, position) > ($1::text::xid8, $2)
  AND txid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY txid, position
LIMIT $3
"""
_PAYLOADS = """
SELECT position, txid::text::bigint AS txid, stream_id, version, type, data, metadata, recorded_at
FROM events WHERE position = ANY($1::bigint[])
"""
