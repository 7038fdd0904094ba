"""Debian's nginx serving a generated site on a loopback port, with a config of our own."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bench import processes

_CONFIG = """\
# Written by bench/nginx.py for one benchmark run.
{user}
worker_processes 1;
daemon off;
master_process on;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri =404; }}
    }}
}}
"""


def binary(name: str = "nginx") -> str | None:
    """The nginx executable (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which(name) or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def version(executable: str) -> str:
    done = subprocess.run([executable, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


@contextlib.contextmanager
def serving(executable: str, root: Path, work: Path) -> Iterator[str]:
    """Serve ``root`` for the duration of the block; yields the base URL."""
    work.mkdir(parents=True, exist_ok=True)
    port = processes.free_port()
    config = work / "nginx.conf"
    # As root nginx would switch its workers to "nobody", who may not read the site.
    user = "user root;" if os.geteuid() == 0 else ""
    config.write_text(_CONFIG.format(user=user, work=work, port=port, root=root))
    with processes.running([executable, "-c", str(config), "-p", str(work)], log=work / "stdout.log") as proc:
        processes.wait_for_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
