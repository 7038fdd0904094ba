"""``python -m services.worker``: the crawl worker, health and metrics on port 8001 (what compose runs)."""

from services.worker.app import create_app
from shared.platform import settings as config
from shared.platform.service import run


def main() -> None:
    settings = config.load()
    run(create_app, settings, settings.worker_port, "worker")


if __name__ == "__main__":
    main()
