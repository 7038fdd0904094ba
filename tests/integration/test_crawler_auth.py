"""Crawling sites behind a login (issue 18): basic auth, a cookie, headers and a form login whose session ends.

Crawls are requested through the api (which seals the credentials in the vault) and run by the
crawl body as a worker would; the sites check every request, and a second origin linked, embedded
and redirected to from every page records that it never saw a credential. Then the event log, the
logs, the answers and every export are searched for the secrets.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from services.api.app import create_app
from services.scheduler import cron
from services.worker.crawl.crawler import run_crawl
from shared.eventlog import rebuild
from shared.model.crawlsettings import CrawlSettings
from shared.platform.settings import Settings
from tests.integration.crawlharness import start_attempt
from tests.sites import Site
from tests.sites.private import PAGES, Gates, private_site

TOKEN = "test-token-crawl-auth-0123456789abcdef0123456789"
SECRET_KEY = "a-test-secret-key-for-crawl-auth"


def _secret(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(12)}"


async def _client(aiohttp_client: Any, dsn: str) -> Any:
    settings = Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True, secret_key=SECRET_KEY)
    return await aiohttp_client(create_app(settings), headers={"Authorization": f"Bearer {TOKEN}"})


async def _crawl_through_api(client: Any, pool: asyncpg.Pool, body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/crawls, then run the crawl body as the worker that claimed it would; the crawl as the api shows it."""
    resp = await client.post("/api/crawls", json=body)
    assert resp.status == 201, await resp.text()
    crawl = await resp.json()
    settings = CrawlSettings.model_validate({**crawl["settings"], "urls": body.get("urls", [])})  # answers omit urls
    config = Settings(allow_private_networks=True, secret_key=SECRET_KEY)
    job = await start_attempt(pool, uuid.UUID(crawl["id"]), settings, attempt=1, config=config)
    await run_crawl(job)
    return crawl


async def _everything_stored(pool: asyncpg.Pool, client: Any, crawl_id: str) -> str:
    """The event log, the vault's ciphertexts, the crawl's answers and every export, as one text."""
    parts = []
    async with pool.acquire() as conn:
        parts += [r["t"] for r in await conn.fetch("SELECT type || data::text || metadata::text AS t FROM events")]
        parts += [r["ciphertext"] for r in await conn.fetch("SELECT ciphertext FROM vault_secrets")]
        parts += [
            str(dict(r)) for r in await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1", uuid.UUID(crawl_id))
        ]
    parts.append(await (await client.get(f"/api/crawls/{crawl_id}")).text())
    parts.append(await (await client.get("/api/crawls")).text())
    for what in ("pages", "issues", "links"):
        for fmt in ("csv", "json", "xlsx"):
            resp = await client.get(f"/api/crawls/{crawl_id}/export", params={"what": what, "format": fmt})
            assert resp.status == 200, (what, fmt)
            parts.append((await resp.read()).decode("latin-1"))
    return "\n".join(parts)


async def _pages(pool: asyncpg.Pool, crawl: dict[str, Any]) -> dict[str, asyncpg.Record]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1", uuid.UUID(crawl["id"]))
    return {r["url"]: r for r in rows}


def _no_credentials_reached(other: Site, *names: str) -> None:
    assert other.requests, "the second origin was never asked for anything: the test proves nothing"
    for request in other.requests:
        for name in ("Authorization", "Cookie", *names):
            assert name not in request.headers, (request.path, name)


