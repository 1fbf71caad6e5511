"""``hlssim analyze`` and ``hlssim report``: what a finished sweep folder says."""

from __future__ import annotations

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    an_p = sub.add_parser("analyze", help="sensitivity indices and where NPM beats HLS, for a sweep folder")
    an_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    an_p.add_argument("--outputs", metavar="A,B", help="outputs to analyse, separated by commas (default: all)")
    an_p.add_argument("--outcome", metavar="OUTPUT",
                      help="the output scenario discovery compares (default: the wellbeing_mean one)")
    an_p.add_argument("--out", metavar="FOLDER", help="folder for the analysis files (default DIR/analysis)")
    an_p.add_argument("--second-order", action="store_true",
                      help="Sobol sweeps: also the second-order index S2 of every pair of factors")
    an_p.set_defaults(func=cmd_analyze)
    rep_p = sub.add_parser("report", help="figures and a Markdown report (report.md) of a sweep folder")
    rep_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    rep_p.add_argument("--out", metavar="FOLDER", help="report folder (default DIR/report)")
    rep_p.set_defaults(func=cmd_report)


def cmd_analyze(args) -> int:
    """``hlssim analyze DIR [--outputs A,B] [--outcome O] [--out FOLDER]``."""
    from hlssim.experiments.analysis.analyze import analyze, summary_text

    outputs = [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None
    if args.outputs is not None and not outputs:
        raise HlssimError(f"--outputs '{args.outputs}': expected output names separated by commas")
    analysis = analyze(args.dir, outputs, args.out, args.outcome, args.second_order)
    print(summary_text(analysis))
    return 0


def cmd_report(args) -> int:
    """``hlssim report DIR [--out FOLDER]``."""
    from hlssim.experiments.analysis.report import report

    path = report(args.dir, args.out)
    figures = sorted((path.parent / "figures").glob("*.png"))
    print(f"wrote {path} ({len(figures)} figures in {path.parent / 'figures'}/)")
    return 0
