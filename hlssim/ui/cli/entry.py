"""The ``hlssim`` parser and entry point: each command module declares its own arguments.

Bad input ends with one line on stderr naming the field, the value and what is allowed, exit
code 2, and no output file written (every command raises ``HlssimError``; ``main`` prints it).
"""

from __future__ import annotations

import argparse
import os
import sys

from hlssim import __version__
from hlssim.errors import HlssimError
from hlssim.ui.cli import (
    analyze,
    calibrate,
    check,
    compare,
    diagram,
    effects,
    explain,
    frontier,
    inspect_model,
    listing,
    run,
    serve,
    sweep,
    validate,
    verify,
)
from hlssim.ui.cli.shared import EXIT_BROKEN_PIPE, EXIT_USAGE, CliParser

#: The commands in the order ``hlssim --help`` lists them.
COMMANDS = (run, compare, sweep, check, validate, calibrate, effects, explain, frontier, analyze,
            verify, diagram, inspect_model, listing, serve)


def build_parser() -> argparse.ArgumentParser:
    """The ``hlssim`` parser: global options, then each command module's subparser."""
    parser = CliParser(prog="hlssim", description=(
        "Simulate target-driven (NPM) and learning-led (HLS) commissioning of public services."))
    parser.add_argument("--version", action="version", version=f"hlssim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    for command in COMMANDS:
        command.register(sub)
    return parser


#: Commands that run the agent model on the batch engine (unless told otherwise).
RUNS_THE_BATCH_ENGINE = ("cmd_run", "cmd_compare", "cmd_sweep", "cmd_check", "cmd_validate",
                          "cmd_calibrate", "cmd_verify", "cmd_reproduce", "cmd_explain",
                          "cmd_frontier")


def first_compile_notice(args) -> None:
    """Say so on stderr when this run must first compile the batch engine (about half a minute,
    once after installing or after a change to the rules), so a quiet terminal is not taken for a
    hang."""
    if getattr(args.func, "__name__", "") not in RUNS_THE_BATCH_ENGINE:
        return
    if getattr(args, "engine", "batch") != "batch" or getattr(args, "model", None):
        return
    if _spec_names_a_model(getattr(args, "spec", None)):
        return  # a user's own model: PySD or the numpy batched path, never the numba engine
    from hlssim.engines.batch.kernels import compiled_on_disk

    if not compiled_on_disk():
        print("hlssim: compiling the batch engine for this machine first (about half a minute, "
              "once; later runs start at once)", file=sys.stderr, flush=True)


def _spec_names_a_model(spec: str | None) -> bool:
    """Whether the sweep spec at ``spec`` runs a user's model (``model = ...``); a file that
    cannot be read says no here (the sweep itself reports it in one line)."""
    if not spec:
        return False
    import tomllib

    try:
        with open(spec, "rb") as f:
            return "model" in tomllib.load(f)
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML
        return False


def error_line(err: BaseException) -> str:
    """The one line a bad input ends with: a value that holds a line break (``--set 'x=0\n1'``)
    shows it escaped, so the message stays one line whatever was typed."""
    text = str(err).replace("\r", "\\r").replace("\n", "\\n")
    return f"hlssim: error: {text}"


def main(argv: list[str] | None = None) -> int:
    """Run one ``hlssim`` command; return its exit code (2 for bad input, with one line on stderr)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        first_compile_notice(args)
        return args.func(args)
    except HlssimError as err:
        print(error_line(err), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hlssim: interrupted; no partial output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader stopped early (``hlssim params | head``): stop quietly, as Unix tools do;
        # point stdout at /dev/null so the interpreter's final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
