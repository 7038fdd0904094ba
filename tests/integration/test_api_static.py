"""The built UI served by the api: deep links get index.html, hashed assets are cached for a year."""

from __future__ import annotations

from pathlib import Path

from services.api.app import create_app
from shared.platform.settings import Settings

TOKEN = "test-token-static-0123456789abcdef0123"


def _dist(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-1a2b3c.js"></script>')
    (root / "assets" / "app-1a2b3c.js").write_text("console.log('ui')")
    (root / "favicon.svg").write_text("<svg/>")
    return root


async def test_ui_routes_and_assets(dsn: str, aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, frontend_dist=str(_dist(tmp_path))))
    )
    for path in ("/", "/login", "/crawls", "/crawls/6a1f0f3c-3c1e-4a53-9f57-3f8f7a0b9f11/pages/12", "/schedules"):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert "app-1a2b3c.js" in await resp.text() and resp.content_type == "text/html"
        assert resp.headers["Cache-Control"] == "no-cache"  # a new build is seen at once
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    asset = await client.get("/assets/app-1a2b3c.js")
    assert asset.status == 200 and "immutable" in asset.headers["Cache-Control"]
    assert "max-age=31536000" in asset.headers["Cache-Control"]
    assert (await client.get("/favicon.svg")).status == 200
    assert (await client.get("/assets/app-old.js")).status == 404  # never index.html posing as a script
    for escape in ("/assets/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd"):
        body = await (await client.get(escape)).text()
        assert "root:" not in body, escape  # at most the UI's index.html, never a file outside the build
    # Unknown API paths stay API answers, not the UI.
    resp = await client.get("/api/nothing", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 404 and resp.content_type == "application/problem+json"
    resp = await client.delete("/api/crawls", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 405 and "GET" in resp.headers["Allow"]


async def test_missing_build_says_how_to_build(dsn: str, aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, frontend_dist=str(tmp_path / "nope")))
    )
    resp = await client.get("/crawls")
    assert resp.status == 503 and "make frontend" in await resp.text()
