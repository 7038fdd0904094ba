"""``python -m scripts.supervisor`` (what ``make run`` runs): the whole stack on one machine.

Starts an embedded PostgreSQL (data in ``.data/``, reused on the next run) unless
``DATABASE_URL`` is set, applies the migrations, then runs api, worker and scheduler as
``python -m services.<name>`` (the same entry points compose runs). A service that dies is
restarted with backoff, as compose's restart policy would, and so is the embedded PostgreSQL
(run in the foreground as a child, not as a pg_ctl daemon). Ctrl-C or SIGTERM stops the services
first, then Postgres; if the supervisor itself is killed (even ``kill -9``) every child gets a
signal from the kernel (parent-death signal) and stops, and a postmaster still left on the data
from an earlier run is stopped at the next start. ``--dev`` also runs the Vite dev server (``npm
run dev`` in ``frontend/``).

The api listens on ``HOST`` (all interfaces unless set); the worker and the scheduler only on
loopback (their ports are for the operator). Every port is checked before anything starts: a
busy one stops the run with the variable that moves it, and "running" is printed only once every
service answers its own ``/health``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import structlog

from shared.platform import database, embedded
from shared.platform import logging as logs
from shared.platform import settings as config
from shared.platform.settings import Settings

log = structlog.get_logger("supervisor")

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / ".data"
SERVICES = ("api", "worker", "scheduler")
STABLE_AFTER_SECONDS = 30.0  # a service that ran this long gets its restart backoff reset
LOOPBACK = "127.0.0.1"
# The environment variable that moves each port (DEV_PORT: the Vite dev server of ``--dev``).
PORT_VARIABLES = {"api": "API_PORT", "worker": "WORKER_PORT", "scheduler": "SCHEDULER_PORT", "vite": "DEV_PORT"}
DEFAULT_DEV_PORT = 3000


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor itself is killed, so nothing is left behind (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Program:
    """One supervised child process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path = REPO
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started: asyncio.Event = field(default_factory=asyncio.Event)
    # Run in the child before exec; must leave it asking for a signal when the supervisor dies.
    preexec: Callable[[], None] = _die_with_parent
    stop_signal: int = signal.SIGTERM
    signal_group: bool = True  # stop the child's whole process group (npm -> vite), or the child alone
    log: Path | None = None  # its output goes here (appended) instead of the supervisor's terminal


