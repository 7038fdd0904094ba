"""``python -m shared.platform.migrate``: apply every pending yoyo migration and exit (the compose ``migrate`` service).

``--rollback-all`` rolls every applied migration back (tests and emergencies only).
"""

from __future__ import annotations

import argparse
import sys

from shared.platform import database
from shared.platform import logging as logs
from shared.platform import settings as config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.platform.migrate", description=__doc__)
    parser.add_argument("--rollback-all", action="store_true", help="roll back every applied migration")
    args = parser.parse_args(argv)
    settings = config.load()
    logs.configure(settings.log_format, settings.log_level, service="migrate")
    log = logs.get("migrate")
    try:
        count = database.migrate(settings.database_url, rollback_all=args.rollback_all)
    except Exception as exc:  # a clear line for the operator, not a traceback
        log.error("migration failed", error=str(exc))
        return 1
    log.info("migrations rolled back" if args.rollback_all else "migrations applied", count=count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
