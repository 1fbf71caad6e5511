"""The study commands of ``hlssim`` (``check``, ``analyze``, ``report``, ``validate``,
``calibrate``): each turns its parsed arguments (declared in :mod:`hlssim.ui.cli`) into a call of a
typed library function and prints what it did. Library modules take no argparse namespaces.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hlssim.errors import HlssimError

def cmd_check(args) -> int:
    """The ``hlssim check`` command (its arguments are declared in ``hlssim/ui/cli.py``)."""
    from hlssim.experiments.check import check, stability, verdict_table, write_junit

    if args.workers < 0:
        raise HlssimError(f"--workers {args.workers}: expected 0 (serial, here) or more worker processes")
    if args.stability is not None and args.stability < 2:
        raise HlssimError(f"--stability {args.stability}: expected 2 or more root seeds")
    if args.workers and args.scheduler:
        raise HlssimError("--workers and --scheduler: expected one or the other (a scheduler brings "
                          "its workers)")
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


def cmd_analyze(args) -> int:
    """``hlssim analyze DIR [--outputs A,B] [--outcome O] [--out FOLDER]``."""
    from hlssim.experiments.analysis.analyze import analyze, summary_text

    outputs = [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None
    if args.outputs is not None and not outputs:
        raise HlssimError(f"--outputs '{args.outputs}': expected output names separated by commas")
    analysis = analyze(args.dir, outputs, args.out, args.outcome)
    print(summary_text(analysis))
    return 0


def cmd_report(args) -> int:
    """``hlssim report DIR [--out FOLDER]``."""
    from hlssim.experiments.analysis.report import report

    path = report(args.dir, args.out)
    figures = sorted((path.parent / "figures").glob("*.png"))
    print(f"wrote {path} ({len(figures)} figures in {path.parent / 'figures'}/)")
    return 0


def cmd_validate(args) -> int:
    """The ``hlssim validate`` command (arguments declared in ``hlssim/ui/cli.py``).

    Exit 0 when the report is written, whatever the facts' verdicts (a fact the model fails is a
    finding, kept in the table); 2 for a bad fact spec or bad arguments. ``--stability N`` instead
    judges every fact under root seeds 1..N and exits 1 if any verdict differs between them.
    """
    from hlssim.validation.facts import boundary_text, stability, validate

    from tabulate import tabulate

    if args.workers < 0:
        raise HlssimError(f"--workers {args.workers}: expected 0 (serial, here) or more worker processes")
    if args.stability is not None:
        if args.stability < 2:
            raise HlssimError(f"--stability {args.stability}: expected 2 or more root seeds")
        rows, stable = stability(args.facts, list(range(1, args.stability + 1)), args.quick,
                                 args.out, args.workers)
        print(tabulate(rows, headers=["fact", "test", f"over {args.stability} root seeds", "verdict"],
                       tablefmt="simple", maxcolwidths=[28, 70, 16, 7]))
        print("every verdict is the same under every root seed" if stable
              else "some verdicts depend on the root seed: add replications", file=sys.stderr)
        return 0 if stable else 1
    results = validate(args.facts, args.quick, args.out, args.report, args.workers,
                       progress=not args.quiet, crossover_sobol=args.crossover_sobol)
    rows = [[r.fact.key, "yes" if r.reproduced else "NO",
             f"breaks {r.ablation_breaks}" if r.ablation_breaks else "BREAKS NONE", boundary_text(r)]
            for r in results]
    print(tabulate(rows, headers=["fact", "reproduced", "ablation", "boundary"], tablefmt="simple",
                   maxcolwidths=[32, 10, 11, 60]))
    print(f"{sum(r.reproduced for r in results)} of {len(results)} facts reproduced; report in "
          f"{args.report}", file=sys.stderr)
    return 0


def cmd_calibrate(args) -> int:
    """The ``hlssim calibrate`` command (arguments declared in ``hlssim/ui/cli.py``)."""
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
