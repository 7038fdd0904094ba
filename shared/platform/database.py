"""Database access: pools, single connections and migrations, all with JSON codecs set."""

from __future__ import annotations

import asyncio
import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import structlog

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# What a lost connection looks like: the server went away, or our backend was terminated.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncio.TimeoutError,
)


# Errors that only a connection to a server that went away (or is starting or stopping) raises.
_SERVER_GONE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.CrashShutdownError,
)


async def reachable(dsn: str, *, timeout: float = 3.0) -> bool:
    """Whether a new connection to the database can be opened now."""
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout)
    except (*CONNECTION_ERRORS, asyncpg.PostgresError):
        return False
    await conn.close(timeout=timeout)
    return True


def _raised_by_the_driver(error: BaseException) -> bool:
    """Whether ``error`` was raised while talking to Postgres (a frame of asyncpg on its traceback)."""
    return any(
        str(frame.f_globals.get("__name__", "")).startswith("asyncpg")
        for frame, _ in traceback.walk_tb(error.__traceback__)
    )


async def lost_connection(exc: BaseException, dsn: str) -> bool:
    """Whether ``exc`` means the database went away (a restart, an outage), not a fault of the caller.

    What only a vanished server raises counts at once; a refused or reset connection, or a closed
    one, counts when the driver raised it (not, say, an HTTP fetch); a timeout counts when the
    database cannot be reached right now (a busy pool times out too).
    """
    seen: set[int] = set()
    error: BaseException | None = exc
    timed_out = False
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _SERVER_GONE):
            return True
        if isinstance(error, TimeoutError):
            timed_out = True
        elif isinstance(error, asyncpg.exceptions.InterfaceError):
            # The driver's misuse errors ("another operation is in progress") are ours to fix, not an outage.
            if "closed" in str(error).lower():
                return True
        elif isinstance(error, CONNECTION_ERRORS) and _raised_by_the_driver(error):
            return True
        error = error.__cause__ or error.__context__
    return timed_out and not await reachable(dsn)


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _dumps(value: Any) -> str:
    """JSON text for a json/jsonb parameter (every page batch passes here: orjson, several times faster).

    Values orjson does not take the way ``json.dumps`` did (integers beyond 64 bits, lone
    surrogates, NaN) go through ``json.dumps`` as before; ``default=str`` on both, so datetimes and
    dataclasses are written as they always were.
    """
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode("utf-8")
    except (TypeError, ValueError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb to Python values on every connection we open."""
    await conn.set_type_codec("jsonb", encoder=_dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=_dumps, decoder=json.loads, schema="pg_catalog")


async def connect(dsn: str, *, timeout: float = 10.0) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, timeout=timeout)
    await init_connection(conn)
    return conn


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, server_settings: dict[str, str] | None = None
) -> asyncpg.Pool:
    """A pool whose connections carry our codecs (and ``server_settings``); waits for the database with backoff."""
    delay = 0.2
    while True:
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                init=init_connection,
                server_settings=server_settings,
                # a server restart invalidates every connection; do not hand out dead ones for long
                max_inactive_connection_lifetime=60,
            )
            assert pool is not None
            return pool
        except CONNECTION_ERRORS as exc:
            log.warning("database unavailable, retrying", error=str(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def retrying(
    action: Callable[[], Any], *, attempts: int = 8, first_delay: float = 0.1, what: str = "database call"
) -> Any:
    """Run ``action`` again after a lost connection, with exponential backoff."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return await action()
        except CONNECTION_ERRORS as exc:
            if attempt == attempts:
                raise
            log.warning("connection lost, retrying", what=what, error=str(exc), attempt=attempt)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def yoyo_url(dsn: str) -> str:
    """yoyo's ``postgresql://`` backend is psycopg2, which takes our libpq URLs as they are."""
    if dsn.startswith("postgres://"):
        return "postgresql://" + dsn[len("postgres://") :]
    return dsn


def migrate(dsn: str, *, rollback_all: bool = False) -> int:
    """Apply every pending migration (or roll every applied one back). Returns how many ran."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(dsn))
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        with backend.lock():
            if rollback_all:
                todo = backend.to_rollback(migrations)
                backend.rollback_migrations(todo)
            else:
                todo = backend.to_apply(migrations)
                backend.apply_migrations(todo)
        return len(todo)
    finally:
        backend.connection.close()
