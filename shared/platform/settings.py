"""Settings: one pydantic model read from the environment and passed down.

No other module reads ``os.environ``; services receive a ``Settings`` instance.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks (``10.0.0.0/8, 192.168.1.5``); ValueError names a bad one."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an IP address or network: {exc}") from None
    return tuple(networks)


def _default_log_format() -> str:
    return "console" if sys.stderr.isatty() else "json"


class Settings(BaseSettings):
    """Everything a service needs to know about its environment."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default="postgresql://local:local@localhost:5432/local",
        description="Postgres DSN",
    )
    api_token: str | None = Field(default=None, description="Secret that unlocks the API; generated when unset")
    allow_private_networks: bool = Field(default=False)
    private_network_allowlist: str = Field(
        default="",
        description="addresses or CIDR networks (comma separated) the crawler may reach although they are not "
        "public, while ALLOW_PRIVATE_NETWORKS stays false: an intranet host, never the whole private range",
    )
    log_format: Literal["json", "console"] = Field(default_factory=_default_log_format)  # type: ignore[arg-type]
    log_level: str = "info"

    host: str = "0.0.0.0"
    api_port: int = 8000
    worker_port: int = 8001
    scheduler_port: int = 8002

    # Worker
    worker_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    worker_concurrency: int = Field(default=2, ge=1, le=64, description="crawls one worker runs at once")
    lease_seconds: float = Field(default=30.0, gt=0)
    heartbeat_seconds: float = Field(default=10.0, gt=0)
    stop_grace_seconds: float = Field(
        default=10.0, gt=0, description="how long a stopping crawl may take to return before it is cancelled"
    )
    # Rendering (crawls with render: "chromium"): one headless Chromium per worker, started on demand.
    chromium_path: str = Field(default="/usr/bin/chromium", description="the Chromium executable (Debian's package)")
    render_concurrency: int = Field(default=2, ge=1, le=32, description="pages one worker renders at once")
    render_restart_pages: int = Field(default=500, ge=1, description="restart the browser after this many pages")
    render_max_memory_mb: int = Field(
        default=1024, ge=256, description="restart the browser when its processes together use more memory (PSS)"
    )
    render_process_memory_mb: int = Field(
        default=768, ge=128, description="memory one browser process (a page's renderer) may allocate"
    )
    render_sandbox: bool = Field(
        default=False, description="run Chromium's own sandbox (needs user namespaces, which containers usually deny)"
    )
    worker_job_body: str = Field(
        default="", description="'module:function' run instead of the crawler (tests and experiments)"
    )

    # Scheduler
    retry_max_attempts: int = Field(default=3, ge=1)
    retry_base_seconds: float = Field(default=10.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    standby_retry_seconds: float = Field(default=2.0, gt=0)
    scheduler_max_sleep_seconds: float = Field(
        default=3600.0, gt=0, description="re-plan at least this often (guards against wall-clock jumps)"
    )

    # Database pool
    pool_min_size: int = 1
    pool_max_size: int = 10

    # API
    frontend_dist: str = "frontend/dist"
    max_body_bytes: int = 1_048_576
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    cors_origins: str = ""
    # Addresses (IPs or CIDR networks, comma separated) of reverse proxies whose X-Forwarded-For we
    # trust: behind them the login rate limit counts the client nginx saw, not nginx itself.
    trusted_proxies: str = ""
    login_max_failures: int = Field(default=10, ge=1, description="failed logins per client address per window")
    login_window_seconds: float = Field(default=900.0, gt=0)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, description="comment line sent to idle live streams")
    sse_queue_size: int = Field(default=1000, ge=1, description="events buffered per slow live-stream client")

    @field_validator("private_network_allowlist")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        parse_networks(value)  # a bad entry is a start-up error naming it, not a silent hole
        return value

    @property
    def private_allowlist(self) -> tuple[Network, ...]:
        """``private_network_allowlist`` parsed."""
        return parse_networks(self.private_network_allowlist)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_scheme(cls, value: str) -> str:
        # yoyo and SQLAlchemy-style URLs carry a driver suffix; asyncpg wants plain postgresql://
        for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql://" + value[len(prefix) :]
        return value


def load() -> Settings:
    """Read settings from the environment (and nothing else)."""
    return Settings()
