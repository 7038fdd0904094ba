"""``python -m cli``: the ``seo`` command (where it is not installed, as in the service image)."""

import sys

from cli.client import main

if __name__ == "__main__":
    sys.exit(main())
