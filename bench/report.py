"""The results: ``latest.json`` (the fixed shape of issue 7), ``details.json`` and the docs table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TABLE_START = "<!-- bench:results:start (written by make bench; edit outside these markers) -->"
TABLE_END = "<!-- bench:results:end -->"

_DOC_TEMPLATE = """# Benchmarks

`make bench` measures this checkout against the tools users would otherwise pick, in one run on
one machine, and rewrites the section between the markers below (and `bench/results/latest.json`).

{start}
{end}
"""


def goals(results: dict[str, Any], lost: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Issue 7's goals, each with the numbers it was judged on and whether it holds (None: not measured)."""
    lat = results["queue_latency_ms"]
    thr = results["queue_throughput_jobs_s"]
    crawl = results["crawl_pages_s"]
    rss = results["worker_peak_rss_mb"]

    def holds(condition: bool | None) -> bool | None:
        return condition

    def both(*values: Any) -> bool:
        return all(v is not None for v in values)

    ours, peer = lat.get("ours"), lat.get("pgqueuer")
    return {
        "wakeup_p50_no_worse_than_pgqueuer": {
            "ours_ms": ours and ours["p50"],
            "pgqueuer_ms": peer and peer["p50"],
            "holds": holds(ours["p50"] <= peer["p50"]) if both(ours, peer) else None,
        },
        "wakeup_max_under_50ms": {
            "ours_ms": ours and ours["max"],
            "ours_http_ms": lat.get("ours_http") and lat["ours_http"]["max"],
            "holds": holds(ours["max"] < 50 and (lat.get("ours_http") or {"max": 0})["max"] < 50) if ours else None,
        },
        "zero_lost_wakeups": {
            "ours": lost.get("ours"),
            "ours_http": lost.get("ours_http"),
            "holds": holds(lost.get("ours") == 0 and lost.get("ours_http", 0) == 0) if "ours" in lost else None,
        },
        "drain_at_least_1.2x_pgqueuer": {
            "ratio": round(thr["ours"] / thr["pgqueuer"], 2) if both(thr.get("ours"), thr.get("pgqueuer")) else None,
            "holds": holds(thr["ours"] >= 1.2 * thr["pgqueuer"])
            if both(thr.get("ours"), thr.get("pgqueuer"))
            else None,
        },
        "crawl_at_least_2x_scrapy": {
            "ratio": round(crawl["ours"] / crawl["scrapy"], 2)
            if both(crawl.get("ours"), crawl.get("scrapy"))
            else None,
            "holds": holds(crawl["ours"] >= 2 * crawl["scrapy"])
            if both(crawl.get("ours"), crawl.get("scrapy"))
            else None,
        },
        # issue 13: the near-duplicate pass stays in seconds at 100,000 pages, and MinHash is accurate
        "near_duplicates_in_seconds_not_minutes": {
            "seconds": (results.get("audit") or {}).get("near_duplicates_seconds"),
            "holds": holds((results["audit"]["near_duplicates_seconds"] or 0) < 60)
            if (results.get("audit") or {}).get("near_duplicates_seconds") is not None
            else None,
        },
        "minhash_precision_and_recall_at_least_0.98": {
            "precision": (results.get("audit") or {}).get("minhash_precision"),
            "recall": (results.get("audit") or {}).get("minhash_recall"),
            "holds": holds(min(results["audit"]["minhash_precision"], results["audit"]["minhash_recall"]) >= 0.98)
            if both(
                (results.get("audit") or {}).get("minhash_precision"),
                (results.get("audit") or {}).get("minhash_recall"),
            )
            else None,
        },
        "rss_at_most_250mb_and_flat": {
            "20k_mb": rss.get("20k"),
            "100k_mb": rss.get("100k"),
            "holds": holds(rss["100k"] <= 250 and rss["100k"] <= 1.2 * rss["20k"])
            if both(rss.get("20k"), rss.get("100k"))
            else None,
        },
    }


def write_json(results_dir: Path, results: dict[str, Any], details: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "latest.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    (results_dir / "details.json").write_text(json.dumps(details, indent=2, default=str) + "\n")
    return path


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:,.1f}" if value >= 100 else f"{value:,.2f}"
    return f"{value}{unit}"


def _verdict(goal: dict[str, Any]) -> str:
    return {True: "holds", False: "**missed**", None: "not measured"}[goal["holds"]]


