"""``hlssim verify`` and ``hlssim reproduce``: is a results folder complete, consistent and
reproducible by this code; does one of its runs come out the same again."""

from __future__ import annotations

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare these commands' arguments on the ``hlssim`` subparsers."""
    ver_p = sub.add_parser("verify", help="is a sweep folder complete, consistent and reproducible "
                                          "by this code (exit 1 if not)")
    ver_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    ver_p.add_argument("--runs", type=int, default=3,
                       help="stored runs to run again and compare bit for bit (default 3)")
    ver_p.set_defaults(func=cmd_verify)
    rep_p = sub.add_parser("reproduce", help="run one run of a sweep folder again and compare it "
                                             "bit for bit (exit 1 if it differs)")
    rep_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    rep_p.add_argument("--run", type=int, required=True, metavar="N", help="the run id")
    rep_p.set_defaults(func=cmd_reproduce)


def cmd_verify(args) -> int:
    """Print one line per check; exit 0 if all hold, 1 if any fails."""
    from hlssim.experiments.verify import verify

    if args.runs < 0:
        raise HlssimError(f"--runs {args.runs}: expected 0 or more runs to run again")
    checks = verify(args.dir, args.runs)
    for check in checks:
        print(check.line())
    return 0 if all(c.ok for c in checks) else 1


def cmd_reproduce(args) -> int:
    """Print the comparison; exit 0 if the run comes out the same, 1 if not."""
    from hlssim.experiments.verify import reproduce_run

    check = reproduce_run(args.dir, args.run)
    print(check.line())
    return 0 if check.ok else 1
