"""The `seo` CLI against a running stack: an api and a worker (each in its own thread) and a local site."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from cli import client as cli
from services.api.routes.events import LIST_TYPES
from services.worker.app import create_app as create_worker
from shared.platform import embedded
from shared.platform.settings import Settings
from tests.conftest import TEMPLATE, _admin
from tests.integration.apiserver import running_api, running_app

TOKEN = "test-token-cli-0123456789abcdef0123"


def _site() -> web.Application:
    """Three pages: a good one, one without a title, and a link to a page that is missing."""

    def page(title: str, body: str) -> str:
        head = f"<title>{title}</title>" if title else ""
        return f'<!doctype html><html lang="en"><head>{head}</head><body><h1>Hi</h1>{body}</body></html>'

    pages = {
        "/": page("The home page of the little test site", '<a href="/a">a</a> <a href="/b">b</a>'),
        "/a": page("", '<a href="/">home</a> <a href="/missing">gone</a>'),
        "/b": page("Page B of the little test site, all good", '<a href="/">home</a>'),
    }

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/slow":  # keeps a crawl running until the test cancels it
            await asyncio.sleep(20)
        if request.path in pages:
            return web.Response(text=pages[request.path], content_type="text/html")
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


@pytest.fixture(scope="module")
def stack(pg_server_dsn: str, template_dsn: str) -> Iterator[tuple[str, str]]:
    """An api and a worker on one fresh database, and a site to crawl: yields (api URL, site URL)."""
    name = f"t_cli_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg_server_dsn, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    settings = Settings(database_url=embedded.with_database(pg_server_dsn, name), api_token=TOKEN,
                        allow_private_networks=True, heartbeat_seconds=1, lease_seconds=10)  # fmt: skip
    try:
        with (
            running_api(settings) as (api_url, _),
            running_app(create_worker(settings)),
            running_app(_site()) as (site_url, _),
        ):
            yield api_url, site_url
    finally:
        asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def run_seo(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The installed console script's entry point in a process of its own, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from cli.client import main; sys.exit(main())", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def seo(stack: tuple[str, str], *args: str, token: str = TOKEN) -> tuple[int, str, str]:
    return run_seo("--api-url", stack[0], "--token", token, *args)


def test_crawl_wait_shows_progress_and_issues(stack: tuple[str, str]) -> None:
    code, out, err = seo(stack, "--json", "crawl", f"{stack[1]}/", "--max-pages", "10", "--wait")
    assert code == cli.EXIT_OK, err
    result = json.loads(out)
    assert result["crawl"]["status"] == "completed" and result["crawl"]["pages_crawled"] == 4
    codes = {row["code"] for row in result["issues"]["items"]}
    assert {"title_missing", "status_4xx", "broken_internal_link"} <= codes

    # What a person sees: the progress bar (on stderr), then the end state and the table of issues.
    code, out, err = seo(stack, "crawl", f"{stack[1]}/", "--max-pages", "10", "--wait")
    assert code == cli.EXIT_OK, err
    assert "completed: 4 pages crawled" in out and "title_missing" in out and "errors" in out
    assert "4/4" in err and "pages" in err

    listing = json.loads(seo(stack, "--json", "crawls")[1])
    first, second = listing["items"][1]["id"], listing["items"][0]["id"]
    code, out, _ = seo(stack, "issues", first, "--code", "status_4xx")
    assert code == 0 and f"{stack[1]}/missing" in out
    code, out, _ = seo(stack, "compare", first, second)
    assert code == 0 and "Pages: +0 added, -0 removed, 0 changed" in out


def test_export_and_state_commands(stack: tuple[str, str], tmp_path: Path) -> None:
    code, out, err = seo(stack, "--json", "crawl", f"{stack[1]}/", "--wait")
    assert code == 0, err
    crawl_id = json.loads(out)["crawl"]["id"]
    target = tmp_path / "pages.csv"
    assert seo(stack, "export", crawl_id, "--format", "csv", "-o", str(target))[0] == 0
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["url"] for r in rows} == {f"{stack[1]}/", f"{stack[1]}/a", f"{stack[1]}/b", f"{stack[1]}/missing"}

    # A crawl that ends cancelled makes `status` and `watch` exit non-zero, for scripts.
    queued = json.loads(seo(stack, "--json", "crawl", f"{stack[1]}/slow")[1])
    assert seo(stack, "cancel", queued["id"])[0] == 0
    assert seo(stack, "status", queued["id"])[0] == cli.EXIT_CRAWL_FAILED
    assert seo(stack, "--json", "watch", queued["id"])[0] == cli.EXIT_CRAWL_FAILED


def test_errors_are_clear(stack: tuple[str, str], tmp_path: Path) -> None:
    code, _, err = seo(stack, "crawls", token="wrong")
    assert code == cli.EXIT_API and "SEO_API_TOKEN" in err
    code, _, err = seo(stack, "status", str(uuid.uuid4()))
    assert code == cli.EXIT_API and "No crawl has the id" in err
    code, _, err = seo(stack, "crawl", "ftp://example.com/")
    assert code == cli.EXIT_API and "http" in err
    code, _, err = seo(stack, "crawl", "https://example.com/", "--include", "/blog/")
    assert code == cli.EXIT_API and "include" in err  # the start URL must pass the patterns
    code, out, _ = seo(stack, "--json", "crawl", "https://example.com/", "--exclude", "/tmp/", "--no-robots")
    assert code == 0 and json.loads(out)["settings"]["exclude"] == ["/tmp/"]
    assert json.loads(out)["settings"]["respect_robots"] is False
    seo(stack, "cancel", json.loads(out)["id"])  # not a site to fetch from here
    code, _, err = run_seo("--api-url", "http://127.0.0.1:9", "crawls")
    assert code == cli.EXIT_API and "cannot reach the API" in err
    # The environment, then a config file, supply URL and token when no flag does.
    assert run_seo("crawls", env={"SEO_API_URL": stack[0], "SEO_API_TOKEN": TOKEN})[0] == cli.EXIT_OK
    config = tmp_path / "config.toml"
    config.write_text(f'api_url = "{stack[0]}"\ntoken = "{TOKEN}"\n')
    assert run_seo("--config", str(config), "crawls")[0] == cli.EXIT_OK


def _sse(api_url: str, path: str, last_event_id: str | None = None) -> Iterator[tuple[str, str | None, Any]]:
    """Connects at once (not lazily at the first read), then yields the stream's messages."""
    headers = {"Authorization": f"Bearer {TOKEN}"} | ({"Last-Event-ID": last_event_id} if last_event_id else {})
    response = urllib.request.urlopen(urllib.request.Request(api_url + path, headers=headers), timeout=30)
    assert response.status == 200

    def messages() -> Iterator[tuple[str, str | None, Any]]:
        with response:
            yield from cli._parse_sse(response)

    return messages()