def table(results: dict[str, Any], details: dict[str, Any]) -> str:
    """The markdown section: machine, the four measurements, and the goals."""
    m = results["machine"]
    sizes = details.get("sizes", {})
    lat = results["queue_latency_ms"]
    lost = details.get("lost_wakeups", {})
    peers = ", ".join(f"{k} {v}" for k, v in (m.get("peers") or {}).items()) or "not run"
    if details.get("skipped", {}).get("peers"):
        peers = "not run"
    lines = [
        f"Run of {m.get('started_at', '?')} on {m.get('cores')} cores ({m.get('cpu')}), "
        f"{_fmt(m.get('memory_mb'))} MB memory, PostgreSQL {m.get('postgres_version')} "
        f"(embedded, `synchronous_commit={m.get('postgres_settings', {}).get('synchronous_commit')}`), "
        f"{m.get('nginx_version') or 'no nginx'}, Python {m.get('python')}; "
        f"peers: {peers}. "
        f"Checkout {(m.get('checkout') or {}).get('commit')}"
        f"{' with uncommitted changes' if (m.get('checkout') or {}).get('uncommitted_changes') else ''}; "
        f"load average {m.get('load_average_at_start')} at the start (the machine is shared). "
        f"Whole run: {_fmt(details.get('run_seconds'))} s.",
        "",
        f"**Wake-up latency**, enqueue committed → claim returned, {sizes.get('latency_jobs')} jobs one after "
        "another (ms):",
        "",
        "| system | p50 | p95 | p99 | max | lost wake-ups (> 1 s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {
        "ours": "ours (event store → worker claim loop)",
        "ours_http": "ours through the HTTP API (`POST /api/crawls` → running worker)",
        "pgqueuer": "PgQueuer",
        "procrastinate": "procrastinate",
    }
    for key, name in names.items():
        row = lat.get(key)
        if row is None:
            lines.append(f"| {name} | — | — | — | — | — |")
            continue
        lines.append(
            f"| {name} | {_fmt(row['p50'])} | {_fmt(row['p95'])} | {_fmt(row['p99'])} | {_fmt(row['max'])} "
            f"| {_fmt(lost.get(key))} |"
        )
    thr = results["queue_throughput_jobs_s"]
    lines += [
        "",
        f"**Drain throughput**, {sizes.get('drain_jobs')} no-op jobs enqueued, then one worker started "
        f"({sizes.get('queue_concurrency')} jobs at once):",
        "",
        "| system | jobs/s |",
        "| --- | ---: |",
        *(f"| {k} | {_fmt(thr.get(k))} |" for k in ("ours", "pgqueuer", "procrastinate")),
    ]
    crawl = results["crawl_pages_s"]
    site = sizes.get("crawl_site") or {}
    lines += [
        "",
        f"**Crawl throughput**, a generated site of {site.get('pages')} pages ({site.get('min_kb')}–"
        f"{site.get('max_kb')} KB of HTML, {site.get('min_links')}–{site.get('max_links')} links each) served by "
        f"nginx on loopback, {sizes.get('crawl_concurrency')} requests at once, no delays:",
        "",
        "| crawler | pages/s |",
        "| --- | ---: |",
        f"| ours (full extraction, audit, pages and links stored in Postgres) | {_fmt(crawl.get('ours'))} |",
        f"| Scrapy (title, description, h1, canonical, links; items to a JSONL feed) | {_fmt(crawl.get('scrapy'))} |",
        f"| ceiling (aiohttp, same URLs, bodies read, no parsing) | {_fmt(crawl.get('ceiling'))} |",
    ]
    rss = results["worker_peak_rss_mb"]
    mem = sizes.get("memory_site") or {}
    lines += [
        "",
        "**Worker peak RSS** (VmHWM of the `python -m services.worker` process over the whole crawl):",
        "",
        "| crawl | peak RSS |",
        "| --- | ---: |",
        f"| {site.get('pages')} pages (the crawl above) | {_fmt(rss.get('20k'), ' MB')} |",
        f"| {mem.get('pages')} pages ({mem.get('min_kb')}–{mem.get('max_kb')} KB, {mem.get('min_links')}–"
        f"{mem.get('max_links')} links) | {_fmt(rss.get('100k'), ' MB')} |",
    ]
    big = details.get("crawls", {}).get("ours_100k") or {}
    scrapy = details.get("crawls", {}).get("scrapy") or {}
    lines += [
        "",
        f"Inside the {mem.get('pages')}-page crawl the worker held {_fmt(big.get('rss_at_one_fifth_mb'), ' MB')} "
        f"once a fifth of the pages were stored and {_fmt(big.get('rss_at_end_mb'), ' MB')} at the end "
        f"({_fmt(big.get('pages_per_second'))} pages/s on that lighter site). For comparison, Scrapy's peak RSS "
        f"on the {site.get('pages')}-page crawl: {_fmt(scrapy.get('peak_rss_mb'), ' MB')}.",
    ]
    render = results.get("render") or {}
    rendered = details.get("crawls", {}).get("ours_rendered") or {}
    raw = details.get("crawls", {}).get("ours_render_raw") or {}
    shape = sizes.get("render_site") or {}
    lines += [
        "",
        f"**Rendered crawl** (issue 17): {shape.get('pages')} pages ({shape.get('min_kb')}–{shape.get('max_kb')} KB, "
        f"{shape.get('min_links')}–{shape.get('max_links')} links), once as static HTML crawled raw, once as a "
        "script-built site (every page the same shell; its script fetches the page's data and builds title, "
        "description, canonical, text and links) rendered in headless Chromium, "
        f"{sizes.get('render_concurrency')} pages rendering at once, "
        f"{sizes.get('crawl_concurrency')} requests at once:",
        "",
        "| crawl | pages/s | worker peak RSS | Chromium peak (PSS, all its processes) | driver peak |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| raw, static HTML | {_fmt(render.get('raw_pages_s'))} | {_fmt(raw.get('peak_rss_mb'), ' MB')} | — | — |",
        f"| rendered, script-built | {_fmt(render.get('rendered_pages_s'))} "
        f"| {_fmt(render.get('worker_peak_rss_mb'), ' MB')} | {_fmt(render.get('browser_peak_mb'), ' MB')} "
        f"| {_fmt(render.get('driver_peak_mb'), ' MB')} |",
        "",
        f"Rendering took {_fmt(render.get('slowdown_x'), '×')} the raw crawl's time per page; a page rendered in "
        f"{_fmt(rendered.get('mean_render_ms'), ' ms')} on average; {_fmt(rendered.get('render_failed'))} of "
        f"{_fmt(rendered.get('rendered'))} renders failed.",
        "",
        *_audit_lines(results, details),
        "",
        "**Goals** (issues 7 and 13):",
        "",
        "| goal | measured | verdict |",
        "| --- | --- | --- |",
    ]
    for part, error in (details.get("errors") or {}).items():
        lines.insert(2, f"**Failed part:** {part}: `{error}` (its numbers are missing).\n")
    g = details.get("goals", {})
    for name, goal in g.items():
        measured = ", ".join(f"{k} {_fmt(v)}" for k, v in goal.items() if k != "holds")
        lines.append(f"| {name} | {measured} | {_verdict(goal)} |")
    return "\n".join(lines)


