"""An embedded PostgreSQL for laptops and tests (the ``pgserver`` wheel ships the binaries)."""

from __future__ import annotations

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