def test_live_events_of_a_real_crawl_and_resume(stack: tuple[str, str]) -> None:
    api_url, site = stack
    live = _sse(api_url, "/api/crawls/events")  # the list's stream, open before the crawl exists
    client = cli.Client(api_url, TOKEN)
    crawl = client.json("POST", "/api/crawls", {"url": f"{site}/", "max_pages": 10})
    seen: list[tuple[str, str | None, Any]] = []
    for event, event_id, data in live:
        if data["data"].get("crawl_id") != crawl["id"]:
            continue
        seen.append((event, event_id, data))
        if event in cli.TERMINAL:
            break
    live.close()
    kinds = [event for event, _, _ in seen]
    assert kinds[0] == "CrawlRequested" and "CrawlStarted" in kinds and kinds[-1] == "CrawlCompleted"
    assert sum(d["data"]["pages_count"] for e, _, d in seen if e == "PagesCrawled") == 4

    # The crawl's own stream, resumed after its first event, replays exactly the rest.
    replay = []
    for event, event_id, _ in _sse(api_url, f"/api/crawls/{crawl['id']}/events", last_event_id=seen[0][1]):
        replay.append((event, event_id))
        if event in cli.TERMINAL:
            break
    crawl_events = [(e, i) for e, i, _ in seen[1:] if e not in ("CrawlProgressed",)]
    # The list's stream carries the crawl list's types only (not, say, SiteFilesRead): compare those.
    assert [r for r in replay if r[0] in LIST_TYPES and r[0] != "CrawlProgressed"] == crawl_events


def test_sites_show_health_and_history(stack: tuple[str, str]) -> None:
    code, out, err = seo(stack, "--json", "crawl", f"{stack[1]}/", "--wait")
    assert code == 0, err
    crawl_id = json.loads(out)["crawl"]["id"]
    sites = json.loads(seo(stack, "--json", "sites")[1])["items"]
    site = next(s for s in sites if s["origin"] == stack[1])
    assert site["last_completed_crawl_id"] == crawl_id and 0 < site["health_score"] < 100
    wide = {"COLUMNS": "200"}  # the table as a terminal of that width shows it
    code, out, _ = run_seo("--api-url", stack[0], "--token", TOKEN, "sites", env=wide)
    assert code == 0 and site["id"] in out and f"{site['health_score']:g}" in out
    code, out, _ = run_seo("--api-url", stack[0], "--token", TOKEN, "sites", "show", site["id"], env=wide)
    assert code == 0 and "History" in out and crawl_id in out
    history = json.loads(seo(stack, "--json", "sites", "show", site["id"])[1])["history"]
    assert history[-1]["crawl_id"] == crawl_id and history[-1]["health_score"] == site["health_score"]

    code, out, _ = seo(stack, "--json", "sites", "add", "https://cli.example/", "--name", "CLI", "--retention", "3")
    added = json.loads(out)
    assert code == 0 and added["name"] == "CLI" and added["settings"]["retention"] == 3
    code, _, err = seo(stack, "sites", "add", "https://cli.example/other")
    assert code == cli.EXIT_API and "is a site already" in err
    assert seo(stack, "sites", "delete", added["id"])[0] == 0
    code, _, err = seo(stack, "sites", "show", added["id"])
    assert code == cli.EXIT_API and "No site has the id" in err


