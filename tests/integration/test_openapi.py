"""The OpenAPI document: generated, valid 3.1, covering every route the api serves, served with auth."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from services.api.app import create_app
from services.api.openapi import document
from services.api.routing import OPERATIONS
from shared.platform.settings import Settings

TOKEN = "test-token-openapi-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _documented(doc: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


def test_every_route_is_documented_and_the_document_is_valid() -> None:
    app = create_app(Settings(api_token=TOKEN))
    doc = document(app[OPERATIONS])
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    served = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method in ("HEAD", "*") or path == "/{tail}":
            continue  # HEAD mirrors GET; the catch-all serves the UI's files, not the API
        served.add((route.method, re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)))
    missing = served - _documented(doc)
    assert not missing, f"routes missing from the document: {sorted(missing)}"
    assert ("GET", "/api/crawls/{crawl_id}/pages") in served  # the comparison above saw the real table
    # Every operation but logging in needs credentials, and says so.
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.startswith("/api") and (method, path) != ("post", "/api/session"):
                assert "401" in op["responses"] and "security" not in op, (method, path)
    pages = doc["paths"]["/api/crawls/{crawl_id}/pages"]["get"]
    assert {p["name"] for p in pages["parameters"]} >= {"status_code", "indexable", "issue", "q", "sort", "cursor"}


async def test_document_and_docs_page_are_served(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    validate(await resp.json())
    page = await client.get("/api/docs")
    html = await page.text()
    assert page.status == 200 and 'src="/api/docs/docs.js"' in html
    assert "<script>" not in html and "http" not in html.split("<body>")[0].replace("http-equiv", "")
    script = await client.get("/api/docs/docs.js")
    assert script.status == 200 and "openapi.json" in await script.text()
    assert (await client.get("/api/docs/other.js")).status == 404


def test_the_admin_command_prints_the_served_document() -> None:
    """`seo admin openapi` (what the frontend's snapshot is refreshed from) prints what the api serves."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "cli", "admin", "openapi"], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == document(create_app(Settings(api_token=TOKEN))[OPERATIONS])
    assert done.stdout == json.dumps(printed, indent=2, ensure_ascii=False, sort_keys=True) + "\n"  # stable to diff
