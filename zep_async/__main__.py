"""``python -m zep_async``: the ``zep-async`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
