"""The benchmark's knobs, read from the environment once (sizes are small in the smoke test)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name) or default).resolve()


DEFAULT_PARTS = "latency,drain,crawl,linkscore,audit,render,memory"


@dataclass(frozen=True)
class SiteShape:
    """A generated static site: how many pages, how large, how many links each."""

    pages: int
    min_kb: int
    max_kb: int
    min_links: int
    max_links: int

    def label(self) -> str:
        return f"{self.pages}p-{self.min_kb}-{self.max_kb}kb-{self.min_links}-{self.max_links}l"


@dataclass(frozen=True)
class BenchConfig:
    """Sizes, paths and what to run. Defaults are the full benchmark of issue 7."""

    latency_jobs: int = field(default_factory=lambda: _int("BENCH_LATENCY_JOBS", 1000))
    warmup_jobs: int = field(default_factory=lambda: _int("BENCH_WARMUP_JOBS", 10))
    drain_jobs: int = field(default_factory=lambda: _int("BENCH_JOBS", 20_000))
    crawl_site: SiteShape = field(
        default_factory=lambda: SiteShape(
            pages=_int("BENCH_PAGES", 20_000),
            min_kb=_int("BENCH_PAGE_MIN_KB", 30),
            max_kb=_int("BENCH_PAGE_MAX_KB", 80),
            min_links=_int("BENCH_MIN_LINKS", 50),
            max_links=_int("BENCH_MAX_LINKS", 150),
        )
    )
    # Lighter pages than the throughput site so 100,000 of them fit the run's time budget (about
    # 7 minutes instead of 20); what grows with a crawl's size is the frontier and the stored
    # pages, not the size of one page. Set these to 30/80/50/150 for the heavy site.
    memory_site: SiteShape = field(
        default_factory=lambda: SiteShape(
            pages=_int("BENCH_MEMORY_PAGES", 100_000),
            min_kb=_int("BENCH_MEMORY_PAGE_MIN_KB", 4),
            max_kb=_int("BENCH_MEMORY_PAGE_MAX_KB", 8),
            min_links=_int("BENCH_MEMORY_MIN_LINKS", 10),
            max_links=_int("BENCH_MEMORY_MAX_LINKS", 20),
        )
    )
    # Rendered crawls (issue 17): the same kind of pages as the throughput site, fewer of them (a
    # rendered page costs a browser context, its script and its data request).
    render_site: SiteShape = field(
        default_factory=lambda: SiteShape(
            pages=_int("BENCH_RENDER_PAGES", 1000),
            min_kb=_int("BENCH_PAGE_MIN_KB", 30),
            max_kb=_int("BENCH_PAGE_MAX_KB", 80),
            min_links=_int("BENCH_MIN_LINKS", 50),
            max_links=_int("BENCH_MAX_LINKS", 150),
        )
    )
    # Pages one worker renders at once (RENDER_CONCURRENCY); the default is the product's.
    render_concurrency: int = field(default_factory=lambda: _int("BENCH_RENDER_CONCURRENCY", 2))
    # The same for every crawler: requests in flight against the one host, no politeness delay.
    crawl_concurrency: int = field(default_factory=lambda: _int("BENCH_CONCURRENCY", 16))
    # Synthetic pages (issue 13) for the near-duplicate pass: "100,000 pages in seconds".
    near_duplicate_pages: int = field(default_factory=lambda: _int("BENCH_NEAR_DUP_PAGES", 100_000))
    # Jobs each queue worker runs at once (PgQueuer's batch size, procrastinate's and our concurrency).
    queue_concurrency: int = field(default_factory=lambda: _int("BENCH_QUEUE_CONCURRENCY", 10))
    # A job not claimed within this many seconds counts as a lost wake-up (its real latency is kept).
    lost_after_seconds: float = field(default_factory=lambda: _float("BENCH_LOST_AFTER_SECONDS", 1.0))
    # Give up on a single job after this long (a peer's fallback poll may still find it sooner).
    job_timeout_seconds: float = field(default_factory=lambda: _float("BENCH_JOB_TIMEOUT_SECONDS", 35.0))
    crawl_timeout_seconds: float = field(default_factory=lambda: _float("BENCH_CRAWL_TIMEOUT_SECONDS", 900.0))
    parts: frozenset[str] = field(
        default_factory=lambda: frozenset(
            p.strip() for p in os.environ.get("BENCH_PARTS", DEFAULT_PARTS).split(",") if p.strip()
        )
    )
    work_dir: Path = field(default_factory=lambda: _path("BENCH_WORK_DIR", BENCH_DIR / "work"))
    results_dir: Path = field(default_factory=lambda: _path("BENCH_RESULTS_DIR", BENCH_DIR / "results"))
    docs_path: Path = field(default_factory=lambda: _path("BENCH_DOCS", REPO_DIR / "docs" / "benchmarks.md"))
    # An existing server to use instead of the embedded one (its databases are created and dropped here).
    database_url: str | None = field(default_factory=lambda: os.environ.get("BENCH_DATABASE_URL") or None)
    # The interpreter of the bench venv, where the peers are installed; empty = peers are skipped.
    peers_python: str | None = field(default_factory=lambda: os.environ.get("BENCH_PEERS_PYTHON") or None)
    # The interpreter that runs our services (the product's own environment).
    ours_python: str = field(default_factory=lambda: os.environ.get("BENCH_OURS_PYTHON") or sys.executable)
    nginx: str = field(default_factory=lambda: os.environ.get("BENCH_NGINX") or "nginx")
    profile: bool = field(default_factory=lambda: os.environ.get("BENCH_PROFILE", "") not in ("", "0"))
    seed: int = field(default_factory=lambda: _int("BENCH_SEED", 7))
