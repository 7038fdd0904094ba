"""The benchmark's Postgres: our own embedded server (or BENCH_DATABASE_URL), one database per system."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg

from shared.platform import embedded


@contextlib.contextmanager
def server(database_url: str | None, data_dir: Path) -> Iterator[str]:
    """An administrative DSN: the given server's, or an embedded server's whose data is in ``data_dir``."""
    if database_url:
        yield database_url
        return
    handle = embedded.start(data_dir)
    try:
        yield handle.get_uri()
    finally:
        handle.cleanup()


@contextlib.asynccontextmanager
async def database(admin_dsn: str, label: str) -> AsyncIterator[str]:
    """A new empty database for one system under test, dropped afterwards."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield embedded.with_database(admin_dsn, name)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


_SETTINGS = ("shared_buffers", "synchronous_commit", "fsync", "max_connections", "work_mem")


async def facts(admin_dsn: str) -> dict[str, Any]:
    """The server's version and the settings that move queue numbers."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        version = await conn.fetchval("SHOW server_version")
        full = await conn.fetchval("SELECT version()")
        settings = {name: await conn.fetchval(f"SHOW {name}") for name in _SETTINGS}
    finally:
        await conn.close()
    return {"postgres_version": version, "postgres_build": full, "postgres_settings": settings}
