"""The event store: append with an expected version, read a stream, follow the whole log.

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
from datetime import datetime
from typing import Any

import asyncpg

from shared import events as ev
from shared import projections

ANY = -1  # expected_version meaning "append whatever the stream's version is"
NO_STREAM = 0  # expected_version meaning "the stream must not exist yet"


class StreamConflict(Exception):
    """Another writer appended to the stream first; re-read and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        found = "" if actual is None else f", found version {actual}"
        super().__init__(f"stream {stream_id} was changed concurrently: expected version {expected}{found}")


@dataclass(frozen=True)
class Recorded:
    """An event as stored: its place in the log and its decoded payload."""

    position: int
    txid: int
    stream_id: str
    version: int
    type: str
    data: ev.Event
    metadata: ev.Metadata
    recorded_at: datetime


@dataclass(frozen=True, order=True)
class Cursor:
    """A follower's place in the log's total order ``(txid, position)``."""

    txid: int = 0
    position: int = 0


START = Cursor()

_STREAM_VERSION = "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1"

_INSERT = """
INSERT INTO events (stream_id, version, type, data, metadata)
SELECT $1, v, t, d, m
FROM unnest($2::int[], $3::text[], $4::jsonb[], $5::jsonb[]) AS x(v, t, d, m)
RETURNING position, txid::text::bigint AS txid, version, type, recorded_at
"""

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


def _decode(row: asyncpg.Record) -> Recorded:
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
        data=ev.model_for(row["type"]).model_validate(data),
        metadata=ev.Metadata.model_validate(metadata),
        recorded_at=row["recorded_at"],
    )


async def stream_version(conn: asyncpg.Connection, stream_id: str) -> int:
    version: int = await conn.fetchval(_STREAM_VERSION, stream_id)
    return version


async def append(
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
    meta = (metadata or ev.Metadata()).model_dump(mode="json", exclude_none=True)
    async with conn.transaction():
        current = await stream_version(conn, stream_id)
        if expected_version != ANY and current != expected_version:
            raise StreamConflict(stream_id, expected_version, current)
        versions = list(range(current + 1, current + 1 + len(events)))
        try:
            async with conn.transaction():  # a savepoint, so the conflict leaves the caller's tx usable
                rows = await conn.fetch(
                    _INSERT,
                    stream_id,
                    versions,
                    [e.type_name() for e in events],
                    [e.model_dump(mode="json") for e in events],
                    [meta] * len(events),
                )
        except asyncpg.UniqueViolationError:
            raise StreamConflict(stream_id, expected_version if expected_version != ANY else current) from None
        recorded = [
            Recorded(
                position=row["position"],
                txid=row["txid"],
                stream_id=stream_id,
                version=row["version"],
                type=row["type"],
                data=event,
                metadata=ev.Metadata.model_validate(meta),
                recorded_at=row["recorded_at"],
            )
            for row, event in zip(rows, events, strict=True)
        ]
        for item in recorded:
            await projections.apply(conn, item)
        await _notify(conn, recorded)
    return recorded


async def _notify(conn: asyncpg.Connection, recorded: list[Recorded]) -> None:
    """One NOTIFY per channel per append (delivered at commit); payloads are ids only."""
    channels: dict[str, str] = {}
    last = recorded[-1]
    for item in recorded:
        for channel in type(item.data).notify:
            channels[channel] = _payload_for(channel, item)
    channels[ev.EVENTS_CHANNEL] = f"{last.stream_id}:{last.position}"
    for channel, payload in channels.items():
        await conn.execute("SELECT pg_notify($1, $2)", channel, payload)


def _payload_for(channel: str, item: Recorded) -> str:
    crawl_id = getattr(item.data, "crawl_id", None)
    return str(crawl_id) if crawl_id is not None else item.stream_id


async def read_stream(conn: asyncpg.Connection, stream_id: str, *, after_position: int = 0) -> list[Recorded]:
    """Every event of one stream in version order (optionally only those after a position)."""
    return [_decode(row) for row in await conn.fetch(_READ_STREAM, stream_id, after_position)]


async def read_all(conn: asyncpg.Connection, after: Cursor = START, *, limit: int = 1000) -> list[Recorded]:
    """The next events of the whole log after ``after``, never skipping one that commits late."""
    rows = await conn.fetch(_READ_ALL, str(after.txid), after.position, limit)
    return [_decode(row) for row in rows]


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
