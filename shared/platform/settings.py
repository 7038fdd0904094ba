"""Settings: one pydantic model read from the environment and passed down.

No other module reads ``os.environ``; services receive a ``Settings`` instance.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_API_TOKEN_LENGTH = 32

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
    api_token: str | None = Field(
        default=None,
        description=f"Secret that unlocks the API (at least {MIN_API_TOKEN_LENGTH} characters); generated when unset",
    )
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
    worker_processes: int = Field(
        default_factory=lambda: len(os.sched_getaffinity(0)) or 1,
        ge=1,
        le=256,
        description="processes of the CPU pool (parsing, extraction, audit passes); default: the number of cores",
    )
    cpu_task_timeout_seconds: float = Field(
        default=30.0, gt=0, description="longest one CPU task (a page's parse, a sitemap) may run before it is killed"
    )
    cpu_task_memory_mb: int = Field(
        default=256, ge=32, description="memory one CPU task may add to its process before it fails"
    )
    idle_transaction_seconds: float = Field(
        default=60.0,
        ge=0,
        description="the worker's and scheduler's database sessions idle inside a transaction this long are ended "
        "by Postgres (a frozen process must not hold its locks); 0: off",
    )
    watchdog_seconds: float = Field(
        default=60.0,
        ge=0,
        description="a service whose event loop stops answering for this long exits (and is restarted); 0: off",
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

    # Alerts: secrets, where messages go, and how deliveries are retried
    secret_key: str | None = Field(
        default=None,
        description="key ring for secrets at rest (first encrypts); generated into the database if unset",
    )
    public_url: str = Field(default="http://localhost:8000", description="the UI's address, for links in alerts")
    slack_api_url: str = Field(default="https://hooks.slack.com", description="Slack incoming-webhook URLs start here")
    telegram_api_url: str = Field(default="https://api.telegram.org", description="the Telegram Bot API")
    delivery_max_attempts: int = Field(default=6, ge=1, le=50)
    delivery_retry_base_seconds: float = Field(default=30.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=3600.0, gt=0)
    delivery_lease_seconds: float = Field(default=60.0, gt=0, description="a sender that holds one longer is dead")
    delivery_timeout_seconds: float = Field(default=20.0, gt=0, description="per message, connection included")
    delivery_concurrency: int = Field(default=4, ge=1, le=64, description="messages one worker sends at once")

    # Database pool
    pool_min_size: int = 1
    pool_max_size: int = 10

    # API
    frontend_dist: str = "frontend/dist"
    max_body_bytes: int = 1_048_576
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Origins (scheme://host[:port], comma separated) of browser apps allowed to call the api besides its
    # own: CORS answers them, and the CSRF check accepts their state-changing requests with the cookie.
    cors_origins: str = ""
    # Addresses (IPs or CIDR networks, comma separated) of reverse proxies whose X-Forwarded-For we
    # trust: behind them the login rate limit counts the client nginx saw, not nginx itself.
    trusted_proxies: str = ""
    login_max_failures: int = Field(default=10, ge=1, description="failed logins per client address per window")
    login_window_seconds: float = Field(default=900.0, gt=0)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, description="comment line sent to idle live streams")
    sse_queue_size: int = Field(default=1000, ge=1, description="events buffered per slow live-stream client")

    @field_validator("api_token")
    @classmethod
    def _token_is_long_enough(cls, value: str | None) -> str | None:
        # A chosen token is the only secret in front of the api: a short one falls to guessing even
        # with the rate limit. Empty means unset (compose passes API_TOKEN= through when .env has none).
        if value is None or not value.strip():
            return None
        value = value.strip()
        if len(value) < MIN_API_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_API_TOKEN_LENGTH} characters (it has {len(value)}). Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or leave API_TOKEN unset "
                "and the api generates one on its first start"
            )
        return value

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


class InvalidSettings(SystemExit):
    """The environment holds a setting no service can start with; the message names the variable."""


def load() -> Settings:
    """Read settings from the environment (and nothing else).

    An invalid variable stops the process with a line naming it (exit status 2), not a traceback.
    """
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"invalid setting {'.'.join(str(p) for p in err['loc']).upper() or 'environment'}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors(include_url=False, include_input=False)
        ]
        print("\n".join(lines), file=sys.stderr, flush=True)
        raise InvalidSettings(2) from None
