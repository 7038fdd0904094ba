"""The CPU process pool: every parse, extraction and audit pass of hostile bytes runs here, never on a loop.

A service's event loop times requests, heartbeats leases and answers ``/health``; a page that
takes minutes to parse must not stop any of that. So CPU work is sent to a small pool of worker
processes (``WORKER_PROCESSES``, default one per core), one task per process at a time::

    pool = cpupool.CpuPool.from_settings(settings)        # one per service process
    record = await pool.run(records.build, entry, got)    # a module-level function and picklable args
    await pool.close()

Every task is bounded:
- in time (``CPU_TASK_TIMEOUT_SECONDS``, or ``timeout=`` per call): past it the task's process is
  killed with its whole process group, replaced, and the call raises ``TaskTimedOut``;
- in memory (``CPU_TASK_MEMORY_MB``, or ``memory_mb=`` per call): the address space the task may add
  to its process; an allocation past it fails (``MemoryError`` in Python, a failed ``malloc`` in C)
  and the call raises ``TaskOutOfMemory``, or ``TaskCrashed`` if a C library dies of it;
- in result size (``MAX_RESULT_BYTES``): results are page records and summaries, never documents.

A failed task fails only its own call: the other processes, and the tasks queued behind it, go on.
Cancelling the awaiting coroutine (a cancelled crawl) kills a running task at once rather than
letting it finish for nobody. Exceptions the function raises come back as themselves (or as
``TaskError`` with their text when they cannot be pickled).

Why not ``concurrent.futures.ProcessPoolExecutor``: one task past its bound breaks the whole
executor (``BrokenProcessPool``) and a running task cannot be cancelled. Why not ``pebble``: it
bounds time but not memory, runs three manager threads per pool that poll timeouts, and its
workers outlive a ``kill -9`` of the service. This pool is asyncio-native (a socket pair per
process, read by the loop, timeouts are the loop's own timers), sets a memory rlimit per task, and
its processes die with their service (``PR_SET_PDEATHSIG`` through the fork server).

Processes are forked from multiprocessing's fork server (a clean interpreter started once per
service, with ``preload`` imported), so replacing a killed one takes milliseconds; they are
started lazily, so a service that never sends work starts none. The pool talks to its processes
through the running loop's socket calls (``sock_sendall``, ``sock_recv_into``) and keeps no
transport, so one pool can serve whichever event loop is running (tests run one loop per test).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import resource
import signal
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any, ParamSpec, TypeVar

import structlog

from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MAX_RESULT_BYTES = 64 * 1024 * 1024
NICENESS = 10  # added to a pool process's nice value
MAX_TASKS_PER_PROCESS = 2000  # then the process is replaced, so fragmentation cannot grow a worker for ever
_HEADER = struct.Struct("!Q")
_PR_SET_PDEATHSIG = 1
_CLOSE_GRACE_SECONDS = 2.0


class TaskFailed(Exception):
    """A task did not produce a result; ``reason`` says why in words a user can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TaskTimedOut(TaskFailed):
    """The task ran past its time bound; its process was killed."""


class TaskOutOfMemory(TaskFailed):
    """The task needed more memory than its bound."""


class TaskCrashed(TaskFailed):
    """The task's process died (a signal, or an exit) before it answered."""


class TaskError(TaskFailed):
    """The function raised an exception that could not be sent back as itself."""


class PoolClosed(RuntimeError):
    """The pool is closed (the service is stopping)."""


# --- the worker process -------------------------------------------------------------------------


