"""The ``hlssim`` command line: a package of thin commands, one module each.

Each command module (``run``, ``compare``, ``sweep``, ``check``, ``validate``, ``calibrate``,
``analyze``, ``verify``, ``diagram``, ``inspect_model``, ``listing``) declares its arguments in ``register(sub)``
and turns them into a call of a typed library function; ``entry`` builds the parser and turns
``HlssimError`` into one line on stderr and exit code 2.

Imports: every layer below the ui (this is the top of the package).
"""

from hlssim.ui.cli.entry import build_parser, main
from hlssim.ui.cli.shared import EXIT_BROKEN_PIPE, EXIT_USAGE

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_USAGE", "build_parser", "main"]
