"""``python -m hlssim``: the ``hlssim`` command, for when the script is not on the PATH."""

import sys

from hlssim.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
