"""``hlssim effects``: does every parameter earn its place? (one-at-a-time effects, issue #12)."""

from __future__ import annotations

import sys
from pathlib import Path

from hlssim.errors import HlssimError
from hlssim.ui.cli.shared import progress_reporter

#: ``--quick``: a smaller, shorter run and fewer replications (CI, a first look).
QUICK = {"reps": 5, "overrides": {"n_people": 100, "n_workers": 10, "n_providers": 4, "steps": 36}}


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    p = sub.add_parser("effects", help="does every parameter move a public metric? one-at-a-time "
                       "effects over each declared range, as a table")
    p.add_argument("--params", metavar="A,B", help="parameters to test (default: every one)")
    p.add_argument("--presets", default="npm_targets,npm_pbr,hls", help="regime presets (default "
                   "npm_targets,npm_pbr,hls)")
    p.add_argument("--complexities", default="0.2,0.8", help="complexities (default 0.2,0.8)")
    p.add_argument("--reps", type=int, default=None,
                   help="replications per cell (default 20; 5 with --quick)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--quick", action="store_true", help="5 replications of a small 3-year run")
    p.add_argument("--out", metavar="FILE.md", help="write the table as Markdown here")
    p.add_argument("--csv", metavar="FILE.csv", help="write every effect (each metric) here")
    p.set_defaults(func=cmd_effects)


def _list(text: str, what: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise HlssimError(f"--{what} '{text}': expected names separated by commas")
    return items


def _folder_exists(path: str | None, option: str) -> Path | None:
    if path is None:
        return None
    out = Path(path)
    if out.is_dir():
        raise HlssimError(f"{option} '{out}': is a folder; expected a file name")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise HlssimError(f"{option} '{out}': folder '{out.parent}' does not exist")
    return out


def cmd_effects(args) -> int:
    """Run the one-at-a-time effects and print (and optionally write) the table."""
    from hlssim.common.files import write_table, write_text
    from hlssim.validation.effects import markdown, parameter_effects, verdicts

    try:
        complexities = [float(c) for c in _list(args.complexities, "complexities")]
    except ValueError:
        raise HlssimError(f"--complexities '{args.complexities}': expected numbers from 0 to 1 "
                          "separated by commas") from None
    if any(not 0 <= c <= 1 for c in complexities):
        raise HlssimError(f"--complexities '{args.complexities}': expected numbers from 0 to 1")
    out, csv = _folder_exists(args.out, "--out"), _folder_exists(args.csv, "--csv")
    reps = args.reps if args.reps is not None else (QUICK["reps"] if args.quick else 20)
    overrides = QUICK["overrides"] if args.quick else None
    effects = parameter_effects(_list(args.params, "params") if args.params else None,
                                _list(args.presets, "presets"), complexities, reps, args.seed,
                                overrides, progress=progress_reporter("effects", "cells"))
    text = markdown(effects, reps, overrides)
    print(text)
    if out is not None:
        write_text(text, out)
    if csv is not None:
        write_table(effects, csv)
    v = verdicts(effects)
    print(f"{int(v['earns'].sum())} of {len(v)} parameters earn their place"
          + (f"; table in {out}" if out else ""), file=sys.stderr)
    return 0
