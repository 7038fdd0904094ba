"""The audit on two real sites: Debian's Python 3.11 and PostgreSQL 15 HTML documentation.

The docs are installed by scripts/install-doc-sites.sh (apt; the test skips where that cannot run)
and served by nginx on loopback, as in issue 13's trial. Every code that fires is
listed with its count in docs/AUDIT.md ("On real sites"); this test holds the findings to what a
professional would accept: the known defects of these sites are found, and nothing a reader of
the docs would laugh at is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.integration.crawlharness import crawl

REPO = Path(__file__).resolve().parents[2]
PYTHON_DOCS = Path("/usr/share/doc/python3.11/html")
POSTGRES_DOCS = Path("/usr/share/doc/postgresql-doc-15/html")
pytestmark = pytest.mark.timeout(600)


def _install() -> str | None:
    """Install the doc packages if needed; the reason they are unavailable, or None."""
    try:
        done = subprocess.run(["bash", "scripts/install-doc-sites.sh"], cwd=REPO, capture_output=True, text=True,
                              timeout=400)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"scripts/install-doc-sites.sh did not run: {exc}"
    if done.returncode != 0 or not PYTHON_DOCS.is_dir() or not POSTGRES_DOCS.is_dir():
        return (done.stderr or done.stdout).strip()[-500:] or "the doc packages are not installed"
    return None


@pytest.fixture(scope="module")
def docs_installed() -> None:
    reason = _install()
    if reason is not None:
        pytest.skip(f"Debian's doc packages are unavailable here: {reason}")


_NGINX = """
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{ listen 127.0.0.1:{port}; root {root}; index index.html; }}
}}
"""


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@contextlib.contextmanager
def _serving(root: Path, work: Path) -> Iterator[str]:
    """nginx serving ``root`` on a free loopback port (as the docs would be served), for the block."""
    executable = _nginx()
    if executable is None:
        pytest.skip("nginx is not installed (scripts/install-system-deps.sh installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers would switch to "nobody"
    (work / "nginx.conf").write_text(_NGINX.format(user=user, work=work, port=port, root=root))
    proc = subprocess.Popen([executable, "-c", str(work / "nginx.conf"), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:  # ready when the port accepts (a bounded wait on a real condition)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {(work / 'error.log').read_text(errors='replace')[-500:]}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def served(docs_installed: None, tmp_path: Path) -> Iterator[dict[str, str]]:
    with _serving(PYTHON_DOCS, tmp_path / "python") as python, _serving(POSTGRES_DOCS, tmp_path / "pg") as pg:
        yield {"python": python, "postgres": pg}


async def _audit(pool: asyncpg.Pool, url: str) -> tuple[dict[str, int], int, dict[str, asyncpg.Record]]:
    job = await crawl(pool, url=url + "/index.html", max_pages=5000, concurrency=8, max_rps=1000)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT code, count(*) AS n FROM issues WHERE crawl_id = $1 GROUP BY code ORDER BY code", job.crawl_id
        )
        counts = {r["code"]: r["n"] for r in rows}
        pages = await conn.fetchval(
            "SELECT count(*) FROM pages WHERE crawl_id = $1 AND status_code = 200 AND content_type ILIKE '%html%'",
            job.crawl_id,
        )
        rows = await conn.fetch(
            """SELECT DISTINCT ON (i.code) i.code, p.url, i.details FROM issues i JOIN pages p ON p.id = i.page_id
               WHERE i.crawl_id = $1 ORDER BY i.code, p.url""",
            job.crawl_id,
        )
        samples = {r["code"]: r for r in rows}
    print(f"\n{url}: {pages} HTML pages")
    for code, n in counts.items():
        print(f"| `{code}` | {n} | {samples[code]['url'].removeprefix(url)} |")
    return counts, pages, samples


# What may fire on these sites, each a finding a reviewer of the docs would accept (docs/AUDIT.md lists
# the counts and why). slow_response is left out: it measures this machine, not the site.
PYTHON_CODES = {
    "broken_internal_link", "canonical_invalid", "h1_duplicate", "h1_multiple", "http_page", "large_page",
    "meta_description_missing", "robots_txt_missing", "search_page_indexable", "status_4xx", "thin_content",
    "title_duplicate", "title_too_long", "title_too_short", "url_underscore", "url_uppercase",
    # the check families of issue 13 (docs/AUDIT.md says why each is right here)
    "image_missing_dimensions", "link_href_empty", "link_href_not_encoded", "link_text_non_descriptive",
    "links_too_many", "open_graph_missing", "pagination_broken", "render_blocking_script", "twitter_card_missing",
    "x_content_type_options_missing", "x_frame_options_missing",
}  # fmt: skip
POSTGRES_CODES = {
    "canonical_missing", "dead_end_page", "h1_missing", "html_lang_missing", "http_page", "meta_description_missing",
    "near_duplicate_content", "robots_txt_missing", "thin_content", "title_duplicate", "title_too_long",
    "title_too_short", "viewport_missing",
    # the check families of issue 13
    "favicon_missing", "link_text_empty", "links_too_many", "open_graph_missing", "twitter_card_missing",
    "x_content_type_options_missing", "x_frame_options_missing",
}  # fmt: skip


async def test_python_and_postgres_docs(pool: asyncpg.Pool, served: dict[str, str]) -> None:
    counts, pages, samples = await _audit(pool, served["python"])
    counts.pop("slow_response", None)
    assert pages > 500 and set(counts) <= PYTHON_CODES, set(counts) - PYTHON_CODES
    # Every page's canonical is file:///usr/share/doc/...: invalid, kept as written, never "missing".
    assert counts["canonical_invalid"] == counts["meta_description_missing"] == pages
    assert samples["canonical_invalid"]["details"]["href"].startswith("file:///usr/share/doc/python3.11/html/")
    # The one real broken target (whatsnew/changelog.html is shipped gzipped) and the 17 pages linking to it.
    assert counts["status_4xx"] == 1 and samples["status_4xx"]["url"].endswith("/whatsnew/changelog.html")
    assert counts["broken_internal_link"] == 17
    # The search page is not thin content: it is an indexable internal search page.
    assert counts["search_page_indexable"] == 1 and samples["search_page_indexable"]["url"].endswith("/search.html")
    assert counts["thin_content"] < 10

    counts, pages, samples = await _audit(pool, served["postgres"])
    counts.pop("slow_response", None)
    assert pages > 1100 and set(counts) <= POSTGRES_CODES, set(counts) - POSTGRES_CODES
    # No canonical, description, viewport or lang anywhere: template problems on every page.
    for code in ("canonical_missing", "meta_description_missing", "viewport_missing", "html_lang_missing"):
        assert counts[code] == pages, code
    assert counts.get("near_duplicate_content", 0) <= 10  # the information_schema pages, nearly alike
