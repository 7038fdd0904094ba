"""scripts/backup.sh and scripts/restore.sh against a real Postgres: dump, rotate, restore.

The pgserver wheel ships pg_dump and pg_restore next to its postgres, so the scripts run exactly as
an operator runs them with ``DATABASE_URL``. The compose path (``docker compose exec postgres``)
is exercised through a stand-in ``docker`` that runs the in-container command against the same
server, with the environment the official postgres image gives it.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pgserver
import pytest

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform import database

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
PG_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"

# Stands in for `docker compose exec -T postgres sh -c SCRIPT [ARGS...]`: runs SCRIPT with the
# variables the postgres container has, against the test server's socket.
FAKE_DOCKER = """#!/usr/bin/env bash
set -euo pipefail
[ "$1 $2 $3 $4" = "compose exec -T postgres" ] || { echo "unexpected docker call: $*" >&2; exit 97; }
shift 4
exec "$@"
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGHOST", "PGDATABASE")}
    env["PATH"] = f"{PG_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["BACKUP_DIR"] = str(tmp_path / "backups")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)


async def _request_crawl(dsn: str, url: str) -> None:
    conn = await database.connect(dsn)
    try:
        crawl_id = uuid.uuid4()
        await streams.append(
            conn,
            ev.crawl_stream(crawl_id),
            [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url=url))],
            expected_version=eventstore.NO_STREAM,
        )
    finally:
        await conn.close()


async def _state(dsn: str) -> tuple[list[str], int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        urls = [r["url"] for r in await conn.fetch("SELECT url FROM crawls ORDER BY url")]
        queued = await conn.fetchval("SELECT count(*) FROM parsequeue")
        events = await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()
    return urls, queued, events


def test_backup_rotates_and_restore_brings_the_data_back(make_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dsn = make_database()
    asyncio.run(_request_crawl(dsn, "https://a.example/"))
    env = _env(tmp_path, DATABASE_URL=dsn, BACKUP_KEEP="2")

    made = []
    for _ in range(3):
        result = _run([str(BACKUP)], env)
        assert result.returncode == 0, result.stderr
        made.append(Path(result.stdout.strip()))
    kept = sorted((tmp_path / "backups").glob("seo-*.dump"))
    assert kept == sorted(made[1:]), "rotation keeps the newest BACKUP_KEEP dumps"
    assert not list((tmp_path / "backups").glob("*.partial"))

    # Changes after the backup disappear on restore; what the dump held comes back.
    asyncio.run(_request_crawl(dsn, "https://b.example/"))
    assert asyncio.run(_state(dsn))[0] == ["https://a.example/", "https://b.example/"]
    result = _run([str(RESTORE), "-y", str(made[-1])], env)
    assert result.returncode == 0, result.stderr
    assert asyncio.run(_state(dsn)) == (["https://a.example/"], 1, 1)

    # The same dump restores into an empty database (a new server after a disaster), and the
    # migrations table comes with it, so `migrate` finds nothing left to apply.
    empty = make_database(migrated=False)
    result = _run([str(RESTORE), "--yes", str(made[-1])], _env(tmp_path, DATABASE_URL=empty))
    assert result.returncode == 0, result.stderr
    assert asyncio.run(_state(empty)) == (["https://a.example/"], 1, 1)
    assert database.migrate(empty) == 0


def test_restore_refuses_without_confirmation_and_on_a_missing_file(make_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dsn = make_database()
    env = _env(tmp_path, DATABASE_URL=dsn)
    dump = Path(_run([str(BACKUP)], env).stdout.strip())
    asyncio.run(_request_crawl(dsn, "https://kept.example/"))

    result = subprocess.run(
        [str(RESTORE), str(dump)], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "-y" in result.stderr
    assert asyncio.run(_state(dsn))[0] == ["https://kept.example/"], "nothing was overwritten"

    result = _run([str(RESTORE), "-y", str(tmp_path / "nope.dump")], env)
    assert result.returncode == 2 and "no such file" in result.stderr


def test_backup_fails_loudly_and_keeps_nothing_when_the_database_is_unreachable(tmp_path: Path) -> None:
    env = _env(tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    result = _run([str(BACKUP)], env)
    assert result.returncode != 0
    assert not list((tmp_path / "backups").glob("*")), "no partial or empty dump is left behind"


@pytest.mark.parametrize("what", ["backup", "restore"])
def test_compose_path_runs_the_in_container_commands(make_database, tmp_path: Path, what: str) -> None:  # type: ignore[no-untyped-def]
    """Without DATABASE_URL the scripts go through `docker compose exec -T postgres`."""
    dsn = make_database()
    asyncio.run(_request_crawl(dsn, "https://compose.example/"))
    parts = urlsplit(dsn)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    container = {
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_DB": parts.path.lstrip("/"),
        "PGHOST": parse_qs(parts.query)["host"][0],
    }
    env = _env(tmp_path, **container)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"

    result = _run([str(BACKUP)], env)
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip())
    assert dump.read_bytes()[:5] == b"PGDMP", "custom-format archive"
    if what == "restore":
        asyncio.run(_request_crawl(dsn, "https://later.example/"))
        result = _run([str(RESTORE), "-y", str(dump)], env)
        assert result.returncode == 0, result.stderr
        assert asyncio.run(_state(dsn)) == (["https://compose.example/"], 1, 1)
