"""The event store: append with an expected version, read a stream, follow the whole log.

``EventStore(projector).append`` writes events and runs the projector's handlers in the same
transaction; the services use the one wired to every projection (``shared.eventlog.streams``).

Ordering the whole log
----------------------
Positions come from an identity column, so they are taken when a row is inserted, not when
its transaction commits: writer A can take position 10, writer B position 11, and B commit
first. A follower that reads "position > 9" right then sees 11, moves its cursor past 10, and
never sees A's event. Two cures exist: serialise all appends behind one lock (positions then
commit in order, but every writer waits for every other, including a worker's whole page
batch), or read only what can no longer change. We do the second: every event stores the id
of the transaction that wrote it (``txid``), and followers read only events whose ``txid`` is
below ``pg_snapshot_xmin(pg_current_snapshot())``, the oldest transaction still in flight.
Everything below that horizon has committed or aborted for good, so nothing can appear behind
the cursor later. The log's total order is ``(txid, position)``: a transaction's events stay
together, and a follower's cursor is that pair. Writers never wait for each other; the price is
that one long-running writing transaction holds followers back until it ends, which is why
appends stay short (page batches are bounded in size and time).

Within one stream, positions do follow commit order: the unique ``(stream_id, version)`` key
makes a second writer of the same version wait for the first and then fail, so a per-stream
reader may use plain positions (the api's ``Last-Event-ID``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.events import Recorded
from shared.eventlog.projector import Projector
from shared.model import userinput

__all__ = ["ANY", "NO_STREAM", "START", "Cursor", "EventStore", "Recorded", "StreamConflict"]

ANY = -1  # expected_version meaning "append whatever the stream's version is"
NO_STREAM = 0  # expected_version meaning "the stream must not exist yet"


class StreamConflict(Exception):
    """Another writer appended to the stream first; re-read and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        found = "" if actual is None else f", found version {actual}"
        wanted = "any version" if expected == ANY else f"version {expected}"
        super().__init__(f"stream {stream_id} was changed concurrently: expected {wanted}{found}")


@dataclass(frozen=True, order=True)
class Cursor:
    """A follower's place in the log's total order ``(txid, position)``."""

    txid: int = 0
    position: int = 0


START = Cursor()

_STREAM_VERSION = "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1"

# The stream's next versions are taken in the insert itself (one round trip). A lost race is a
# row the unique (stream_id, version) key refused: ON CONFLICT waits for the other writer, then
# skips the row without an error, so fewer rows come back and the caller's transaction stays
# usable without a savepoint. $6 is the expected version (-1: any) checked against the log.
_INSERT = """
WITH cur AS (SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1)
INSERT INTO events (stream_id, version, type, data, metadata)
SELECT $1, cur.v + x.n, x.t, x.d, x.m
FROM cur, unnest($2::text[], $3::jsonb[], $4::jsonb[]) WITH ORDINALITY AS x(t, d, m, n)
WHERE $5::int = -1 OR cur.v = $5::int
ON CONFLICT (stream_id, version) DO NOTHING
RETURNING position, txid::text::bigint AS txid, version, type, recorded_at
"""

# Every channel of one append in one statement (delivered at commit).
_NOTIFY = "SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS x(c, p)"

_READ_STREAM = """
SELECT position, txid::text::bigint AS txid, stream_id, version, type, data, metadata, recorded_at
FROM events WHERE stream_id = $1 AND position > $2 ORDER BY version
"""

# Only below the oldest in-flight transaction: nothing can later commit behind this cursor.
_READ_ALL = """
SELECT position, txid::text::bigint AS txid, stream_id, version, type, data, metadata, recorded_at
FROM events
WHERE (txid, position) > ($1::text::xid8, $2)
  AND txid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY txid, position
LIMIT $3
"""


def decode(row: asyncpg.Record) -> Recorded:
    """A row of ``events`` as a ``Recorded`` event (its payload validated by its registered model)."""
    data = row["data"]
    metadata = row["metadata"]
    if isinstance(data, str):
        data = json.loads(data)
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return Recorded(
        position=row["position"],
        txid=row["txid"],
        stream_id=row["stream_id"],
        version=row["version"],
        type=row["type"],
        # Valid when written: rules tightened since (userinput.STORED) must not make history unreadable.
        data=ev.model_for(row["type"]).model_validate(data, context=userinput.STORED),
        metadata=ev.Metadata.model_validate(metadata),
        recorded_at=row["recorded_at"],
    )


