"""The commands the containers run, run here: exactly the compose file's argv and environment.

They run in a copy of what the image holds (the Dockerfile's COPY lines into its WORKDIR, its ENV),
not in the repository, so a module renamed, a ``__main__`` missing, a file the code needs left out
of the image or a healthcheck probing the wrong port fails here before it fails on a VPS.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests import composefile
from tests.composefile import ROOT
from tests.integration.service_support import free_port

IMAGE_WORKDIR = "/app"
PORT_VARIABLE = {"api": "API_PORT", "worker": "WORKER_PORT", "scheduler": "SCHEDULER_PORT"}
DEFAULT_PORT = {"api": 8000, "worker": 8001, "scheduler": 8002}


def _runtime_stage() -> list[str]:
    """The Dockerfile's last stage, one instruction per line (continuations joined)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A directory laid out like the image's WORKDIR, and the image's ENV (paths mapped into it)."""
    app = tmp_path_factory.mktemp("image") / "app"
    app.mkdir()
    stage = _runtime_stage()
    assert f"WORKDIR {IMAGE_WORKDIR}" in stage
    env: dict[str, str] = {}
    for line in stage:
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", rest):
                env[name] = value.replace(IMAGE_WORKDIR, str(app))
        if keyword.upper() == "COPY" and "--from=" not in rest:
            *sources, target = rest.split()
            for source in sources:
                src, dst = ROOT / source, app / target
                if src.is_dir():
                    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    dst.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dst / src.name if target.endswith("/") or target == "./" else dst)
    # The UI comes from the node stage; a stand-in index.html is enough to start the api.
    dist = Path(env.get("FRONTEND_DIST", app / "frontend" / "dist"))
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("<!doctype html><title>SEO crawler</title>")
    return app, env


def _compose_services() -> dict[str, Any]:
    return composefile.render(composefile.load(ROOT / "docker-compose.yml"), {})["services"]


def _argv(service: dict[str, Any]) -> list[str]:
    """The container's command with this interpreter for the image's ``python``."""
    argv = composefile.command(service)
    assert argv[0] == "python"
    return [sys.executable, *argv[1:]]


def _env(image: tuple[Path, dict[str, str]], service: dict[str, Any], dsn: str, **extra: str) -> dict[str, str]:
    """The container's environment (image ENV, then compose ``environment``), on the test database."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "XDG_RUNTIME_DIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(image[1])
    env.update({k: str(v) for k, v in service["environment"].items()})
    env.update({"DATABASE_URL": dsn, "HOST": "127.0.0.1"})
    env.update(extra)
    return env


def test_migrate_command_applies_the_schema_and_is_idempotent(make_database, image) -> None:  # type: ignore[no-untyped-def]
    migrate = _compose_services()["migrate"]
    empty = make_database(migrated=False)
    for _ in range(2):  # a second `docker compose up` runs it again: nothing to do, still exit 0
        result = subprocess.run(
            _argv(migrate), cwd=image[0], env=_env(image, migrate, empty), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr

    async def tables() -> set[str]:
        conn = await asyncpg.connect(empty)
        try:
            return {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables")}
        finally:
            await conn.close()

    assert {"events", "crawls", "parsequeue", "schedules"} <= asyncio.run(tables())


def test_migrate_command_fails_with_a_clear_message_when_the_database_is_wrong(image) -> None:  # type: ignore[no-untyped-def]
    migrate = _compose_services()["migrate"]
    env = _env(image, migrate, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    result = subprocess.run(_argv(migrate), cwd=image[0], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, "compose must not start the services after a failed migration"
    assert "migration failed" in result.stderr and "Traceback" not in result.stderr


async def _wait_healthy(proc: asyncio.subprocess.Process, url: str, timeout: float = 45.0) -> dict[str, Any]:
    """Probe /health until it answers 200; fail at once if the process dies."""
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            if proc.returncode is not None:
                log = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
                raise AssertionError(f"the service exited with {proc.returncode} before it was healthy:\n{log[-3000:]}")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    if resp.status == 200:
                        body: dict[str, Any] = await resp.json()
                        return body
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("name", ["api", "worker", "scheduler"])
async def test_service_command_starts_passes_its_compose_healthcheck_and_stops_on_sigterm(
    dsn: str, name: str, image: tuple[Path, dict[str, str]]
) -> None:
    service = _compose_services()[name]
    port = free_port()
    env = _env(image, service, dsn, **{PORT_VARIABLE[name]: str(port)})
    proc = await asyncio.create_subprocess_exec(
        *_argv(service), cwd=str(image[0]), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        body = await _wait_healthy(proc, f"http://127.0.0.1:{port}/health")
        assert body["status"] == "ok"

        # The container's own healthcheck command, aimed at this process's port.
        check = [str(part) for part in service["healthcheck"]["test"]]
        assert check[0] == "CMD"
        probe = [sys.executable if part == "python" else part for part in check[1:]]
        probe = [part.replace(f":{DEFAULT_PORT[name]}/", f":{port}/") for part in probe]
        result = await asyncio.create_subprocess_exec(*probe)
        assert await asyncio.wait_for(result.wait(), 20) == 0

        proc.send_signal(signal.SIGTERM)  # what `docker compose stop` sends
        assert await asyncio.wait_for(proc.wait(), 25) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        assert proc.stderr is not None
        log = (await proc.stderr.read()).decode(errors="replace")
    assert "Traceback" not in log, log[-2000:]


def test_the_documented_token_rotation_works_in_the_api_container(dsn: str, image) -> None:  # type: ignore[no-untyped-def]
    """docs/OPERATIONS.md: `docker compose exec api python -m cli admin token rotate`."""
    docs = (ROOT / "docs" / "OPERATIONS.md").read_text()
    command = re.search(r"docker compose exec api (python -m cli admin token rotate)", docs)
    assert command, "the rotation command is documented"
    argv = [sys.executable, *command[1].split()[1:]]
    api = _compose_services()["api"]
    result = subprocess.run(argv, cwd=image[0], env=_env(image, api, dsn), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    token = re.search(r"API token \(rotated.*?\n\s*\n\s*(\S+)", result.stderr, re.DOTALL)
    assert token and len(token[1]) >= 32, result.stderr

    # With API_TOKEN in .env the variable is the token; the command says so and changes nothing.
    env = _env(image, api, dsn, API_TOKEN="chosen-by-the-operator-0123456789abcdef")
    result = subprocess.run(argv, cwd=image[0], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "API_TOKEN" in result.stderr