async def test_basic_auth_cookie_and_headers_go_to_the_crawls_origin_only(
    pool: asyncpg.Pool, dsn: str, site_factory: Any, aiohttp_client: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    site: Site = await site_factory()
    other: Site = await site_factory()
    password, token, key = _secret("basic"), _secret("cookie"), _secret("header")
    basic = "Basic " + base64.b64encode(f"auditor:{password}".encode()).decode()
    gates = private_site(site, other, Gates(basic=basic, cookie=("token", token), header=("X-Staging-Key", key)))
    client = await _client(aiohttp_client, dsn)

    crawl = await _crawl_through_api(client, pool, {
        "url": site.url("/"), "use_sitemaps": False, "check_external_links": True, "max_rps": 1000, "concurrency": 4,
        "auth": {"basic": {"username": "auditor", "password": password}, "cookies": f"token={token}; theme=dark",
                 "headers": {"X-Staging-Key": key, "Accept-Language": "de"}},
    })  # fmt: skip

    stored = await _pages(pool, crawl)
    for path in (*PAGES, "/account"):
        assert stored[site.url(path)]["status_code"] == 200, path
    assert gates.refused == []  # every request of the crawl, robots.txt included, passed every gate
    assert all(r.headers.get("Accept-Language") == "de" for r in site.requests)
    # A link, an image, and redirects to the second origin: it was asked, and saw none of it.
    assert {"/landing", "/img.png"} <= {r.path for r in other.requests}
    _no_credentials_reached(other, "X-Staging-Key", "Accept-Language")

    # In list mode every redirect hop is followed, to the second origin too: the hop there carries nothing.
    asked = len(other.requests)
    await _crawl_through_api(client, pool, {"mode": "list", "urls": [site.url("/away")], "auth": {
        "basic": {"username": "auditor", "password": password}, "cookies": f"token={token}",
        "headers": {"X-Staging-Key": key}}})  # fmt: skip
    assert [r.path for r in other.requests[asked:]] == ["/landing"]
    _no_credentials_reached(other, "X-Staging-Key")

    # The settings show the reference and the methods, never the values; the vault holds them encrypted.
    auth = crawl["settings"]["auth"]
    assert set(auth) == {"secret_ref", "methods"} and auth["methods"] == ["basic", "headers", "cookies"]
    everything = await _everything_stored(pool, client, crawl["id"])
    logs = "".join(capfd.readouterr())
    for secret in (password, token, key, basic.split()[1]):
        assert secret not in everything and secret not in logs

    # A rebuild of the projections replays the reference: the crawl reads the same afterwards.
    async with pool.acquire() as conn:
        await rebuild.rebuild(conn)
    again = await (await client.get(f"/api/crawls/{crawl['id']}")).json()
    assert again["settings"]["auth"] == auth


async def test_form_login_before_the_crawl_and_again_when_the_session_ends(
    pool: asyncpg.Pool, dsn: str, site_factory: Any, aiohttp_client: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    site: Site = await site_factory()
    other: Site = await site_factory()
    password = _secret("form")
    gates = private_site(site, other, Gates(login=("auditor", password), session_views=4))
    client = await _client(aiohttp_client, dsn)

    crawl = await _crawl_through_api(client, pool, {
        "url": site.url("/"), "use_sitemaps": False, "check_external_links": True, "max_rps": 1000, "concurrency": 2,
        "auth": {"form": {"url": site.url("/login"), "fields": {"user": "auditor", "password": password},
                          "success_text": "Log out"}},
    })  # fmt: skip

    stored = await _pages(pool, crawl)
    for path in (*PAGES, "/account"):
        row = stored[site.url(path)]
        assert row["status_code"] == 200 and row["redirect_chain"] in (None, []), (path, row["redirect_chain"])
    # Ten pages and sessions of four: it logged in before the crawl, and again each time one ended.
    assert gates.logins >= 3 and gates.sent_to_login >= 2
    assert all("members" in (stored[site.url(p)]["title"] or "").lower() for p in PAGES)
    _no_credentials_reached(other)
    everything = await _everything_stored(pool, client, crawl["id"])
    logs = "".join(capfd.readouterr())
    assert "logged in" in logs  # the log says it happened, without the values
    assert password not in everything and password not in logs
    assert crawl["settings"]["auth"]["methods"] == ["form"]


async def test_a_login_that_fails_fails_the_crawl_with_the_reason(
    pool: asyncpg.Pool, dsn: str, site_factory: Any, aiohttp_client: Any
) -> None:
    site: Site = await site_factory()
    other: Site = await site_factory()
    private_site(site, other, Gates(login=("auditor", "right")))
    client = await _client(aiohttp_client, dsn)
    with pytest.raises(Exception, match="does not show the success text"):
        await _crawl_through_api(client, pool, {
            "url": site.url("/"), "auth": {"form": {"url": site.url("/login"),
                                                    "fields": {"user": "auditor", "password": "wrong"},
                                                    "success_text": "Log out"}},
        })  # fmt: skip


async def test_credentials_are_write_only_and_follow_their_origin(
    pool: asyncpg.Pool, dsn: str, aiohttp_client: Any
) -> None:
    client = await _client(aiohttp_client, dsn)
    password = _secret("pw")
    body = {"url": "http://127.0.0.1:9/", "auth": {"basic": {"username": "u", "password": password}}}

    # Bad credentials are a 422 naming the field, and never repeat the values.
    for auth, field in (
        ({"form": {"url": "http://127.0.0.2:9/login", "fields": {"p": password}, "success_text": "x"}},
         "auth.form.url"),
        ({"headers": {"Cookie": password}}, "auth.headers"),
        ({"headers": {"Bad Name": password}}, "auth.headers"),
        ({"cookies": password}, "auth.cookies"),
        ({"basic": {"username": "a:b", "password": password}}, "auth.basic"),
        ({}, "auth"),
        ({"secret_ref": str(uuid.uuid4())}, "auth.secret_ref"),
    ):  # fmt: skip
        resp = await client.post("/api/crawls", json={**body, "auth": auth})
        text = await resp.text()
        assert resp.status == 422, (auth, text)
        assert any(e["field"].startswith(field) for e in (await resp.json())["errors"]), (field, text)
        assert password not in text

    first = await (await client.post("/api/crawls", json=body)).json()
    ref = first["settings"]["auth"]["secret_ref"]
    assert password not in str(first)
    # A reference of the same origin is reused (as a copy of the crawl's own); of another origin it is refused.
    again = await client.post("/api/crawls", json={"url": "http://127.0.0.1:9/x", "auth": first["settings"]["auth"]})
    assert again.status == 201, await again.text()
    assert (await again.json())["settings"]["auth"]["secret_ref"] not in (ref, None)
    elsewhere = await client.post("/api/crawls", json={"url": "http://localhost:9/", "auth": {"secret_ref": ref}})
    assert elsewhere.status == 422 and "http://127.0.0.1:9" in await elsewhere.text()

    # A site's default credentials: sealed, kept across a PATCH that sends the settings back, copied per crawl.
    site = await client.post("/api/sites", json={"url": "http://127.0.0.2:9/", "settings": {"crawl": {
        "auth": {"cookies": f"sid={password}"}}}})  # fmt: skip
    assert site.status == 201, await site.text()
    site_body = await site.json()
    site_ref = site_body["settings"]["crawl"]["auth"]["secret_ref"]
    patched = await client.patch(f"/api/sites/{site_body['id']}", json={"settings": {**site_body["settings"],
                                                                                      "retention": 3}})  # fmt: skip
    assert (await patched.json())["settings"]["crawl"]["auth"]["secret_ref"] == site_ref
    crawl = await (await client.post("/api/crawls", json={"url": "http://127.0.0.2:9/"})).json()
    crawl_ref = crawl["settings"]["auth"]["secret_ref"]
    assert crawl_ref != site_ref and crawl["settings"]["auth"]["methods"] == ["cookies"]

    # A schedule without credentials of its own follows the site's (each crawl it fires copies them); one with
    # its own keeps its own copy, forgotten when it is deleted.
    follows = await (
        await client.post("/api/schedules", json={"url": "http://127.0.0.2:9/", "cron": "0 3 * * *"})
    ).json()
    assert follows["settings"]["auth"]["secret_ref"] == site_ref
    own = await client.post("/api/schedules", json={"url": "http://127.0.0.2:9/", "cron": "0 4 * * *", "settings": {
        "auth": {"headers": {"X-Key": password}}}})  # fmt: skip
    assert own.status == 201, await own.text()
    own_body = await own.json()
    schedule_ref = own_body["settings"]["auth"]["secret_ref"]
    assert schedule_ref not in (site_ref, crawl_ref) and own_body["settings"]["auth"]["methods"] == ["headers"]
    async with pool.acquire() as conn:
        fired = [
            await cron.fire(conn, uuid.UUID(s["id"]), datetime(2100, 1, 1, 5, tzinfo=UTC)) for s in (follows, own_body)
        ]
        refs = [
            await conn.fetchval("SELECT settings->'auth'->>'secret_ref' FROM crawls WHERE id = $1", f) for f in fired
        ]
        methods = [
            await conn.fetchval("SELECT settings->'auth'->'methods' FROM crawls WHERE id = $1", f) for f in fired
        ]
    assert None not in refs and not set(refs) & {site_ref, schedule_ref, crawl_ref} and refs[0] != refs[1]
    assert methods == [["cookies"], ["headers"]]
    assert (await client.delete(f"/api/schedules/{own_body['id']}")).status == 204
    # Deleting the site forgets its defaults' copy (not the copies crawls took); its schedules go with it.
    assert (await client.delete(f"/api/sites/{site_body['id']}")).status == 204
    async with pool.acquire() as conn:
        kept = {str(r["id"]) for r in await conn.fetch("SELECT id FROM vault_secrets")}
        text = " ".join(r["t"] for r in await conn.fetch("SELECT data::text AS t FROM events"))
    assert {crawl_ref, *refs} <= kept and not {schedule_ref, site_ref} & kept
    assert password not in text
