"""``seo admin ...`` (also ``python -m cli admin ...``): operator commands that work on the database directly.

    seo admin token [rotate]   # how the API token works; rotate: a new one, printed once
    seo admin reaudit ID       # every audit rule again on a finished crawl's stored pages
    seo admin openapi          # print the api's OpenAPI document (the frontend's types come from it)
    seo admin secrets status|rotate   # secrets per key id; re-encrypt them all with SECRET_KEY's first key

They read ``DATABASE_URL`` (and the other service settings) from the environment, like the
services: run them where the api runs (``docker compose exec api python -m cli admin ...``).
Service code is imported only when a command runs, so the HTTP client stays quick to start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from typing import Any

_TOKEN_HELP = """The API token unlocks the API (Authorization: Bearer <token>) and the UI (/login).

  Rotate it (prints the new token once, logs every UI session out):
      {rotate}
  Or set API_TOKEN in the environment of the api to choose it yourself.
"""


def add_parser(sub: Any) -> None:
    """The ``admin`` command group on the ``seo`` parser."""
    admin = sub.add_parser("admin", help="operator commands on the database (DATABASE_URL)")
    commands = admin.add_subparsers(dest="admin_command", required=True)

    token = commands.add_parser("token", help="how the API token works, or rotate it")
    token.add_argument("action", nargs="?", choices=["rotate", "help"], default="help")
    token.set_defaults(admin=cmd_token)

    reaudit = commands.add_parser("reaudit", help="run every audit rule again on a finished crawl's stored pages")
    reaudit.add_argument("id", help="the crawl's id")
    reaudit.set_defaults(admin=cmd_reaudit)

    openapi = commands.add_parser("openapi", help="print the api's OpenAPI 3.1 document")
    openapi.set_defaults(admin=cmd_openapi)

    secrets = commands.add_parser("secrets", help="secrets at rest: count per key, or re-encrypt with the new key")
    secrets.add_argument("action", choices=["status", "rotate"])
    secrets.set_defaults(admin=cmd_secrets)


async def _rotate(dsn: str) -> str:
    from services.api import auth
    from shared.platform import database

    conn = await database.connect(dsn)
    try:
        return await auth.rotate(conn)
    finally:
        await conn.close()


def cmd_token(args: argparse.Namespace) -> int:
    """``rotate`` generates a new token, stores its hash, ends every UI session and prints it once.

    With ``API_TOKEN`` set in the environment the token lives there instead, so rotating means
    changing that variable; the command says so and changes nothing.
    """
    from services.api import auth
    from shared.platform import settings as config

    if args.action == "help":
        print(_TOKEN_HELP.format(rotate=auth.ROTATE_COMMAND))
        return 0
    settings = config.load()
    if settings.api_token:
        print(
            "API_TOKEN is set in the environment, so that is the token: change the variable and restart the api.\n"
            "(Rotating the stored token would not change what the api accepts.)",
            file=sys.stderr,
        )
        return 2
    token = asyncio.run(_rotate(settings.database_url))
    auth.announce_token(token, rotated=True)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    """The document the api serves at /api/openapi.json, keys sorted (a stable snapshot to diff)."""
    from services.api.app import create_app
    from services.api.openapi import app_document
    from shared.platform.settings import Settings

    document = app_document(create_app(Settings(api_token="unused-for-printing-" + "0" * 32)))
    print(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))
    return 0


FINISHED = ("completed", "failed", "cancelled")
_STATUS = "SELECT status FROM crawls WHERE id = $1"
_ISSUE_COUNT = "SELECT issues_count FROM crawls WHERE id = $1"


class AdminError(Exception):
    """A refusal with a reason for the operator (exit code 2)."""


async def _reaudit(dsn: str, crawl_id: uuid.UUID) -> tuple[int, int]:
    from shared.audit import audit
    from shared.eventlog import crawlstream
    from shared.platform import database

    conn = await database.connect(dsn)
    try:
        status = await conn.fetchval(_STATUS, crawl_id)
        if status is None:
            raise AdminError(f"No crawl has the id {crawl_id}.")
        if status not in FINISHED:
            raise AdminError(f"Crawl {crawl_id} is {status}; only a finished crawl can be re-audited.")
        before = await conn.fetchval(_ISSUE_COUNT, crawl_id)
        events = await audit.reaudit(conn, crawl_id)

        async def still_finished(held: crawlstream.Held) -> list[Any]:
            # Under the lock: a crawl resumed meanwhile audits itself; its issues are not ours to replace.
            now = await conn.fetchval(_STATUS, crawl_id)
            if now not in FINISHED:
                raise AdminError(f"Crawl {crawl_id} became {now} while it was being re-audited; nothing changed.")
            return list(events)

        await crawlstream.write(conn, crawl_id, still_finished, actor="admin")
        return before, await conn.fetchval(_ISSUE_COUNT, crawl_id)
    finally:
        await conn.close()


def cmd_reaudit(args: argparse.Namespace) -> int:
    """Re-audit a finished crawl (its own thresholds) and replace all its issues; prints the counts."""
    from shared.platform import settings as config

    try:
        crawl_id = uuid.UUID(args.id)
    except ValueError:
        print(f"seo admin reaudit: {args.id!r} is not a crawl id.", file=sys.stderr)
        return 2
    settings = config.load()
    try:
        before, after = asyncio.run(_reaudit(settings.database_url, crawl_id))
    except AdminError as exc:
        print(f"seo admin reaudit: {exc}", file=sys.stderr)
        return 2
    print(f"Crawl {crawl_id} re-audited: {after} issues (before: {before}).")
    return 0


async def _secrets(dsn: str, secret_key: str | None, action: str) -> dict[str, Any]:
    from shared import vault
    from shared.platform import database

    conn = await database.connect(dsn)
    try:
        box = await vault.load(conn, secret_key)
        rotated = await vault.rotate(conn, box) if action == "rotate" else 0
        return {"primary_key_id": box.primary_id, "rotated": rotated, "secrets_per_key_id": await vault.status(conn)}
    finally:
        await conn.close()


def cmd_secrets(args: argparse.Namespace) -> int:
    """``status``: secrets per key id and the id of the key that encrypts; ``rotate``: move them all to it."""
    from shared.platform import settings as config

    settings = config.load()
    try:
        result = asyncio.run(_secrets(settings.database_url, settings.secret_key, args.action))
    except Exception as exc:  # a clear line for the operator (a key that opens nothing, a bad SECRET_KEY)
        print(f"seo admin secrets: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0
