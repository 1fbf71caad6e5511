"""What the ``hlssim`` commands share: the one-line usage errors, scenario options, progress lines."""

from __future__ import annotations

import argparse
import sys
import time

from hlssim.common.files import utf8_text
from hlssim.engines.registry import DEFAULT_ENGINE, ENGINES
from hlssim.errors import ScenarioError
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario, parse_assignments

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


class CliParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2."""

    def error(self, message: str):  # noqa: D401
        self.exit(EXIT_USAGE, f"hlssim: error: {message} (see '{self.prog} --help')\n")


def parse_sets(items) -> dict:
    """``--set KEY=VALUE`` items as parameter values, each checked now: one ScenarioError line
    for any bad value, including one a parameter's own check does not expect (``n_people=inf``
    overflows the whole-number conversion in ``Param.coerce``)."""
    overrides = parse_assignments(items or [])
    for key, value in overrides.items():
        try:
            PARAMETERS[key].coerce(value)
        except (OverflowError, ValueError):
            raise ScenarioError(f"parameter '{key}': {value} is not allowed; expected "
                                f"{PARAMETERS[key].allowed()}") from None
    return overrides


def scenario_from_args(args, **extra) -> Scenario:
    """The scenario named by --preset or --scenario, with --set and ``extra`` applied."""
    overrides = parse_sets(args.set)
    overrides.update({k: v for k, v in extra.items() if v is not None})
    if getattr(args, "scenario", None):
        utf8_text(args.scenario, f"scenario file '{args.scenario}'", ScenarioError)
        return Scenario.from_toml(args.scenario, **overrides)
    return Scenario.from_preset(args.preset, **overrides)


def add_scenario_options(p, preset_required: bool, extra_engines: tuple[str, ...] = ()) -> None:
    """The options every command that runs hlssim's own model shares: --set, --seed, --steps,
    --engine (``extra_engines`` adds the stock-flow and hybrid views where a command offers them)."""
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a parameter (repeatable); see 'hlssim params'")
    p.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
    p.add_argument("--steps", type=int, default=None, help="months to simulate")
    p.add_argument("--engine", choices=sorted([*ENGINES, *extra_engines]), default=DEFAULT_ENGINE,
                   help=f"simulation engine (default {DEFAULT_ENGINE})"
                   + ("; sd: the stock-flow model, deterministic, its own metrics; hybrid: the "
                      "agents coupled to the stock-flow macro context (docs/hybrid.md)"
                      if extra_engines else ""))


def progress_reporter(label: str, unit: str = "runs"):
    """A progress callback ``(done, total)`` printing rate and time left on stderr (one
    updating line on a terminal; a line per tenth otherwise, for logs)."""
    start = time.perf_counter()
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        elapsed = time.perf_counter() - start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        line = f"{label}: {done}/{total} {unit}, {rate:.1f} {unit}/s, {left:.0f} s left"
        if interactive:
            end = "\n" if done == total else ""
            print("\r" + line, end=end, file=sys.stderr, flush=True)
        elif done == total or done % max(1, total // 10) == 0:
            print(line, file=sys.stderr, flush=True)

    return report


def has_tabulate() -> bool:
    """Whether pandas can write Markdown tables here (tabulate is optional)."""
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
