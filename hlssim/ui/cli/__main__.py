"""``python -m hlssim.ui.cli``: the ``hlssim`` command."""

import sys

from hlssim.ui.cli.entry import main

if __name__ == "__main__":
    sys.exit(main())
