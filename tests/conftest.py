"""Test fixtures: a real Postgres, a migrated template, one fresh database per test.

``TEST_DATABASE_URL`` points at a server to use (its database is only used to create others);
otherwise an embedded server is started once per test session.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from shared.platform import database, embedded
from tests.integration.renderharness import (  # noqa: F401  (the rendering tests' fixtures)
    make_renderer,
    render_pool,
    render_sites,
    shared_browser,
)
from tests.sites.server import site_factory  # noqa: F401  (the local test-site fixture)

TEMPLATE = "seo_test_template"


def pytest_configure(config: pytest.Config) -> None:
    """Tests state every setting they rely on: drop the product's variables a shell may have exported.

    Otherwise ``ALLOW_PRIVATE_NETWORKS=true`` or ``API_TOKEN`` in the caller's environment would
    quietly change what ``Settings()`` means inside a test (and in the services tests start).
    """
    from shared.platform.settings import Settings

    for name in Settings.model_fields:
        os.environ.pop(name.upper(), None)
    # The loop watchdog's timer is process-wide and outlives a test that never cleaned its app up:
    # off in the test process and the services it starts, unless a test asks for it.
    os.environ["WATCHDOG_SECONDS"] = "0"


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """DSN of an administrative database on the test server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    data = tempfile.mkdtemp(prefix="seo-test-pg-")
    server = embedded.start(data)
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


async def _admin(dsn: str, *sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in sql:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_dsn(pg_server_dsn: str) -> str:
    """A database with every migration applied, cloned by each test."""
    dsn = embedded.with_database(pg_server_dsn, TEMPLATE)
    asyncio.run(
        _admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
    )
    database.migrate(dsn)
    return dsn


@pytest.fixture
def make_database(pg_server_dsn: str, template_dsn: str) -> Iterator[object]:
    """Factory: a new migrated database per call, dropped after the test."""
    created: list[str] = []

    def factory(migrated: bool = True) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        asyncio.run(_admin(pg_server_dsn, f"CREATE DATABASE {name}{template}"))
        created.append(name)
        return embedded.with_database(pg_server_dsn, name)

    yield factory
    for name in created:
        asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def dsn(make_database: object) -> str:
    """A fresh migrated database for this test."""
    return make_database()  # type: ignore[operator, no-any-return]


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    p = await database.create_pool(dsn, min_size=1, max_size=20)
    try:
        yield p
    finally:
        await p.close()
