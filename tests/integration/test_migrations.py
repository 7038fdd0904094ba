"""Migrations: every one applies to an empty database, rolls back cleanly, and applies again identically."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

from shared.platform import database

_SCHEMA = """
SELECT 'table ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_yoyo%'
  AND table_name NOT LIKE 'yoyo%'
UNION ALL
SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename NOT LIKE '\\_yoyo%' AND tablename NOT LIKE 'yoyo%'
UNION ALL
SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '%yoyo%'
ORDER BY 1
"""


async def _schema(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return [row[0] for row in await conn.fetch(_SCHEMA)]
    finally:
        await conn.close()


def test_migrations_apply_roll_back_and_apply_again(make_database: Callable[..., str]) -> None:
    dsn = make_database(migrated=False)
    migrations = sorted(p for p in database.MIGRATIONS_DIR.glob("*.sql") if not p.name.endswith(".rollback.sql"))
    # Every migration has its rollback.
    for path in migrations:
        assert path.with_name(path.name.replace(".sql", ".rollback.sql")).exists(), path.name

    assert database.migrate(dsn) == len(migrations)
    first = asyncio.run(_schema(dsn))
    tables = {line.split()[1].split(".")[0] for line in first if line.startswith("table ")}
    assert {"events", "crawls", "parsequeue", "schedules"} <= tables
    assert any("parsequeue_ready" in line for line in first)
    assert database.migrate(dsn) == 0  # nothing left to apply

    assert database.migrate(dsn, rollback_all=True) == len(migrations)
    assert asyncio.run(_schema(dsn)) == []

    assert database.migrate(dsn) == len(migrations)
    assert asyncio.run(_schema(dsn)) == first
