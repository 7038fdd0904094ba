"""``python -m services.scheduler``: schedules, retries and the lease reaper on port 8002 (what compose runs)."""

from services.scheduler.app import create_app
from shared.platform import settings as config
from shared.platform.service import run


def main() -> None:
    settings = config.load()
    run(create_app, settings, settings.scheduler_port, "scheduler")


if __name__ == "__main__":
    main()
