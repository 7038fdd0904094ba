"""Rebuild: empty every projection's tables and replay the whole log into them, in order.

Beside the store because it is the store's other reader of the whole log: it decodes rows the
way ``eventstore.read_all`` does and hands each event to the projector the store appends with.
"""

from __future__ import annotations

import asyncpg

from shared.eventlog import eventstore
from shared.eventlog.projections.handlers import PROJECTOR
from shared.eventlog.projector import Projector

# Unlike eventstore.read_all there is no in-flight horizon to respect: the log is locked.
_READ_ALL = """SELECT position, txid::text::bigint AS txid, stream_id, version, type, data, metadata, recorded_at
               FROM events WHERE (txid, position) > ($1::text::xid8, $2)
               ORDER BY txid, position LIMIT $3"""


async def rebuild(conn: asyncpg.Connection, projector: Projector = PROJECTOR, *, batch: int = 500) -> int:
    """Drop every projection's rows and replay the whole log into them. Returns events replayed.

    Writers are locked out for the duration (EXCLUSIVE on the log still lets readers read), so
    the replay sees a log that nothing is being appended to.
    """
    replayed = 0
    async with conn.transaction():
        await conn.execute("LOCK TABLE events IN EXCLUSIVE MODE")
        await conn.execute(f"TRUNCATE {', '.join(projector.tables)}")
        last_txid, last_position = 0, 0
        while True:
            rows = await conn.fetch(_READ_ALL, str(last_txid), last_position, batch)
            if not rows:
                break
            for row in rows:
                await projector.apply(conn, eventstore.decode(row))
                replayed += 1
            last_txid, last_position = rows[-1]["txid"], rows[-1]["position"]
    return replayed
