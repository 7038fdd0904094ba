"""Appending to the log's streams: the event store wired to every projection.

This is the one place the store and the projections meet (neither imports the other). Every
service appends through ``streams.append``; tests and tools that need another set of projections
build their own ``eventstore.EventStore``.
"""

from __future__ import annotations

from shared.eventlog import eventstore
from shared.eventlog.projections.handlers import PROJECTOR

STORE = eventstore.EventStore(PROJECTOR)

# ``append(conn, stream_id, events, *, expected_version=ANY, metadata=None)``: see EventStore.append.
append = STORE.append
