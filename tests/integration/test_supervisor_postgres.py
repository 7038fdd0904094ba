"""``make run``'s embedded PostgreSQL is supervised: restarted when it dies, never left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from scripts import supervisor
from shared.platform import embedded
from tests.integration.service_support import REPO, free_port

pytest.importorskip("pgserver")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


async def _until(predicate, *, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(p) for p in listing.read().split()]


def _postmaster_pid(data: Path) -> int | None:
    return embedded.Postmaster(data / "postgres", Path(), None).leftover_pid()


# Its own waits are bounded (a whole stack's start on a loaded machine takes most of pytest's 120 s).
@pytest.mark.timeout(360)
async def test_postgres_is_restarted_when_it_dies_and_stopped_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ports = {"API_PORT": free_port(), "WORKER_PORT": free_port(), "SCHEDULER_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({k: str(v) for k, v in ports.items()}, HOST="127.0.0.1", PYTHONPATH=str(REPO), API_TOKEN="t" * 32)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scripts.supervisor", "--data", str(data), cwd=REPO, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        api = f"http://127.0.0.1:{ports['API_PORT']}/health"
        assert await supervisor.wait_healthy(api, timeout=120), "the stack did not start"
        first = _postmaster_pid(data)
        assert first is not None and _running(first)
        children = _children(process.pid)

        os.kill(first, signal.SIGKILL)  # Postgres dies: the supervisor starts it again
        await _until(lambda: (_postmaster_pid(data) or first) != first, timeout=60, what="a new postmaster")
        second = _postmaster_pid(data)
        assert second is not None
        assert await supervisor.wait_healthy(api, timeout=60), "the api's database check did not recover"

        process.kill()  # kill -9 of the supervisor: the kernel tells each child (parent-death signal)
        await process.wait()
        await _until(lambda: not _running(second), timeout=30, what="the postmaster to stop")
        await _until(lambda: not any(_running(pid) for pid in children), timeout=30, what="the services to stop")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        leftover = _postmaster_pid(data)
        if leftover is not None:
            os.kill(leftover, signal.SIGKILL)


async def test_a_postmaster_left_running_by_an_earlier_run_is_stopped_at_the_next_start(tmp_path: Path) -> None:
    postmaster = await asyncio.to_thread(embedded.Postmaster.prepare, tmp_path / "postgres")
    # An earlier run's server, started the way pgserver does it: a daemon nobody is waiting for.
    leftover = await asyncio.create_subprocess_exec(
        *postmaster.argv(), preexec_fn=postmaster.system_user and _become(postmaster.system_user),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert await supervisor.wait_for_database(postmaster.uri(), timeout=60)
        assert postmaster.leftover_pid() == leftover.pid
        again = await asyncio.to_thread(embedded.Postmaster.prepare, tmp_path / "postgres")
        assert await asyncio.wait_for(leftover.wait(), 30) is not None  # stopped by the check
        assert again.leftover_pid() is None
    finally:
        if leftover.returncode is None:
            leftover.kill()
            await leftover.wait()


def _become(user: str):  # type: ignore[no-untyped-def]
    import pwd

    def preexec() -> None:
        entry = pwd.getpwnam(user)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    return preexec
