"""``seo admin ...`` (also ``python -m cli admin ...``): operator commands that work on the database directly.

    seo admin token [rotate]   # how the API token works; rotate: a new one, printed once
    seo admin openapi          # print the api's OpenAPI document (the frontend's types come from it)

They read ``DATABASE_URL`` (and the other service settings) from the environment, like the
services: run them where the api runs (``docker compose exec api python -m cli admin ...``).
Service code is imported only when a command runs, so the HTTP client stays quick to start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
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

    openapi = commands.add_parser("openapi", help="print the api's OpenAPI 3.1 document")
    openapi.set_defaults(admin=cmd_openapi)


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

    document = app_document(create_app(Settings(api_token="unused-for-printing")))
    print(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))
    return 0
