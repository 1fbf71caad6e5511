"""``hlssim check``: run experiments and judge their expectations."""

from __future__ import annotations

import sys

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    chk_p = sub.add_parser("check", help="run experiments and judge their expectations (exit 1 if any fails)")
    chk_p.add_argument("specs", nargs="+", metavar="SPEC", help="spec files (.toml) or folders of specs")
    chk_p.add_argument("--quick", action="store_true", help="each spec's small [smoke] version")
    chk_p.add_argument("--out", default="results/check",
                       help="folder for the runs, one subfolder per spec, resumed if present "
                            "(default results/check)")
    chk_p.add_argument("--junit", metavar="FILE", help="also write the verdicts as JUnit XML")
    chk_p.add_argument("--workers", type=int, default=0,
                       help="0: run serially here (default); N: a local Dask cluster of N workers")
    chk_p.add_argument("--scheduler", metavar="ADDR", help="run on an existing Dask cluster")
    chk_p.add_argument("--stability", type=int, metavar="N",
                       help="judge every expectation under root seeds 1..N; exit 1 if any verdict flips")
    chk_p.add_argument("--quiet", action="store_true", help="no progress lines")
    chk_p.set_defaults(func=cmd_check)


def cmd_check(args) -> int:
    """The ``hlssim check`` command ."""
    from hlssim.common.files import check_folder, check_parent
    from hlssim.experiments.check import check, stability, verdict_table, write_junit

    if args.workers < 0:
        raise HlssimError(f"--workers {args.workers}: expected 0 (serial, here) or more worker processes")
    if args.stability is not None and args.stability < 2:
        raise HlssimError(f"--stability {args.stability}: expected 2 or more root seeds")
    if args.workers and args.scheduler:
        raise HlssimError("--workers and --scheduler: expected one or the other (a scheduler brings "
                          "its workers)")
    check_folder(args.out)
    if args.junit:
        check_parent(args.junit, "--junit")
    if args.stability:
        table, stable = stability(args.specs, list(range(1, args.stability + 1)), args.quick,
                                  args.out, args.workers, args.scheduler)
        print(table)
        print("every verdict is the same under every root seed" if stable
              else "some verdicts depend on the root seed: add replications", file=sys.stderr)
        return 0 if stable else 1
    results = check(args.specs, args.quick, args.out, args.workers, args.scheduler,
                    progress=not args.quiet)
    print(verdict_table(results))
    if args.junit:
        write_junit(results, args.junit)
    total = sum(len(r.verdicts) for r in results)
    failed = sum(r.failures for r in results)
    print(f"{total - failed} of {total} expectations passed"
          + (f"; JUnit XML in {args.junit}" if args.junit else ""), file=sys.stderr)
    return 1 if failed else 0
