"""``make bench``: every measurement of issue 7 in one run on this machine, then the results files.

Run by bench/run.sh in the bench venv (``python -m bench.main``). Sizes and parts come from the
environment (see bench/config.py); the smoke test runs the same code at tiny sizes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import structlog

from bench import audit as bench_audit
from bench import machine, nginx, ours_services, postgres, processes, report, site, stats
from bench.config import REPO_DIR, BenchConfig, SiteShape

log = structlog.get_logger("bench")

PEERS = ("pgqueuer", "procrastinate")


def _empty_results() -> dict[str, Any]:
    return {
        "machine": {},
        "queue_latency_ms": {"ours": None, "ours_http": None, "pgqueuer": None, "procrastinate": None},
        "queue_throughput_jobs_s": {"ours": None, "pgqueuer": None, "procrastinate": None},
        "crawl_pages_s": {"ours": None, "scrapy": None, "ceiling": None},
        "worker_peak_rss_mb": {"20k": None, "100k": None},
        "audit": {
            "ms_per_1000_pages": None,
            "near_duplicates_seconds": None,
            "minhash_precision": None,
            "minhash_recall": None,
        },  # fmt: skip
        "render": {
            "pages": None,
            "rendered_pages_s": None,
            "raw_pages_s": None,
            "slowdown_x": None,
            "browser_peak_mb": None,
            "driver_peak_mb": None,
            "worker_peak_rss_mb": None,
        },
    }


class Run:
    """One benchmark run: what it measured so far and where its logs go."""

    def __init__(self, cfg: BenchConfig) -> None:
        self.cfg = cfg
        self.results = _empty_results()
        self.details: dict[str, Any] = {"lost_wakeups": {}, "skipped": {}, "queues": {}, "crawls": {}, "errors": {}}
        self.logs = cfg.work_dir / "logs"
        self.peers_python = self._peers_python()
        self.started = time.monotonic()

    def _peers_python(self) -> str | None:
        python = self.cfg.peers_python
        if python and Path(python).exists():
            return python
        self.details["skipped"]["peers"] = (
            f"no bench venv interpreter at {python!r}: PgQueuer, procrastinate and Scrapy were not run"
            if python
            else "BENCH_PEERS_PYTHON not set: PgQueuer, procrastinate and Scrapy were not run"
        )
        return None

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    # --- queues --------------------------------------------------------------------------------

    def _queue_args(self, dsn: str) -> list[str]:
        cfg = self.cfg
        return [
            "--dsn", dsn,
            "--latency-jobs", str(cfg.latency_jobs if "latency" in cfg.parts else 0),
            "--drain-jobs", str(cfg.drain_jobs if "drain" in cfg.parts else 0),
            "--concurrency", str(cfg.queue_concurrency),
            "--lost-after", str(cfg.lost_after_seconds),
            "--warmup", str(cfg.warmup_jobs),
            "--job-timeout", str(cfg.job_timeout_seconds),
        ]  # fmt: skip

    async def queue(self, admin: str, name: str, python: str, module: str) -> None:
        """One queue's latency and drain, in a fresh database, in its own process."""
        log.info("queue", system=name)
        async with postgres.database(admin, name) as dsn:
            started = time.monotonic()
            out = await asyncio.to_thread(
                processes.run_json,
                [python, "-m", module, *self._queue_args(dsn)],
                env=processes.child_env(),
                log=self.log_path(f"queue-{name}"),
                timeout=3600,
            )
        self._record_queue(name, out, time.monotonic() - started)

    def _record_queue(self, name: str, out: dict[str, Any], seconds: float) -> None:
        detail: dict[str, Any] = {"version": out.get("version"), "wall_seconds": round(seconds, 1)}
        if "latency" in out:
            lat = out["latency"]
            self.results["queue_latency_ms"][name] = stats.summary_ms(lat["samples_s"])
            self.details["lost_wakeups"][name] = lat["lost_wakeups"]
            detail["latency"] = {k: v for k, v in lat.items() if k != "samples_s"}
        if "drain" in out:
            self.results["queue_throughput_jobs_s"][name] = out["drain"]["jobs_per_second"]
            detail["drain"] = out["drain"]
        self.details["queues"][name] = detail
        log.info("queue done", system=name, latency=self.results["queue_latency_ms"][name], drain=out.get("drain"))

    async def http(self, admin: str, target: str) -> None:
        log.info("queue", system="ours_http")
        async with postgres.database(admin, "ours_http") as dsn:
            out = await ours_services.http_latency(
                self.cfg.ours_python,
                dsn,
                self.logs,
                target,
                self.cfg.latency_jobs,
                lost_after=self.cfg.lost_after_seconds,
                timeout=self.cfg.job_timeout_seconds,
                warmup=self.cfg.warmup_jobs,
            )
        self.results["queue_latency_ms"]["ours_http"] = stats.summary_ms(out["samples_s"])
        self.details["lost_wakeups"]["ours_http"] = out["lost_wakeups"]
        self.details["queues"]["ours_http"] = {k: v for k, v in out.items() if k != "samples_s"}
        log.info("queue done", system="ours_http", latency=self.results["queue_latency_ms"]["ours_http"])

    # --- crawls --------------------------------------------------------------------------------

    async def ceiling(self, base: str, shape: SiteShape) -> None:
        out = await asyncio.to_thread(
            processes.run_json,
            [self.cfg.ours_python, "-m", "bench.ceiling", "--base", base, "--pages", str(shape.pages),
             "--concurrency", str(self.cfg.crawl_concurrency)],
            env=processes.child_env(),
            log=self.log_path("crawl-ceiling"),
            timeout=3600,
        )  # fmt: skip
        self.results["crawl_pages_s"]["ceiling"] = out["pages_per_second"]
        self.details["crawls"]["ceiling"] = out
        log.info("crawl done", crawler="ceiling", result=out)

    async def link_score(self) -> None:
        """PageRank of a million-link graph (issue 16): the CPU pass at the end of a crawl."""
        out = await asyncio.to_thread(
            processes.run_json,
            [self.cfg.ours_python, "-m", "bench.linkscore", "--pages", "200000", "--links", "1000000"],
            env=processes.child_env(),
            log=self.log_path("linkscore"),
            timeout=600,
        )
        self.details["link_score"] = out
        log.info("link score done", result=out)

    async def scrapy(self, base: str, shape: SiteShape) -> None:
        if self.peers_python is None:
            return
        out = await asyncio.to_thread(
            processes.run_json,
            [self.peers_python, "-m", "bench.peers.scrapy_runner", "--start-url", f"{base}/p/0.html",
             "--max-pages", str(shape.pages), "--concurrency", str(self.cfg.crawl_concurrency),
             "--feed", str(self.cfg.work_dir / "scrapy-items.jsonl")],
            env=processes.child_env(),
            log=self.log_path("crawl-scrapy"),
            timeout=self.cfg.crawl_timeout_seconds,
        )  # fmt: skip
        self.results["crawl_pages_s"]["scrapy"] = out["pages_per_second"]
        self.details["crawls"]["scrapy"] = out
        log.info("crawl done", crawler="scrapy", result=out)

    async def ours_crawl(
        self, admin: str, base: str, shape: SiteShape, label: str, *, render: bool = False
    ) -> dict[str, Any]:
        async with postgres.database(admin, f"crawl_{label}") as dsn:
            out = await ours_services.crawl(
                self.cfg.ours_python,
                dsn,
                self.logs,
                f"crawl-{label}",
                f"{base}/p/0.html",
                shape.pages,
                self.cfg.crawl_concurrency,
                timeout=self.cfg.crawl_timeout_seconds,
                profile=self.cfg.profile,
                render=render,
                worker_env={"RENDER_CONCURRENCY": str(self.cfg.render_concurrency)} if render else None,
            )
            if label == "20k" and "audit" in self.cfg.parts:
                # Every rule again on the crawl just stored: the audit's time per 1,000 pages.
                timing = await self.timed("audit reaudit", bench_audit.reaudit(dsn, uuid.UUID(out["crawl_id"])))
                if timing is not None:
                    self.results["audit"]["ms_per_1000_pages"] = timing["ms_per_1000_pages"]
                    self.details["audit_reaudit"] = timing
        self.details["crawls"][f"ours_{label}"] = out
        log.info("crawl done", crawler=f"ours {label}", pages_per_second=out["pages_per_second"],
                 peak_rss_mb=out["peak_rss_mb"], pages=out["pages"])  # fmt: skip
        return out

    async def near_duplicates(self) -> None:
        """The near-duplicate pass at ``near_duplicate_pages`` and MinHash quality on 10,000 pages."""
        out = await asyncio.to_thread(bench_audit.near_duplicates, self.cfg.near_duplicate_pages)
        self.results["audit"]["near_duplicates_seconds"] = out["seconds"]
        quality = await asyncio.to_thread(bench_audit.quality, min(10_000, self.cfg.near_duplicate_pages))
        self.results["audit"]["minhash_precision"] = quality["precision"]
        self.results["audit"]["minhash_recall"] = quality["recall"]
        self.details["audit_near_duplicates"] = {**out, "quality": quality}
        log.info("near duplicates done", result=out, quality=quality)

    # --- the run -------------------------------------------------------------------------------

    async def run(self) -> None:
        cfg = self.cfg
        self.started = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        for old in self.logs.glob("*"):
            old.unlink()
        facts = machine.facts()
        facts["checkout"] = machine.checkout(REPO_DIR)
        facts["peers"] = {k: v for k, v in machine.versions(["pgqueuer", "procrastinate", "scrapy"]).items() if v}
        nginx_exe = nginx.binary(cfg.nginx)
        facts["nginx_version"] = nginx.version(nginx_exe) if nginx_exe else None
        self.results["machine"] = facts
        self.details["sizes"] = {
            "latency_jobs": cfg.latency_jobs,
            "warmup_jobs": cfg.warmup_jobs,
            "drain_jobs": cfg.drain_jobs,
            "queue_concurrency": cfg.queue_concurrency,
            "crawl_concurrency": cfg.crawl_concurrency,
            "crawl_site": cfg.crawl_site.__dict__,
            "memory_site": cfg.memory_site.__dict__,
            "render_site": cfg.render_site.__dict__,
            "render_concurrency": cfg.render_concurrency,
            "parts": sorted(cfg.parts),
        }
        self.details["part_seconds"] = {}
        if nginx_exe is None:
            raise SystemExit("bench: nginx not found; run scripts/install-system-deps.sh (Debian's nginx package)")
        crawl_site = await asyncio.to_thread(site.ensure, cfg.work_dir, cfg.crawl_site, cfg.seed)
        self.details["crawl_site_stats"] = site.stats(crawl_site)
        with postgres.server(cfg.database_url, cfg.work_dir / "pg") as admin:
            self.results["machine"].update(await postgres.facts(admin))
            with nginx.serving(nginx_exe, crawl_site, cfg.work_dir / "nginx") as base:
                if cfg.parts & {"latency", "drain"}:
                    await self.timed("queue ours", self.queue(admin, "ours", cfg.ours_python, "bench.ours_queue"))
                    if self.peers_python:
                        await self.timed(
                            "queue pgqueuer",
                            self.queue(admin, "pgqueuer", self.peers_python, "bench.peers.pgqueuer_runner"),
                        )
                        await self.timed(
                            "queue procrastinate",
                            self.queue(admin, "procrastinate", self.peers_python, "bench.peers.procrastinate_runner"),
                        )
                if "latency" in cfg.parts:
                    await self.timed("latency ours_http", self.http(admin, f"{base}/index.html"))
                if "crawl" in cfg.parts:
                    await self.timed("crawl ceiling", self.ceiling(base, cfg.crawl_site))
                    out = await self.timed("crawl ours", self.ours_crawl(admin, base, cfg.crawl_site, "20k"))
                    if out is not None:
                        self.results["crawl_pages_s"]["ours"] = out["pages_per_second"]
                        self.results["worker_peak_rss_mb"]["20k"] = out["peak_rss_mb"]
                        self.write()
                    await self.timed("crawl scrapy", self.scrapy(base, cfg.crawl_site))
            if "linkscore" in cfg.parts:
                await self.timed("link score 1m links", self.link_score())
            if "audit" in cfg.parts:
                await self.timed("audit near duplicates", self.near_duplicates())
            if "memory" in cfg.parts:
                memory_site = await asyncio.to_thread(site.ensure, cfg.work_dir, cfg.memory_site, cfg.seed)
                with nginx.serving(nginx_exe, memory_site, cfg.work_dir / "nginx") as base:
                    out = await self.timed("crawl ours 100k", self.ours_crawl(admin, base, cfg.memory_site, "100k"))
                if out is not None:
                    self.results["worker_peak_rss_mb"]["100k"] = out["peak_rss_mb"]
            if "render" in cfg.parts:
                await self.timed("render", self.render(admin, nginx_exe))
        self.write()

    async def render(self, admin: str, nginx_exe: str) -> None:
        """The same pages crawled raw (static HTML) and rendered (built by a script in Chromium)."""
        cfg = self.cfg
        shape = cfg.render_site
        static = await asyncio.to_thread(site.ensure, cfg.work_dir, shape, cfg.seed)
        scripted = await asyncio.to_thread(site.ensure_js, cfg.work_dir, shape, cfg.seed)
        with nginx.serving(nginx_exe, static, cfg.work_dir / "nginx") as base:
            raw = await self.ours_crawl(admin, base, shape, "render_raw")
        with nginx.serving(nginx_exe, scripted, cfg.work_dir / "nginx") as base:
            rendered = await self.ours_crawl(admin, base, shape, "rendered", render=True)
        if rendered["rendered"] != rendered["pages"] or rendered["extracted"]["title"] != shape.pages:
            raise RuntimeError(f"the rendered crawl did not render every page: {rendered}")
        self.results["render"] = {
            "pages": rendered["pages"],
            "rendered_pages_s": rendered["pages_per_second"],
            "raw_pages_s": raw["pages_per_second"],
            "slowdown_x": round(raw["pages_per_second"] / rendered["pages_per_second"], 1)
            if rendered["pages_per_second"]
            else None,
            "browser_peak_mb": rendered["browser_peak_mb"],
            "driver_peak_mb": rendered["driver_peak_mb"],
            "worker_peak_rss_mb": rendered["peak_rss_mb"],
        }

    async def timed(self, name: str, work: Any) -> Any:
        """Run one part, note its wall time, and write the results so far (a cut-short run keeps them).

        A part that fails is recorded in ``details.errors`` and the run goes on with the others;
        the run then exits non-zero.
        """
        started = time.monotonic()
        try:
            return await work
        except Exception as exc:
            log.error("part failed", part=name, error=f"{type(exc).__name__}: {exc}")
            self.details["errors"][name] = f"{type(exc).__name__}: {exc}"
            return None
        finally:
            self.details["part_seconds"][name] = round(time.monotonic() - started, 1)
            self.write()

    def write(self) -> None:
        self.results["machine"]["load_average_now"] = [round(x, 2) for x in os.getloadavg()]
        self.details["goals"] = report.goals(self.results, self.details["lost_wakeups"])
        self.details["run_seconds"] = round(time.monotonic() - self.started, 1)
        path = report.write_json(self.cfg.results_dir, self.results, self.details)
        report.update_docs(self.cfg.docs_path, report.table(self.results, self.details))
        log.info("results written", json=str(path), docs=str(self.cfg.docs_path))


def main() -> int:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    cfg = BenchConfig()
    cfg.work_dir.mkdir(parents=True, exist_ok=True)
    if shutil.which(cfg.ours_python) is None and not os.path.exists(cfg.ours_python):
        raise SystemExit(f"bench: no interpreter at {cfg.ours_python}")
    run = Run(cfg)
    asyncio.run(run.run())
    if run.details["errors"]:
        log.error("some parts failed; their numbers are null", errors=run.details["errors"])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
