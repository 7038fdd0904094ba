"""``python -m services.api.token``: show how the API token works, or ``rotate`` it.

``rotate`` generates a new token, stores its hash, ends every UI session and prints the token
once. With ``API_TOKEN`` set in the environment the token lives there instead, so rotating means
changing that variable; the command says so and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.api import auth
from shared import database
from shared import settings as config

_HELP = f"""The API token unlocks the API (Authorization: Bearer <token>) and the UI (/login).

  Rotate it (prints the new token once, logs every UI session out):
      {auth.ROTATE_COMMAND}
  Or set API_TOKEN in the environment of the api to choose it yourself.
"""


async def _rotate(dsn: str) -> str:
    conn = await database.connect(dsn)
    try:
        return await auth.rotate(conn)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.api.token", description="Manage the API token.")
    parser.add_argument("action", nargs="?", choices=["rotate", "help"], default="help")
    args = parser.parse_args(argv)
    if args.action == "help":
        print(_HELP)
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


if __name__ == "__main__":
    raise SystemExit(main())
