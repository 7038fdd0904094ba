"""The CPU pool: results come back, and a task past its bounds fails alone, without stalling the loop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from shared.platform import cpupool
from shared.platform.settings import Settings
from tests.integration import cpu_tasks

REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes (its parent, the fork server, reaps it).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


async def _gone(pid: int, timeout: float = 5.0) -> bool:
    async with asyncio.timeout(timeout):
        while _alive(pid):
            await asyncio.sleep(0.02)
    return True


async def test_results_and_exceptions_come_back_and_the_process_is_reused() -> None:
    async with cpupool.CpuPool(1, timeout_seconds=10) as pool:
        assert await pool.run(cpu_tasks.add, 2, 3) == 5
        first = await pool.run(cpu_tasks.pid)
        with pytest.raises(ValueError, match="bad input"):
            await pool.run(cpu_tasks.fail, "bad input")
        with pytest.raises(cpupool.TaskError, match="Unpicklable: no way back"):
            await pool.run(cpu_tasks.fail_unpicklably)
        assert await pool.run(cpu_tasks.pid) == first  # an exception is an answer, not a reason to replace
        assert first != os.getpid()


async def test_a_task_past_its_time_is_killed_with_its_children_and_siblings_go_on(tmp_path: Path) -> None:
    async with cpupool.CpuPool(2, timeout_seconds=30) as pool:
        await asyncio.gather(pool.run(cpu_tasks.spin, 0.1), pool.run(cpu_tasks.spin, 0.1))  # both processes up
        grandchild_file = tmp_path / "grandchild"
        hostile = asyncio.create_task(
            pool.run_bounded(cpu_tasks.spawn_child_and_spin, (str(grandchild_file),), timeout=3.0)
        )
        # The sibling shares the pool while the hostile task burns its process.
        sibling = await pool.run(cpu_tasks.add, 2, 2)
        assert sibling == 4 and not hostile.done()
        with pytest.raises(cpupool.TaskTimedOut) as timed_out:
            await hostile
        assert timed_out.value.reason == "took longer than 3 s and was stopped"
        assert await _gone(int(grandchild_file.read_text()))  # the task's own child went with it
        assert await pool.run(cpu_tasks.add, 1, 1) == 2  # replaced
        assert pool.stats.failed == 1 and pool.stats.processes <= 2


async def test_memory_bound_fails_the_task_not_the_pool() -> None:
    async with cpupool.CpuPool(1, timeout_seconds=10, memory_mb=100) as pool:
        with pytest.raises(cpupool.TaskOutOfMemory, match="needed more than 100 MB of memory"):
            await pool.run(cpu_tasks.hog, 400)
        assert await pool.run(cpu_tasks.hog, 20) == 20 * 1024 * 1024
        with pytest.raises(cpupool.TaskOutOfMemory):  # a call's own bound
            await pool.run_bounded(cpu_tasks.hog, (60,), memory_mb=30)


async def test_a_crash_is_reported_with_the_signal() -> None:
    async with cpupool.CpuPool(1) as pool:
        with pytest.raises(cpupool.TaskCrashed, match="SIGSEGV"):
            await pool.run(cpu_tasks.die)
        assert await pool.run(cpu_tasks.add, 1, 2) == 3


async def test_cancelling_the_caller_kills_the_running_task() -> None:
    async with cpupool.CpuPool(1, timeout_seconds=60) as pool:
        worker_pid = await pool.run(cpu_tasks.pid)
        task = asyncio.create_task(pool.run(cpu_tasks.spin, 60))
        await asyncio.sleep(0.2)  # let it start
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _gone(worker_pid)  # not left running for nobody
        assert pool.stats.cancelled == 1
        assert await pool.run(cpu_tasks.add, 1, 1) == 2


async def test_tasks_beyond_the_processes_wait_their_turn_and_the_loop_stays_free() -> None:
    async with cpupool.CpuPool(2, timeout_seconds=30) as pool:
        await asyncio.gather(pool.run(cpu_tasks.add, 0, 0), pool.run(cpu_tasks.add, 0, 0))  # both started
        lags: list[float] = []

        async def ticker() -> None:
            while True:
                before = time.monotonic()
                await asyncio.sleep(0.01)
                lags.append(time.monotonic() - before - 0.01)

        tick = asyncio.create_task(ticker())
        results = await asyncio.gather(*(pool.run(cpu_tasks.spin, 0.3) for _ in range(5)))
        tick.cancel()
        assert results == ["done"] * 5
        assert pool.stats.processes == 2
        assert max(lags) < 0.1, f"the loop stalled for {max(lags):.3f} s"


async def test_close_refuses_new_work_and_stops_running_tasks() -> None:
    pool = cpupool.CpuPool(1, timeout_seconds=60)
    worker_pid = await pool.run(cpu_tasks.pid)
    running = asyncio.create_task(pool.run(cpu_tasks.spin, 60))
    await asyncio.sleep(0.2)
    await pool.close()
    with pytest.raises((cpupool.TaskFailed, cpupool.PoolClosed)):
        await running
    assert await _gone(worker_pid)
    with pytest.raises(cpupool.PoolClosed):
        await pool.run(cpu_tasks.add, 1, 1)


def test_sized_by_the_settings() -> None:
    pool = cpupool.CpuPool.from_settings(
        Settings(worker_processes=3, cpu_task_timeout_seconds=5, cpu_task_memory_mb=256)
    )
    assert (pool.processes, pool.timeout_seconds, pool.memory_mb) == (3, 5, 256)
    assert Settings().worker_processes == len(os.sched_getaffinity(0))


_ORPHAN_SCRIPT = """
import asyncio, sys
from shared.platform import cpupool
from tests.integration import cpu_tasks

async def main():
    pool = cpupool.CpuPool(1, timeout_seconds=600)
    print(await pool.run(cpu_tasks.pid), flush=True)
    await pool.run(cpu_tasks.spin, 600)

if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_pool_processes_die_with_their_service() -> None:
    """A ``kill -9`` of the service leaves no pool process behind (no orphan burning a core)."""
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _ORPHAN_SCRIPT, cwd=REPO, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert service.stdout is not None
        worker_pid = int(await service.stdout.readline())
        assert _alive(worker_pid)
        service.send_signal(signal.SIGKILL)
        await service.wait()
        assert await _gone(worker_pid, timeout=10)
    finally:
        if service.returncode is None:
            service.kill()


def test_one_pool_serves_one_loop_after_another() -> None:
    """A service has one loop; tests have one per test, and share one pool across them."""
    pool = cpupool.CpuPool(1, timeout_seconds=10)

    async def use() -> int:
        return await pool.run(cpu_tasks.pid)

    first = asyncio.run(use())
    assert asyncio.run(use()) == first  # the same process, reached from a new loop
    asyncio.run(pool.close())