def _audit_lines(results: dict[str, Any], details: dict[str, Any]) -> list[str]:
    """The audit's measurements (issue 13)."""
    a = results.get("audit") or {}
    reaudit = details.get("audit_reaudit") or {}
    near = details.get("audit_near_duplicates") or {}
    quality = near.get("quality") or {}
    return [
        "**Audit** (issue 13):",
        "",
        "| measurement | value |",
        "| --- | ---: |",
        f"| every page and site rule again on the {reaudit.get('pages', '—')}-page crawl above (`audit.reaudit`), "
        f"per 1,000 pages | {_fmt(a.get('ms_per_1000_pages'), ' ms')} |",
        f"| near-duplicate pass (MinHash LSH, bottom-k similarity) on {near.get('pages', '—')} synthetic pages "
        f"| {_fmt(a.get('near_duplicates_seconds'), ' s')} |",
        f"| MinHash precision / recall at 0.9 on {quality.get('pages', '—')} synthetic pages (exact Jaccard as truth) "
        f"| {_fmt(a.get('minhash_precision'))} / {_fmt(a.get('minhash_recall'))} |",
    ]


def update_docs(path: Path, section: str) -> None:
    """Replace the generated section of the docs page, keeping everything written around it."""
    text = path.read_text() if path.exists() else _DOC_TEMPLATE.format(start=TABLE_START, end=TABLE_END)
    if TABLE_START not in text or TABLE_END not in text:
        text = text.rstrip() + "\n\n" + TABLE_START + "\n" + TABLE_END + "\n"
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + TABLE_START + "\n" + section + "\n" + TABLE_END + tail)
