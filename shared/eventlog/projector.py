"""The projector registry: which handlers turn which event into rows of which tables.

The store receives a ``Projector`` and runs its handlers inside the appending transaction; rebuild
receives the same one and replays the log through it. Neither imports the handlers, so the store
and the projections do not import each other (``shared.eventlog.projections`` builds the one the
services use).

Each handler takes the connection (inside the append's transaction) and the recorded event.
Handlers must depend only on the event and earlier events, never on the clock or on tables
outside the projections, so that a rebuild reproduces the live tables exactly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import asyncpg

from shared.eventlog import events as ev

Handler = Callable[[asyncpg.Connection, ev.Recorded], Awaitable[None]]


class Projector:
    """Handlers by event type, and the tables they write (what a rebuild empties first)."""

    def __init__(self, tables: Iterable[str] = ()) -> None:
        self.tables: tuple[str, ...] = tuple(tables)
        self._handlers: dict[str, list[Handler]] = {}

    def handles(self, *types: type[ev.Event]) -> Callable[[Handler], Handler]:
        """Register a handler for one or more event types (they run in registration order)."""

        def register(fn: Handler) -> Handler:
            for t in types:
                self._handlers.setdefault(t.type_name(), []).append(fn)
            return fn

        return register

    def include(self, other: Projector) -> None:
        """Take over another projector's handlers and tables (one registry per module, composed once)."""
        self.tables += tuple(t for t in other.tables if t not in self.tables)
        for type_name, handlers in other._handlers.items():
            self._handlers.setdefault(type_name, []).extend(handlers)

    def handled_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    async def apply(self, conn: asyncpg.Connection, item: ev.Recorded) -> None:
        for handler in self._handlers.get(item.type, ()):
            await handler(conn, item)
