"""Authentication: bearer token, UI session cookie, logout, rate limiting, the generated token, headers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from services.api import auth
from services.api.app import create_app
from shared.platform.settings import Settings

TOKEN = "test-token-auth-0123456789abcdef0123"


def app_for(dsn: str, **overrides: object) -> object:
    settings = {"database_url": dsn, "api_token": TOKEN, "allow_private_networks": True, **overrides}
    return create_app(Settings(**settings))


async def test_everything_under_api_is_closed(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn))
    missing = await client.get("/api/crawls")
    wrong = await client.get("/api/crawls", headers={"Authorization": "Bearer nope"})
    malformed = await client.get("/api/crawls", headers={"Authorization": f"Basic {TOKEN}"})
    bad_cookie = await client.get("/api/crawls", cookies={auth.COOKIE_NAME: "forged"})
    bodies = []
    for resp in (missing, wrong, malformed, bad_cookie):
        assert resp.status == 401 and resp.content_type == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        bodies.append(await resp.json())
    # No hint of which part was wrong: every failure reads the same.
    assert all(b == bodies[0] for b in bodies)
    for path in ("/api/schedules", "/api/openapi.json", "/api/docs", "/api/nothing-here"):
        assert (await client.get(path)).status == 401, path
    assert (await client.post("/api/crawls", json={"url": "https://example.com/"})).status == 401
    # Open: health, metrics, logging in.
    assert (await client.get("/health")).status == 200
    assert (await client.get("/metrics")).status == 200
    ok = await client.get("/api/crawls", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status == 200


async def test_cookie_flow_and_logout(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn))
    resp = await client.post("/api/session", json={"token": TOKEN})
    assert resp.status == 200, await resp.text()
    set_cookie = resp.headers["Set-Cookie"]
    assert f"{auth.COOKIE_NAME}=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert "Secure" not in set_cookie  # plain http in this test
    assert (await client.get("/api/crawls")).status == 200  # the cookie jar sends the session
    me = await (await client.get("/api/session")).json()
    assert me == {"authenticated": True, "via": "session"}

    resp = await client.delete("/api/session", headers={"Sec-Fetch-Site": "same-origin"})  # as a browser sends it
    assert resp.status == 200
    assert (await client.get("/api/crawls")).status == 401

    # A session belongs to its token: a new API_TOKEN ends it even without a rotation.
    resp = await client.post("/api/session", json={"token": TOKEN})
    cookie = resp.cookies[auth.COOKIE_NAME].value
    other = await aiohttp_client(app_for(dsn, api_token="a-new-token-" + "n" * 32))
    assert (await other.get("/api/crawls", cookies={auth.COOKIE_NAME: cookie})).status == 401
    assert (await client.get("/api/crawls")).status == 200  # still fine where the old token is in force

    # Behind an https proxy the cookie is Secure.
    resp = await client.post("/api/session", json={"token": TOKEN}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in resp.headers["Set-Cookie"]


async def test_failed_logins_are_rate_limited(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, login_max_failures=3))
    for _ in range(3):
        resp = await client.post("/api/session", json={"token": "guess"})
        assert resp.status == 401
    resp = await client.post("/api/session", json={"token": "guess"})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    # Even the right token waits until the window ends: no guessing through the limit.
    resp = await client.post("/api/session", json={"token": TOKEN})
    assert resp.status == 429
    resp = await client.post("/api/session", json={})
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "token"


async def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    # The test client connects from 127.0.0.1: that is "nginx" here.
    client = await aiohttp_client(app_for(dsn, login_max_failures=2, trusted_proxies="127.0.0.0/8"))
    mallory = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(2):
        assert (await client.post("/api/session", json={"token": "guess"}, headers=mallory)).status == 401
    assert (await client.post("/api/session", json={"token": "guess"}, headers=mallory)).status == 429
    # A forged first entry does not reset the limit: only the proxy's own (last) entry counts.
    forged = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
    assert (await client.post("/api/session", json={"token": "guess"}, headers=forged)).status == 429
    # Another client behind the same proxy is not locked out by Mallory.
    alice = {"X-Forwarded-For": "192.0.2.7"}
    assert (await client.post("/api/session", json={"token": TOKEN}, headers=alice)).status == 200


async def test_without_trusted_proxies_x_forwarded_for_is_ignored(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, login_max_failures=1))
    assert (
        await client.post("/api/session", json={"token": "g"}, headers={"X-Forwarded-For": "192.0.2.1"})
    ).status == 401
    resp = await client.post("/api/session", json={"token": TOKEN}, headers={"X-Forwarded-For": "192.0.2.2"})
    assert resp.status == 429


async def test_generated_token_is_printed_once_and_stored_hashed(
    dsn: str,
    aiohttp_client,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = await aiohttp_client(create_app(Settings(database_url=dsn)))
    printed = capsys.readouterr().err
    assert "API token" in printed
    token = printed.split("store it now):", 1)[1].split()[0]
    assert len(token) >= 40
    conn = await asyncpg.connect(dsn)
    try:
        stored = await conn.fetchval("SELECT token_hash FROM api_token")
    finally:
        await conn.close()
    assert stored == auth.digest(token) and token not in stored
    assert (await client.get("/api/crawls", headers={"Authorization": f"Bearer {token}"})).status == 200
    await client.close()

    # A second start finds the stored hash and prints nothing.
    client2 = await aiohttp_client(create_app(Settings(database_url=dsn)))
    assert token not in capsys.readouterr().err
    assert (await client2.get("/api/crawls", headers={"Authorization": f"Bearer {token}"})).status == 200

    # Rotation: the old token stops working, the new one works, sessions end.
    login = await client2.post("/api/session", json={"token": token})
    assert login.status == 200
    conn = await asyncpg.connect(dsn)
    try:
        new_token = await auth.rotate(conn)
    finally:
        await conn.close()
    assert (await client2.get("/api/crawls", headers={"Authorization": f"Bearer {token}"})).status == 401
    assert (await client2.get("/api/crawls")).status == 401  # the session cookie died with the old token
    assert (await client2.get("/api/crawls", headers={"Authorization": f"Bearer {new_token}"})).status == 200


async def test_security_headers_and_closed_cors(dsn: str, aiohttp_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "index.html").write_text("<!doctype html><title>ui</title>")
    client = await aiohttp_client(app_for(dsn, frontend_dist=str(tmp_path)))
    resp = await client.get("/crawls")
    assert resp.status == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"

    resp = await client.get("/api/crawls", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers
    pre = await client.options(
        "/api/crawls", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in pre.headers


async def test_cors_opens_for_listed_origins(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, cors_origins="https://ui.example"))
    pre = await client.options(
        "/api/crawls", headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"}
    )
    assert pre.status == 204 and pre.headers["Access-Control-Allow-Origin"] == "https://ui.example"
    resp = await client.get("/api/crawls", headers={"Origin": "https://ui.example", "Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "https://ui.example"


def test_rotate_command_prints_a_new_token(dsn: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "API_TOKEN"} | {"DATABASE_URL": dsn}
    done = subprocess.run([sys.executable, "-m", "cli", "admin", "token", "rotate"], capture_output=True,
                          text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    token = done.stderr.split("store it now):", 1)[1].split()[0]

    async def stored() -> str:
        conn = await asyncpg.connect(dsn)
        try:
            return str(await conn.fetchval("SELECT token_hash FROM api_token"))
        finally:
            await conn.close()

    assert asyncio.run(stored()) == auth.digest(token)
    explained = subprocess.run([sys.executable, "-m", "cli", "admin", "token"], capture_output=True,
                               text=True, env=env, timeout=60)  # fmt: skip
    assert explained.returncode == 0 and "rotate" in explained.stdout
    refused = subprocess.run([sys.executable, "-m", "cli", "admin", "token", "rotate"], capture_output=True,
                             text=True, env=env | {"API_TOKEN": "from-env-" + "e" * 32}, timeout=60)  # fmt: skip
    assert refused.returncode == 2 and "API_TOKEN is set" in refused.stderr


async def test_wrong_bearer_tokens_are_rate_limited_like_logins(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, login_max_failures=3, trusted_proxies="127.0.0.0/8"))
    mallory = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(3):
        resp = await client.get("/api/crawls", headers={**mallory, "Authorization": "Bearer guess"})
        assert resp.status == 401
    resp = await client.get("/api/crawls", headers={**mallory, "Authorization": "Bearer guess"})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    # Over the limit even the right token waits (else the answer would tell right from wrong) ...
    resp = await client.get("/api/crawls", headers={**mallory, "Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 429
    # ... and logins share the counter; other clients behind the same proxy are not locked out.
    assert (await client.post("/api/session", json={"token": TOKEN}, headers=mallory)).status == 429
    alice = {"X-Forwarded-For": "192.0.2.7", "Authorization": f"Bearer {TOKEN}"}
    assert (await client.get("/api/crawls", headers=alice)).status == 200


def test_a_short_api_token_stops_the_api_with_a_clear_error(dsn: str) -> None:
    env = {**os.environ, "DATABASE_URL": dsn, "API_TOKEN": "hunter2", "API_PORT": "1"}
    done = subprocess.run([sys.executable, "-m", "services.api"], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert "invalid setting API_TOKEN: must be at least 32 characters (it has 7)" in done.stderr
    assert "Traceback" not in done.stderr
    assert Settings(api_token="  ").api_token is None  # empty means unset: one is generated


async def _logged_in(dsn: str, aiohttp_client, **overrides: object):  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, **overrides))
    assert (await client.post("/api/session", json={"token": TOKEN})).status == 200
    return client


async def _crawl_count(client) -> int:  # type: ignore[no-untyped-def]
    return len((await (await client.get("/api/crawls")).json())["items"])


async def test_cross_site_requests_with_the_cookie_are_refused(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """The issue's attacks, as the browser sends them from a page on another port of the same host."""
    client = await _logged_in(dsn, aiohttp_client)
    body = '{"url": "https://example.com/"}'
    attacker = "http://127.0.0.1:9999"
    # A `no-cors` fetch: text/plain (no preflight), the cookie attached, Origin and Sec-Fetch-Site set by the browser.
    resp = await client.post("/api/crawls", data=body, headers={
        "Content-Type": "text/plain;charset=UTF-8", "Origin": attacker, "Sec-Fetch-Site": "same-site"})  # fmt: skip
    assert resp.status == 415 and (await resp.json())["errors"][0]["field"] == "Content-Type"
    # An HTML form posting to the api (urlencoded; a cancel needs no body at all).
    resp = await client.post("/api/crawls", data={"url": "https://example.com/"}, headers={
        "Origin": attacker, "Sec-Fetch-Site": "same-site"})  # fmt: skip
    assert resp.status == 415
    # JSON with a foreign Origin (only possible after a CORS preflight the api refuses, or from a non-browser).
    for headers in ({"Origin": attacker}, {"Origin": "null"}, {}, {"Origin": attacker, "Sec-Fetch-Site": "cross-site"}):
        resp = await client.post("/api/crawls", data=body, headers={"Content-Type": "application/json", **headers})
        assert resp.status == 403, headers
        assert (await resp.json())["errors"][0]["field"] == "Origin"
    assert await _crawl_count(client) == 0

    # The UI's own requests pass: the browser marks them same-origin, and their Origin is the api's.
    host = f"http://{client.server.host}:{client.server.port}"
    same = {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}
    created = await client.post("/api/crawls", data=body, headers=same)
    assert created.status == 201, await created.text()
    crawl_id = (await created.json())["id"]
    forged_cancel = await client.post(f"/api/crawls/{crawl_id}/cancel", headers={"Origin": attacker,
                                      "Content-Type": "application/json"})  # fmt: skip
    assert forged_cancel.status == 403
    own = {"Content-Type": "application/json", "Origin": host}  # an older browser: no Sec-Fetch-Site
    assert (await client.post(f"/api/crawls/{crawl_id}/pause", headers=own)).status == 200
    assert (await client.delete("/api/session", headers={"Origin": attacker})).status == 403  # no forced logout
    # Behind a TLS proxy the api's origin is https (X-Forwarded-Proto), Host as the proxy passed it.
    proxied = {"Content-Type": "application/json", "Origin": "https://seo.example", "Host": "seo.example",
               "X-Forwarded-Proto": "https"}  # fmt: skip
    assert (await client.post(f"/api/crawls/{crawl_id}/resume", headers=proxied)).status == 200
    # Reading stays open to the cookie from anywhere it is sent (CORS keeps other sites from reading the answer).
    assert (await client.get("/api/crawls", headers={"Origin": attacker})).status == 200


async def test_cors_origins_may_change_things_with_the_cookie(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await _logged_in(dsn, aiohttp_client, cors_origins="https://ui.example, http://localhost:3000")
    json_from = lambda origin: {"Content-Type": "application/json", "Origin": origin}  # noqa: E731
    resp = await client.post(
        "/api/crawls", json={"url": "https://example.com/"}, headers=json_from("https://UI.example:443")
    )
    assert resp.status == 201, await resp.text()
    assert (
        await client.post(
            "/api/crawls", json={"url": "https://example.com/"}, headers=json_from("https://ui.example:8443")
        )
    ).status == 403


async def test_bearer_requests_need_no_origin_or_json(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn), headers={"Authorization": f"Bearer {TOKEN}"})
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"}, headers={
        "Origin": "http://127.0.0.1:9999"})).json()  # fmt: skip
    resp = await client.post(f"/api/crawls/{crawl['id']}/cancel", headers={"Origin": "http://127.0.0.1:9999"})
    assert resp.status == 200
