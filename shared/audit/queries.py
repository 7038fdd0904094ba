"""SQL fragments the site rules share (which pages answered, redirect, say noindex) and a cursor.

Whether a page says noindex is not SQL: its robots values are read by ``shared.audit.directives``,
the parser the worker and the page rules use too (``robots_columns`` and ``says_noindex``).

Fragments take the alias of the ``pages`` row they test: ``ok("t")``. They are constants of the
code, never user input, so formatting them into query text is safe.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from shared.audit import directives

# The page answered 200 itself (no redirect, no error); CONTENT adds "and is HTML".
OK = "{p}.status_code = 200 AND {p}.error IS NULL AND NOT {p}.blocked_by_robots AND {p}.redirect_chain = '[]'::jsonb"
CONTENT = OK + " AND {p}.content_type ILIKE '%html%'"
REDIRECTS = "({p}.redirect_chain <> '[]'::jsonb OR {p}.status_code BETWEEN 300 AND 399)"
# What the rules read of a page to judge its robots rules in Python.
ROBOTS = "{p}.meta_robots AS robots_meta, {p}.x_robots_tag AS robots_header, {p}.crawled_at AS robots_at"


def ok(p: str) -> str:
    return OK.format(p=p)


def content(p: str) -> str:
    return CONTENT.format(p=p)


def redirects(p: str) -> str:
    return REDIRECTS.format(p=p)


def robots_columns(p: str) -> str:
    return ROBOTS.format(p=p)


def says_noindex(row: asyncpg.Record) -> bool:
    """The page of ``robots_columns`` says noindex (meta robots or X-Robots-Tag, at its crawl)."""
    return directives.of(row["robots_meta"], row["robots_header"]).noindex(row["robots_at"])


async def stream(conn: asyncpg.Connection, sql: str, *args: Any) -> AsyncIterator[asyncpg.Record]:
    """Rows of ``sql`` through a server-side cursor (flat memory on big crawls)."""
    # a cursor needs a transaction; inside the caller's, a savepoint is not needed either
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        async for row in conn.cursor(sql, *args, prefetch=2000):
            yield row
