"""``hlssim validate``: the stylized-facts suite, VALIDATION.md and a figure per fact."""

from __future__ import annotations

import sys
from pathlib import Path

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    val_p = sub.add_parser("validate", help="the stylized-facts suite: VALIDATION.md and a figure per fact")
    val_p.add_argument("--quick", action="store_true", help="each fact's small [smoke] version (CI)")
    val_p.add_argument("--facts", default=str(facts_dir()),
                       help="folder of fact specs (default experiments/facts)")
    val_p.add_argument("--out", default="results/validation",
                       help="folder for the runs, resumed if present (default results/validation)")
    val_p.add_argument("--report", default="VALIDATION.md",
                       help="the report; figures go in validation/ beside it (default VALIDATION.md)")
    val_p.add_argument("--workers", type=int, default=0,
                       help="0: run serially here (default); N: a local Dask cluster of N workers")
    val_p.add_argument("--stability", type=int, metavar="N",
                       help="judge every fact under root seeds 1..N instead; exit 1 if any verdict flips")
    val_p.add_argument("--crossover-sobol", type=int, default=0, metavar="N",
                       help="also Sobol indices of where NPM and HLS cross (Saltelli base N, a power "
                            "of 2; 0: none, the default)")
    val_p.add_argument("--no-plausible", action="store_true",
                       help="leave out the whole plausible space (a global sensitivity analysis of "
                            "the HLS - NPM gap at complexity 0.2, 0.5, 0.8; in the report by default)")
    val_p.add_argument("--quiet", action="store_true", help="no progress lines")
    val_p.set_defaults(func=cmd_validate)


def facts_dir() -> Path:
    """The project's folder of fact specs (experiments/facts), the default of --facts."""
    return Path(__file__).resolve().parents[3] / "experiments" / "facts"


def cmd_validate(args) -> int:
    """The ``hlssim validate`` command.

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
                       progress=not args.quiet, crossover_sobol=args.crossover_sobol,
                       plausible=not args.no_plausible)
    rows = [[r.fact.key, r.status if r.counts else r.status.upper(),
             f"breaks {r.ablation_breaks}" if r.ablation_breaks else "BREAKS NONE", boundary_text(r)]
            for r in results]
    print(tabulate(rows, headers=["fact", "status", "ablation", "boundary"], tablefmt="simple",
                   maxcolwidths=[32, 24, 11, 56]))
    counted = sum(r.fact.counts for r in results)
    print(f"{sum(r.counts for r in results)} of {counted} facts from the literature reproduced "
          f"({len(results) - counted} by assumption or the model's hypothesis, not counted); "
          f"report in {args.report}", file=sys.stderr)
    return 0
