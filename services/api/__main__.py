"""``python -m services.api``: the /api gateway on port 8000 (what the compose file runs)."""

from services.api.app import create_app
from shared.platform import settings as config
from shared.platform.service import run


def main() -> None:
    settings = config.load()
    run(create_app, settings, settings.api_port, "api")


if __name__ == "__main__":
    main()
