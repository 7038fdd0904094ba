"""``python -m shared.eventlog rebuild``: empty every projection and replay the whole log into it.

For an operator after a projection's handler was fixed, or to check that the projections are what
the log says. Appends wait while it runs (the log is locked against writers; readers go on). Run
it while no crawl is running: a lease's expiry is rebuilt as its last claim set it, so a running
crawl would be handed to another worker (nothing lost, work redone).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from shared.eventlog import rebuild
from shared.platform import database
from shared.platform import logging as logs
from shared.platform import settings as config


async def _rebuild(dsn: str) -> int:
    conn = await database.connect(dsn)
    try:
        return await rebuild.rebuild(conn)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.eventlog", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["rebuild"], help="rebuild every projection from the log")
    parser.parse_args(argv)
    settings = config.load()
    logs.configure(settings.log_format, settings.log_level, service="eventlog")
    log = logs.get("eventlog")
    started = time.monotonic()
    try:
        replayed = asyncio.run(_rebuild(settings.database_url))
    except Exception as exc:  # a clear line for the operator, not a traceback
        log.error("rebuild failed; the projections are as they were", error=str(exc) or type(exc).__name__)
        return 1
    log.info("projections rebuilt", events=replayed, seconds=round(time.monotonic() - started, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