async def stream_version(conn: asyncpg.Connection, stream_id: str) -> int:
    version: int = await conn.fetchval(_STREAM_VERSION, stream_id)
    return version


class EventStore:
    """Appends events and applies ``projector``'s handlers to them in the same transaction."""

    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    async def append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        events: Sequence[ev.Event],
        *,
        expected_version: int = ANY,
        metadata: ev.Metadata | None = None,
    ) -> list[Recorded]:
        """Append ``events`` to ``stream_id``, update projections and send notifications.

        All in one transaction (the caller's, if one is open): a reader never sees an event
        without its projection. ``expected_version`` is the version the caller last saw
        (``NO_STREAM`` for a new stream); a lost race raises ``StreamConflict``, never overwrites.
        """
        if not events:
            return []
        if len(events) == 1 and conn.is_in_transaction():
            # No savepoint in the caller's transaction: a lost race writes nothing (see _INSERT). A
            # multi-event append may get some rows in before the race, so it keeps one to undo them.
            return await self._append(conn, stream_id, events, expected_version, metadata)
        async with conn.transaction():
            return await self._append(conn, stream_id, events, expected_version, metadata)

    async def _append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        events: Sequence[ev.Event],
        expected_version: int,
        metadata: ev.Metadata | None,
    ) -> list[Recorded]:
        meta = (metadata or ev.Metadata()).model_dump(mode="json", exclude_none=True)
        rows = await conn.fetch(
            _INSERT,
            stream_id,
            [e.type_name() for e in events],
            [e.model_dump(mode="json") for e in events],
            [meta] * len(events),
            expected_version,
        )
        if len(rows) != len(events):
            # Raised inside the transaction or savepoint that holds any rows that did get in.
            actual = await stream_version(conn, stream_id)
            raise StreamConflict(stream_id, expected_version, actual)
        rows = sorted(rows, key=lambda row: row["version"])
        recorded_meta = ev.Metadata.model_validate(meta)
        recorded = [
            Recorded(
                position=row["position"],
                txid=row["txid"],
                stream_id=stream_id,
                version=row["version"],
                type=row["type"],
                data=event,
                metadata=recorded_meta,
                recorded_at=row["recorded_at"],
            )
            for row, event in zip(rows, events, strict=True)
        ]
        for item in recorded:
            await self.projector.apply(conn, item)
        await _notify(conn, recorded)
        return recorded


async def _notify(conn: asyncpg.Connection, recorded: list[Recorded]) -> None:
    """One NOTIFY per channel per append, in one statement; payloads are ids only."""
    channels: dict[str, str] = {}
    last = recorded[-1]
    for item in recorded:
        for channel in type(item.data).notify:
            channels[channel] = _payload_for(channel, item)
    channels[ev.EVENTS_CHANNEL] = f"{last.stream_id}:{last.position}"
    await conn.execute(_NOTIFY, list(channels), list(channels.values()))


def _payload_for(channel: str, item: Recorded) -> str:
    crawl_id = getattr(item.data, "crawl_id", None)
    return str(crawl_id) if crawl_id is not None else item.stream_id


async def read_stream(conn: asyncpg.Connection, stream_id: str, *, after_position: int = 0) -> list[Recorded]:
    """Every event of one stream in version order (optionally only those after a position)."""
    return [decode(row) for row in await conn.fetch(_READ_STREAM, stream_id, after_position)]


async def read_all(conn: asyncpg.Connection, after: Cursor = START, *, limit: int = 1000) -> list[Recorded]:
    """The next events of the whole log after ``after``, never skipping one that commits late."""
    rows = await conn.fetch(_READ_ALL, str(after.txid), after.position, limit)
    return [decode(row) for row in rows]


def cursor_of(item: Recorded) -> Cursor:
    return Cursor(item.txid, item.position)


async def cursor_at(conn: asyncpg.Connection, position: int) -> Cursor:
    """The follower cursor of a known position (to resume a stream from ``Last-Event-ID``)."""
    row = await conn.fetchrow("SELECT txid::text::bigint AS txid FROM events WHERE position = $1", position)
    return Cursor(row["txid"], position) if row else START


def serialize(item: Recorded) -> dict[str, Any]:
    """The JSON shape of a recorded event (for the api's live streams)."""
    return {
        "position": item.position,
        "stream_id": item.stream_id,
        "version": item.version,
        "type": item.type,
        "data": item.data.model_dump(mode="json"),
        "metadata": item.metadata.model_dump(mode="json", exclude_none=True),
        "recorded_at": item.recorded_at.isoformat(timespec="microseconds"),
    }