def _die_with_parent() -> None:
    """SIGKILL this process when its parent (the fork server, which dies with the service) exits."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return bytes(buffer)


def _outcome_of(exc: BaseException) -> tuple[str, Any]:
    if isinstance(exc, MemoryError):
        return "memory", None
    try:
        pickle.dumps(exc)
    except Exception:
        return "error", f"{type(exc).__name__}: {exc}"[:2000]
    return "raised", exc


def _let_the_fork_server_go() -> None:
    """Close our copy of the fork server's keep-alive pipe.

    The fork server lives until every holder of that pipe is gone, and we die when it does
    (``PR_SET_PDEATHSIG``): with our copy open, a ``kill -9`` of the service would leave both
    waiting for each other for ever. Tasks never start processes through the fork server.
    """
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if server is not None and fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None


def serve(sock: socket.socket, preload: tuple[str, ...]) -> None:
    """A worker process's loop: receive ``(function, args, kwargs, memory bytes)``, answer, repeat.

    Runs in the child. Its own session (process group), so killing the group also ends anything
    the task started; SIGINT ignored (Ctrl-C is the service's to handle; the service stops us).
    """
    os.setsid()
    _die_with_parent()
    _let_the_fork_server_go()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Below the services' loops: when tasks fill every core, the loops (requests, heartbeats,
    # /health) still get a core the moment they have something to do.
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    for module in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    while True:
        header = _recv_exactly(sock, _HEADER.size)
        if header is None:
            return  # the pool closed our socket: exit quietly
        payload = _recv_exactly(sock, _HEADER.unpack(header)[0])
        if payload is None:
            return
        recycle = False
        try:
            function, args, kwargs, memory = pickle.loads(payload)
            del payload
            if memory:
                resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory, resource.RLIM_INFINITY))
            try:
                outcome: tuple[str, Any] = ("ok", function(*args, **kwargs))
            finally:
                resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - everything a task does becomes an answer
            outcome = _outcome_of(exc)
            recycle = outcome[0] == "memory"  # a heap that hit its bound may be fragmented: start afresh
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # e.g. a result that cannot be pickled
                data = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:2000]))
        sock.sendall(_HEADER.pack(len(data)) + data)
        del data, outcome
        if recycle:
            return


# --- the pool -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Process:
    process: BaseProcess
    sock: socket.socket  # non-blocking; our end of the socket pair
    tasks: int = 0

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


async def _recv_exactly_async(sock: socket.socket, size: int) -> bytes:
    """``size`` bytes from ``sock`` through the running loop; ``ConnectionResetError`` at EOF."""
    loop = asyncio.get_running_loop()
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise ConnectionResetError("the pool process closed its socket")
        got += n
    return bytes(buffer)


@dataclass
class PoolStats:
    """What the pool is doing, for /metrics and tests."""

    processes: int = 0
    busy: int = 0
    queued: int = 0
    completed: int = 0
    failed: int = 0  # timed out, out of memory, crashed
    cancelled: int = 0
    started: int = 0


@dataclass
class CpuPool:
    """A bounded process pool for CPU-bound work, awaited from asyncio. See the module docstring."""

    processes: int
    timeout_seconds: float = 30.0
    memory_mb: int = 256
    preload: tuple[str, ...] = ()
    stats: PoolStats = field(default_factory=PoolStats)

    def __post_init__(self) -> None:
        if self.processes < 1:
            raise ValueError("a pool needs at least one process")
        self._idle: list[_Process] = []
        self._live: set[_Process] = set()
        self._starting = 0
        self._waiters: deque[asyncio.Future[_Process | None]] = deque()
        self._closed = False
        self._context = multiprocessing.get_context("forkserver")

    @classmethod
    def from_settings(cls, settings: Settings, *, preload: Iterable[str] = ()) -> CpuPool:
        """The pool a service uses: ``WORKER_PROCESSES``, ``CPU_TASK_TIMEOUT_SECONDS``, ``CPU_TASK_MEMORY_MB``."""
        return cls(
            processes=settings.worker_processes,
            timeout_seconds=settings.cpu_task_timeout_seconds,
            memory_mb=settings.cpu_task_memory_mb,
            preload=tuple(preload),
        )

    # --- running a task ---------------------------------------------------------------------

    async def run(
        self,
        function: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``function(*args, **kwargs)`` in a pool process, within the pool's time and memory bounds.

        ``function`` must be importable by name (module level) and its arguments picklable.
        Raises what the function raised, or a ``TaskFailed`` subclass with the reason.
        """
        return await self.run_bounded(function, args, kwargs)

    async def run_bounded(
        self,
        function: Callable[..., T],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        memory_mb: int | None = None,
    ) -> T:
        """``run`` with this call's own bounds (``None``: the pool's)."""
        if self._closed:
            raise PoolClosed("the CPU pool is closed")
        seconds = self.timeout_seconds if timeout is None else timeout
        megabytes = self.memory_mb if memory_mb is None else memory_mb
        payload = pickle.dumps((function, args, kwargs or {}, megabytes * 1024 * 1024), pickle.HIGHEST_PROTOCOL)
        self.stats.queued += 1
        try:
            worker = await self._acquire()
        finally:
            self.stats.queued -= 1
        self.stats.busy += 1
        healthy = False
        try:
            status, value = await self._exchange(worker, payload, seconds, megabytes)
            healthy = status != "memory"
        except asyncio.CancelledError:
            self.stats.cancelled += 1
            raise
        finally:
            self.stats.busy -= 1
            if healthy:
                self._release(worker)
            else:
                self._discard(worker)
        if status == "ok":
            self.stats.completed += 1
            return value  # type: ignore[no-any-return]
        if status == "raised":
            raise value
        self.stats.failed += 1
        if status == "memory":
            raise TaskOutOfMemory(f"needed more than {megabytes} MB of memory")
        raise TaskError(value)

    async def _exchange(self, worker: _Process, payload: bytes, seconds: float, megabytes: int) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
                del payload
                size = _HEADER.unpack(await _recv_exactly_async(worker.sock, _HEADER.size))[0]
                if size > MAX_RESULT_BYTES:
                    self.stats.failed += 1
                    raise TaskFailed(f"its result was larger than {MAX_RESULT_BYTES} bytes")
                data = await _recv_exactly_async(worker.sock, size)
        except TimeoutError:
            self.stats.failed += 1
            raise TaskTimedOut(f"took longer than {seconds:g} s and was stopped") from None
        except OSError as exc:  # the process died: EOF, a reset or a broken pipe
            if self._closed:
                raise PoolClosed("the CPU pool closed while the task ran") from exc
            self.stats.failed += 1
            raise TaskCrashed(await self._death_of(worker, megabytes)) from exc
        worker.tasks += 1
        outcome: tuple[str, Any] = pickle.loads(data)
        return outcome

    async def _death_of(self, worker: _Process, megabytes: int) -> str:
        """Why a process stopped answering: its exit status, once it is known."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                while _exit_code(worker.process) is None:
                    await asyncio.sleep(0.01)
        code = _exit_code(worker.process)
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            if -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
                return f"its process died of {name} (a crash in native code, or memory past its {megabytes} MB bound)"
            return f"its process was killed by {name}"
        return f"its process exited with status {code}"

    # --- processes --------------------------------------------------------------------------

    async def _acquire(self) -> _Process:
        while True:
            if self._closed:
                raise PoolClosed("the CPU pool is closed")
            if self._idle:
                return self._idle.pop()
            if len(self._live) + self._starting < self.processes:
                self._starting += 1
                try:
                    return await self._start_process()
                finally:
                    self._starting -= 1
            waiter: asyncio.Future[_Process | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                worker = await waiter
            except asyncio.CancelledError:
                handed = waiter.result() if waiter.done() and not waiter.cancelled() else None
                if handed is not None:
                    self._release(handed)  # handed to us as we were cancelled: pass it on
                raise
            if worker is not None:
                return worker
            # None: a process was discarded, so there is room to start one; loop and take it.

    async def _start_process(self) -> _Process:
        # Imported once in the fork server, so every process forked from it starts warm. Only the
        # first pool of a service sets this (the fork server starts with its first process).
        self._context.set_forkserver_preload(["__main__", __name__, *self.preload])
        parent, child = socket.socketpair()
        process = self._context.Process(target=serve, args=(child, self.preload), daemon=True, name="cpu-pool")
        try:
            # Connecting to the fork server blocks until it is up (about a second, once per service).
            await asyncio.to_thread(process.start)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        parent.setblocking(False)
        worker = _Process(process, parent)
        self._live.add(worker)
        self.stats.processes = len(self._live)
        self.stats.started += 1
        return worker

    def _release(self, worker: _Process) -> None:
        if self._closed or worker.tasks >= MAX_TASKS_PER_PROCESS:
            self._discard(worker, kill=False)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _discard(self, worker: _Process, *, kill: bool = True) -> None:
        """Retire a process (killed with its group when it may still be running a task)."""
        self._live.discard(worker)
        self.stats.processes = len(self._live)
        worker.close()  # an idle process sees EOF and exits by itself
        if kill:
            _kill_group(worker.process)
        # Never joined here (a blocking wait): the fork server reaps its children, and the handle's
        # file descriptor is closed when it is collected.
        while self._waiters:  # room for a new process: wake one waiter to start it
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        """Stop every process (running tasks are killed after a short grace) and refuse new tasks."""
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(PoolClosed("the CPU pool is closed"))
        self._waiters.clear()
        workers = list(self._live)
        idle = set(self._idle)
        self._idle.clear()
        for worker in workers:
            if worker in idle:
                worker.close()  # an idle process sees EOF and exits
            else:
                # A busy one would not look before its task ends. Its socket stays open: the task
                # awaiting it sees EOF (PoolClosed) and closes it itself.
                _kill_group(worker.process)
        deadline = time.monotonic() + _CLOSE_GRACE_SECONDS
        while not all(_finished(w.process) for w in workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for worker in workers:
            _kill_group(worker.process)
            await _reap(worker.process)
        self._live.clear()
        self.stats.processes = 0

    async def __aenter__(self) -> CpuPool:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


def _kill_group(process: BaseProcess) -> None:
    """SIGKILL the process and its group (what the task started), unless it is known to be gone."""
    try:
        pid = process.pid
        if pid is None or process.exitcode is not None:
            return
    except ValueError:  # closed: reaped already
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # its own session: the group id is its pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)  # not yet in its own group (killed as it started)


def _exit_code(process: BaseProcess) -> int | None:
    """The exit code (negative: the signal), ``None`` while it runs or once its handle is closed."""
    try:
        return process.exitcode
    except ValueError:  # closed: reaped already
        return None


def _finished(process: BaseProcess) -> bool:
    try:
        return process.exitcode is not None
    except ValueError:  # closed: reaped already
        return True


async def _reap(process: BaseProcess) -> None:
    for _ in range(500):
        try:
            if process.exitcode is not None:
                break
        except ValueError:
            return  # reaped by someone else
        await asyncio.sleep(0.01)
    with contextlib.suppress(ValueError, AssertionError):
        process.close()