class Supervisor:
    """Run programs, restart the ones that die (with backoff), stop them all on request."""

    def __init__(self, programs: list[Program], *, max_backoff: float = 30.0, stop_timeout: float = 30.0) -> None:
        self.programs = programs
        self.max_backoff = max_backoff
        self.stop_timeout = stop_timeout
        self.stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for program in self.programs:
            self._tasks.append(asyncio.create_task(self._keep_running(program), name=f"supervise-{program.name}"))
        await asyncio.gather(*(p.started.wait() for p in self.programs))

    async def _spawn(self, program: Program) -> asyncio.subprocess.Process:
        # Own session (process group): Ctrl-C reaches only the supervisor, which stops children in order,
        # and a child's own children (npm -> vite) are stopped with it.
        output = program.log.open("ab") if program.log is not None else None
        try:
            process = await asyncio.create_subprocess_exec(
                *program.argv,
                cwd=str(program.cwd),
                env=program.env,
                start_new_session=True,
                preexec_fn=program.preexec,
                stdout=output,
                stderr=output,
            )
        finally:
            if output is not None:
                output.close()
        program.process = process
        program.started.set()
        log.info("started", program=program.name, pid=process.pid)
        return process

    async def _keep_running(self, program: Program) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            began = time.monotonic()
            try:
                process = await self._spawn(program)
            except OSError as exc:
                log.error("cannot start", program=program.name, error=str(exc))
                program.started.set()
                return
            code = await process.wait()
            if self.stopping.is_set():
                return
            if time.monotonic() - began > STABLE_AFTER_SECONDS:
                backoff = 1.0
            program.restarts += 1
            log.warning("exited; restarting", program=program.name, exit_code=code, restart_in_s=backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def stop(self) -> None:
        """SIGTERM every child (its whole process group), wait, then SIGKILL what is left."""
        self.stopping.set()
        live = [p for p in self.programs if p.process is not None and p.process.returncode is None]
        running = [p.process for p in live if p.process is not None]
        for program in live:
            assert program.process is not None
            with contextlib.suppress(ProcessLookupError):
                if program.signal_group:
                    os.killpg(program.process.pid, program.stop_signal)
                else:
                    os.kill(program.process.pid, program.stop_signal)
        if running:
            _, pending = await asyncio.wait([asyncio.create_task(p.wait()) for p in running], timeout=self.stop_timeout)
            for process in running:
                if process.returncode is None:
                    log.warning("did not stop in time; killing", pid=process.pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    await process.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def service_env(base: dict[str, str], database_url: str) -> dict[str, str]:
    """The children's environment: ours, plus the database and the laptop defaults."""
    env = dict(base)
    env["DATABASE_URL"] = database_url
    env.setdefault("ALLOW_PRIVATE_NETWORKS", "true")  # make run crawls local sites too
    env.setdefault("LOG_FORMAT", "console")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def programs_for(env: dict[str, str], *, dev: bool = False, python: str = sys.executable) -> list[Program]:
    """api, worker and scheduler as their compose entry points (plus the Vite dev server with ``dev``).

    The worker and the scheduler bind to loopback whatever ``HOST`` says: their health and
    metrics are operator ports, never published (compose keeps them on its internal network).
    """
    operator_env = {**env, "HOST": LOOPBACK}
    programs = [
        Program(name, [python, "-m", f"services.{name}"], env if name == "api" else operator_env) for name in SERVICES
    ]
    if dev:
        if (REPO / "frontend" / "package.json").exists():
            # Vite proxies /api to wherever the api listens (API_PORT may have moved it).
            api = f"http://{LOOPBACK}:{env.get('API_PORT', '8000')}"
            vite_env = {
                **env,
                "API_URL": env.get("API_URL", api),
                "DEV_PORT": env.get("DEV_PORT", str(DEFAULT_DEV_PORT)),
            }
            programs.append(Program("vite", ["npm", "run", "dev"], vite_env, cwd=REPO / "frontend"))
        else:
            log.warning("frontend/package.json is missing; not starting the Vite dev server")
    return programs


def migrate(dsn: str) -> None:
    applied = database.migrate(dsn)
    log.info("migrations applied", count=applied)


async def wait_for_database(dsn: str, *, timeout: float = 60.0, give_up: Callable[[], bool] = lambda: False) -> bool:
    """Wait until the server at ``dsn`` accepts a connection (start-up and restarts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        try:
            conn = await asyncpg.connect(dsn, timeout=2)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            await asyncio.sleep(0.1)
            continue
        await conn.close()
        return True
    return False


async def start_embedded(data_dir: Path) -> tuple[Supervisor, str]:
    """The embedded PostgreSQL under supervision: restarted when it dies, stopped with us. Returns its DSN.

    Its log goes to ``<data>/postgres/log``.
    """
    postmaster = await asyncio.to_thread(embedded.Postmaster.prepare, data_dir / "postgres")
    program = Program(
        "postgres", postmaster.argv(), dict(os.environ), cwd=postmaster.pgdata, preexec=postmaster.preexec,
        stop_signal=signal.SIGINT, signal_group=False, log=postmaster.pgdata / "log",
    )  # fmt: skip
    keeper = Supervisor([program], max_backoff=5.0, stop_timeout=30.0)
    await keeper.start()
    dsn = postmaster.uri()
    if not await wait_for_database(dsn, give_up=lambda: program.process is None):
        await keeper.stop()
        raise RuntimeError(f"the embedded PostgreSQL did not start; see {postmaster.pgdata / 'log'}")
    log.info("embedded PostgreSQL running", data=str(postmaster.pgdata), pid=program.process and program.process.pid)
    return keeper, dsn


def port_in_use(host: str, port: int) -> bool:
    """Whether binding ``host:port`` fails the way the service's own bind would (EADDRINUSE)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As asyncio's server does on Linux: a port left in TIME_WAIT by our last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def listen_addresses(settings: Settings, env: dict[str, str], *, dev: bool) -> dict[str, tuple[str, int]]:
    """Where each program will listen: the api on HOST, the operator ports on loopback."""
    addresses = {
        "api": (settings.host, settings.api_port),
        "worker": (LOOPBACK, settings.worker_port),
        "scheduler": (LOOPBACK, settings.scheduler_port),
    }
    if dev:
        addresses["vite"] = (LOOPBACK, int(env.get("DEV_PORT") or DEFAULT_DEV_PORT))
    return addresses


def busy_ports(addresses: dict[str, tuple[str, int]]) -> list[str]:
    """One line per port something else holds: "port 8000 in use — set API_PORT"."""
    return [
        f"port {port} in use — set {PORT_VARIABLES[name]} to another port (the {name} listens there)"
        for name, (host, port) in addresses.items()
        if port_in_use(host, port)
    ]


async def wait_healthy(
    url: str,
    *,
    timeout: float = 60.0,
    give_up: Callable[[], bool] = lambda: False,
    service: str | None = None,
) -> bool:
    """Wait until ``url`` answers 200 (start-up only; returns False after ``timeout``).

    With ``service``, the answer must also name it (``{"service": "api"}``): another program
    that happens to answer 200 on that port is not taken for ours.
    """
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline and not give_up():
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError, ValueError):
                async with http.get(url) as response:
                    if response.status == 200 and (
                        service is None or (await response.json(content_type=None)).get("service") == service
                    ):
                        return True
            await asyncio.sleep(0.2)
    return False


def crashed(programs: list[Program]) -> Program | None:
    """The first program that has exited since it was started (a restart counts), if any."""
    for program in programs:
        if program.restarts or (program.process is not None and program.process.returncode is not None):
            return program
    return None


async def run(dev: bool, data_dir: Path = DATA_DIR) -> int:
    settings = config.load()
    addresses = listen_addresses(settings, dict(os.environ), dev=dev)
    if busy := busy_ports(addresses):
        for line in busy:
            log.error(line)
        return 1
    keeper: Supervisor | None = None
    try:
        if "database_url" in settings.model_fields_set:
            dsn = settings.database_url
            log.info("using DATABASE_URL")
        else:
            keeper, dsn = await start_embedded(data_dir)
        await asyncio.to_thread(migrate, dsn)
    except ImportError:
        log.error("no embedded PostgreSQL: install it (pip install pgserver) or set DATABASE_URL")
        return 1
    except Exception as exc:  # a clear line for the user, not a traceback
        log.error("cannot prepare the database", error=str(exc) or type(exc).__name__)
        if keeper is not None:
            await keeper.stop()
        return 1
    # Passed through, not read: the children read their settings from it themselves.
    env = service_env(dict(os.environ), dsn)
    supervisor = Supervisor(programs_for(env, dev=dev))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    services = [p for p in supervisor.programs if p.name in SERVICES]
    code = 0
    try:
        await supervisor.start()
        ready = await all_healthy(services, addresses, give_up=lambda: stop.is_set() or crashed(services) is not None)
        if ready:
            ui = f"http://localhost:{addresses['vite'][1] if dev else settings.api_port}"
            print(f"\n  SEO crawler is running.  UI and API: {ui}\n  Ctrl-C stops everything.\n", flush=True)
            await stop.wait()
        elif not stop.is_set():
            # Never "running" over a service that cannot start: stop everything and say which one.
            failed = crashed(services)
            if failed is not None:
                log.error("a service exited while starting; see its log above", service=failed.name)
            else:
                log.error("the services did not become healthy in time; see their logs above")
            code = 1
        log.info("stopping")
    finally:
        await supervisor.stop()
        if keeper is not None:
            await keeper.stop()  # after the services: they hand their crawls back first
            log.info("embedded PostgreSQL stopped")
    return code


async def all_healthy(
    programs: list[Program], addresses: dict[str, tuple[str, int]], *, give_up: Callable[[], bool]
) -> bool:
    """Every service answers its own /health (each on the address it was given)."""
    for program in programs:
        host, port = addresses[program.name]
        host = LOOPBACK if host in ("", "0.0.0.0", "::") else host  # a wildcard bind answers on loopback
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}/health"
        if not await wait_healthy(url, timeout=120, give_up=give_up, service=program.name):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.supervisor", description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="also run the Vite dev server (DEV_PORT, default 3000)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="where the embedded PostgreSQL keeps its data")
    args = parser.parse_args(argv)
    settings = config.load()
    logs.configure("console" if sys.stderr.isatty() else settings.log_format, settings.log_level, service="supervisor")
    return asyncio.run(run(args.dev, args.data.resolve()))


if __name__ == "__main__":
    sys.exit(main())