def test_alerts_commands(stack: tuple[str, str]) -> None:
    client = cli.Client(stack[0], TOKEN)
    body = {"type": "webhook", "name": "Nowhere", "config": {"url": f"{stack[1]}/hook", "secret": "s" * 20}}
    channel = client.json("POST", "/api/channels", body)
    wide = {"COLUMNS": "200"}
    code, out, _ = run_seo("--api-url", stack[0], "--token", TOKEN, "alerts", "channels", env=wide)
    assert code == 0 and channel["id"] in out and "s" * 20 not in out
    code, out, _ = seo(stack, "alerts", "test", channel["id"])  # the test site answers GET only
    assert code == cli.EXIT_CRAWL_FAILED and "Not delivered: the webhook answered HTTP 405" in out
    site = client.json("POST", "/api/sites", {"url": "https://alerts-cli.example/"})
    client.json("POST", f"/api/sites/{site['id']}/alert-rules", {"kind": "health_drop", "channels": [channel["id"]]})
    code, out, _ = run_seo("--api-url", stack[0], "--token", TOKEN, "alerts", "rules", site["id"], env=wide)
    assert code == 0 and "health_drop" in out and '"points": 5' in out
    code, out, _ = seo(stack, "--json", "alerts", "--site", site["id"])
    assert code == 0 and json.loads(out)["items"] == []


def test_crawl_flags_for_url_rules_presets_and_a_settings_file(stack: tuple[str, str], tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"max_pages": 7, "url_rules": {"lowercase": True}}))
    code, out, err = seo(
        stack, "--json", "crawl", f"{stack[1]}/?utm_source=x", "--settings", str(settings),
        "--user-agent-preset", "bingbot", "--strip-param", "utm_*", "--rewrite", "/a$", "/b",
    )  # fmt: skip
    assert code == cli.EXIT_OK, err
    crawl = json.loads(out)
    assert crawl["settings"]["max_pages"] == 7 and "bingbot" in crawl["settings"]["user_agent"]
    assert crawl["settings"]["url_rules"] == {
        "strip_params": ["utm_*"], "lowercase": True, "rewrite": [{"pattern": "/a$", "replacement": "/b"}]
    }  # fmt: skip
    code, _, err = seo(stack, "crawl", f"{stack[1]}/", "--rewrite", "(?=x)", "y")
    assert code != 0 and "url_rules.rewrite.0.pattern" in err and "lookaround" in err


def test_crawl_flags_for_credentials_and_extraction(stack: tuple[str, str]) -> None:
    code, _, err = seo(stack, "crawl", f"{stack[1]}/", "--basic-auth", "auditor")  # no password, no terminal
    assert code != 0 and "SEO_AUTH_PASSWORD" in err
    code, out, err = run_seo(
        "--api-url", stack[0], "--token", TOKEN,
        "--json", "crawl", f"{stack[1]}/", "--basic-auth", "auditor", "--header", "X-Key: k-secret-1",
        "--cookies", "sid=c-secret-2", "--login-url", f"{stack[1]}/login", "--login-field", "user=auditor",
        "--login-field", "password=f-secret-3", "--login-success", "Log out", "--extract", "h1", "css", "h1",
        env={"SEO_AUTH_PASSWORD": "b-secret-4"},
    )  # fmt: skip
    assert code == cli.EXIT_OK, err
    crawl = json.loads(out)
    assert crawl["settings"]["auth"]["methods"] == ["basic", "headers", "cookies", "form"]
    assert crawl["settings"]["extraction"][0]["expression"] == "h1"
    assert not any(secret in out for secret in ("k-secret-1", "c-secret-2", "f-secret-3", "b-secret-4"))
    code, _, err = seo(stack, "crawl", f"{stack[1]}/", "--login-url", f"{stack[1]}/login")
    assert code != 0 and "--login-success" in err
