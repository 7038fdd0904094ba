"""An embedded PostgreSQL for laptops and tests (the ``pgserver`` wheel ships the binaries)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import signal
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def start(data_dir: str | Path, *, keep_running: bool = False) -> Any:
    """Start (or reuse) a server whose data lives in ``data_dir``; returns the pgserver handle.

    ``keep_running`` leaves it up when this process exits (the caller stops it explicitly).
    """
    import pgserver

    path = Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(path, cleanup_mode=None if keep_running else "stop")


def with_database(dsn: str, name: str) -> str:
    """The same server's DSN pointing at database ``name``."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


# --- a postmaster run in the foreground, supervised (make run) ------------------------------------

_PR_SET_PDEATHSIG = 1
POSTGRES_USER = "postgres"
# Run as root, PostgreSQL refuses to start; pgserver creates this system user for it.
SYSTEM_USER = "pgserver"


@dataclass(frozen=True)
class Postmaster:
    """An embedded PostgreSQL for ``make run``: run in the foreground as a supervised child process.

    pgserver starts its server with ``pg_ctl`` as a daemon, which outlives a ``kill -9`` of whoever
    started it. Here the supervisor runs ``postgres`` itself, so it can restart it when it dies, and
    the postmaster gets SIGINT (a fast shutdown) when the supervisor dies, however it dies
    (``PR_SET_PDEATHSIG``). ``prepare`` also stops a postmaster left running on the same data by an
    earlier run, found through its ``postmaster.pid``. The data folder is the one pgserver uses.
    """

    pgdata: Path
    socket_dir: Path
    system_user: str | None

    @classmethod
    def prepare(cls, data_dir: str | Path) -> Postmaster:
        """Create the cluster if needed and stop a leftover postmaster on it; start nothing."""
        from pgserver import _commands, utils  # the binaries and pgserver's helpers for them

        pgdata = Path(data_dir).resolve()
        pgdata.mkdir(parents=True, exist_ok=True)
        user = None
        if os.geteuid() == 0:
            user = SYSTEM_USER
            utils.ensure_user_exists(user)
            utils.ensure_prefix_permissions(pgdata)
            utils.ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
            read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
            utils.ensure_folder_permissions(_commands.POSTGRES_BIN_PATH, read | execute)
            utils.ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", read)
            entry = pwd.getpwnam(user)
            os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        server = cls(pgdata, Path(), user)
        server.stop_leftover()
        if not (pgdata / "PG_VERSION").exists():
            _commands.initdb(  # type: ignore[attr-defined]
                ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", POSTGRES_USER], pgdata=pgdata, user=user
            )
        socket_dir = utils.find_suitable_socket_dir(pgdata, Path(tempfile.gettempdir()) / "seo-postgres")
        if user is not None and socket_dir != pgdata:  # PostgreSQL insists its data folder stays 0700
            utils.ensure_prefix_permissions(socket_dir)
            socket_dir.chmod(0o777)
        return cls(pgdata, socket_dir, user)

    def leftover_pid(self) -> int | None:
        """The pid in ``postmaster.pid`` if that process is still a running postgres."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                program = cmdline.read().split(b"\0", 1)[0]
        except (OSError, ValueError):
            return None
        return pid if program.endswith(b"postgres") else None

    def stop_leftover(self, timeout: float = 30.0) -> bool:
        """Stop a postmaster an earlier run left on this data (fast shutdown, then SIGKILL). True if one ran."""
        pid = self.leftover_pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while self.leftover_pid() == pid and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.leftover_pid() == pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return True

    def argv(self) -> list[str]:
        from pgserver import _commands

        return [
            str(_commands.POSTGRES_BIN_PATH / "postgres"),
            "-D", str(self.pgdata),
            "-k", str(self.socket_dir),
            "-c", "listen_addresses=",  # the Unix socket only: nothing on the network
        ]  # fmt: skip

    def uri(self, database: str = POSTGRES_USER) -> str:
        return f"postgresql://{POSTGRES_USER}:@/{database}?host={self.socket_dir}"

    def preexec(self) -> None:
        """In the child, before exec: become the system user, then ask for SIGINT when the parent dies.

        The order matters: a change of user clears the parent-death signal.
        """
        if self.system_user is not None:
            entry = pwd.getpwnam(self.system_user)
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGINT)
