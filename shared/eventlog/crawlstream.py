"""The one writer of a crawl's stream: lock the crawl's queue row, decide, append with the metadata, retry.

Every append to an existing ``crawl-<id>`` stream goes through ``write`` (the api's pause, cancel
and resume; the worker's page batches, site audit and outcomes; the scheduler's expired leases and
due retries):

1. **lock** the crawl's queue row (``parsequeue.lock``). Taking that lock before the stream's next
   version, in this one order everywhere, is what keeps a page batch and a concurrent cancel from
   deadlocking, and each writer sees the row as it is now: whose lease, expired or not, held back
   until when (``None`` when the crawl has no queue row: paused or finished);
2. **decide** the events from what the lock returned. The decision may raise (a lost lease, a
   state that does not allow the change) and then nothing is written; no events, nothing written;
3. **append** them with the crawl's metadata (``metadata``: the crawl id as correlation id, the
   actor), at whatever version the stream has, or, with ``check_version``, at the version read
   under the lock, for writers whose decision rests on the projection's state;
4. on a lost race (another writer took the version first, or a deadlock) **retry** the whole of
   it, ``ATTEMPTS`` times at most, a few milliseconds apart; then ``CrawlStreamBusy``.

Inside the caller's transaction (the worker's page batch writes the frontier in the same one) the
attempts run in it; a deadlock there has aborted the caller's transaction, so it is the caller's
to retry. A new crawl's first event is ``start``; the claim (``parsequeue.claim``) is the one
writer in SQL, and writes ``CrawlStarted`` with this module's metadata (a test holds it to that).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.eventlog.events import Recorded
from shared.eventlog.projections import parsequeue
from shared.eventlog.projections.parsequeue import QueueRow

ATTEMPTS = 5
PAUSE_SECONDS = 0.005  # times the attempt number: 5, 10, 15, 20 ms


class CrawlStreamBusy(eventstore.StreamConflict):
    """Every attempt lost its race: the crawl keeps changing. Try again later (or let the next pass)."""


@dataclass(frozen=True)
class Held:
    """What the writer holds when it decides: the locked queue row and, if asked for, the stream's version."""

    crawl_id: uuid.UUID
    row: QueueRow | None  # None: the crawl has no queue row (paused, finished, or never existed)
    version: int | None = None  # with check_version: the stream's version under the lock


Decide = Callable[[Held], Awaitable[Sequence[ev.Event]]]


def metadata(crawl_id: uuid.UUID, actor: str, causation_id: str | None = None) -> ev.Metadata:
    """A crawl event's metadata: the crawl id follows it end to end, the actor says who wrote it."""
    return ev.Metadata(correlation_id=str(crawl_id), causation_id=causation_id, actor=actor)


def worker_actor(worker_id: str) -> str:
    return f"worker:{worker_id}"


async def write(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    decide: Decide,
    *,
    actor: str,
    causation_id: str | None = None,
    check_version: bool = False,
) -> list[Recorded]:
    """Lock the crawl's queue row, ``decide`` the events, append them; retried on a lost race (module doc)."""
    meta = metadata(crawl_id, actor, causation_id)
    in_callers_transaction = conn.is_in_transaction()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if in_callers_transaction:
                return await _write_once(conn, crawl_id, decide, meta, check_version)
            async with conn.transaction():
                return await _write_once(conn, crawl_id, decide, meta, check_version)
        except eventstore.StreamConflict:
            pass
        except asyncpg.DeadlockDetectedError:
            if in_callers_transaction:
                raise
        if attempt < ATTEMPTS:
            await asyncio.sleep(PAUSE_SECONDS * attempt)
    raise CrawlStreamBusy(ev.crawl_stream(crawl_id), eventstore.ANY)


async def _write_once(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, decide: Decide, meta: ev.Metadata, check_version: bool
) -> list[Recorded]:
    stream = ev.crawl_stream(crawl_id)
    row = await parsequeue.lock(conn, crawl_id)
    version = await eventstore.stream_version(conn, stream) if check_version else None
    events = await decide(Held(crawl_id, row, version))
    if not events:
        return []
    expected = version if version is not None else eventstore.ANY
    return await streams.append(conn, stream, events, expected_version=expected, metadata=meta)


async def start(
    conn: asyncpg.Connection, requested: ev.CrawlRequested, *, actor: str, causation_id: str | None = None
) -> list[Recorded]:
    """A new crawl's first event (its stream must not exist yet; there is no queue row to lock)."""
    meta = metadata(requested.crawl_id, actor, causation_id)
    return await streams.append(
        conn, ev.crawl_stream(requested.crawl_id), [requested], expected_version=eventstore.NO_STREAM, metadata=meta
    )
