"""``hlssim calibrate``: fit free parameters to target statistics (ABC) and write a preset."""

from __future__ import annotations

import sys
from pathlib import Path

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    cal_p = sub.add_parser("calibrate", help="fit free parameters to target statistics (ABC); write a preset")
    cal_p.add_argument("problem", metavar="PROBLEM", help="a calibration problem (.toml), e.g. "
                       "experiments/calibration/scottish_borders.toml")
    cal_p.add_argument("--quick", action="store_true", help="the problem's small [quick] version")
    cal_p.add_argument("--draws", type=int, help="prior draws (overrides the problem's)")
    cal_p.add_argument("--out", help="the preset file (default models/presets/NAME.toml)")
    cal_p.add_argument("--dry-run", action="store_true", help="report the fit, write nothing")
    cal_p.add_argument("--quiet", action="store_true", help="no progress lines")
    cal_p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    """The ``hlssim calibrate`` command."""
    from hlssim.validation.calibrate import calibrate, load_problem, report_text, write_preset

    problem = load_problem(args.problem)
    if args.draws is not None:
        if args.draws < 4:
            raise HlssimError(f"--draws {args.draws}: expected 4 or more")
        from dataclasses import replace

        problem = replace(problem, draws=args.draws, quick=dict(problem.quick) | {"draws": args.draws})
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        raise HlssimError(f"--out '{out}': folder '{out.parent}' does not exist")
    c = calibrate(problem, quick=args.quick, progress=not args.quiet)
    print(report_text(c))
    if not args.dry_run:
        path = write_preset(c, out)
        print(f"fitted preset written to {path}", file=sys.stderr)
    return 0
