"""``hlssim frontier``: the best design of each regime family at each complexity (issue 18).

Calls :func:`hlssim.experiments.frontier.frontier` and writes its files
(:func:`hlssim.experiments.frontier.write_frontier`); the method is in ``docs/frontier.md``.
"""

from __future__ import annotations

import shlex
import sys
import time

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    p = sub.add_parser("frontier", help="the best design of each regime (NPM's and HLS's own "
                       "levers searched) at each complexity, judged on held-out runs")
    p.add_argument("--complexities", default=None,
                   help="comma-separated complexities from 0 to 1 (default 0,0.2,0.4,0.6,0.8,1; "
                        "--quick: 0.2,0.8)")
    p.add_argument("--reps", type=int, default=None,
                   help="held-out replications of each finalist and preset (default 50; --quick 8)")
    p.add_argument("--search-reps", type=int, default=None,
                   help="replications of each design during the search (default 10; --quick 4)")
    p.add_argument("--budget", type=int, default=None,
                   help="designs run per search, one search per family, objective and "
                        "complexity (default 320; --quick 40)")
    p.add_argument("--finalists", type=int, default=3,
                   help="best designs of each search judged on the held-out runs (default 3)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--out", default="results/frontier", help="output folder (default "
                   "results/frontier)")
    p.add_argument("--quick", action="store_true",
                   help="a small world (60 people, 6 workers, 4 years) and small search: about a "
                        "minute")
    p.set_defaults(func=cmd_frontier)


def parse_complexities(text: str) -> tuple[float, ...]:
    values = []
    for item in text.split(","):
        item = item.strip()
        try:
            value = float(item)
        except ValueError:
            value = None
        if value is None or not 0 <= value <= 1:
            raise HlssimError(f"--complexities '{text}': '{item}' is not allowed; expected "
                              "numbers from 0 to 1 separated by commas")
        if value in values:
            raise HlssimError(f"--complexities '{text}': {item} repeats a value; expected each "
                              "complexity once")
        values.append(value)
    return tuple(values)


def cmd_frontier(args) -> int:
    """Search, judge on held-out seeds, write the table, figure and summary; print the summary."""
    from hlssim.common.files import check_folder
    from hlssim.experiments.frontier import (FULL_COMPLEXITIES, QUICK_WORLD, FrontierSettings,
                                             code_state, frontier, verdicts, who_is_ahead,
                                             write_frontier)

    quick = args.quick
    complexities = (parse_complexities(args.complexities) if args.complexities is not None
                    else (0.2, 0.8) if quick else FULL_COMPLEXITIES)
    pick = (lambda given, full, small: given if given is not None else small if quick else full)
    settings = FrontierSettings(
        complexities=complexities, reps=pick(args.reps, 50, 8),
        search_reps=pick(args.search_reps, 10, 4), budget=pick(args.budget, 320, 40),
        finalists=args.finalists, seed=args.seed, world=QUICK_WORLD if quick else {})
    for flag, value, low in (("--reps", settings.reps, 2),
                             ("--search-reps", settings.search_reps, 2),
                             ("--budget", settings.budget, 4),
                             ("--finalists", settings.finalists, 1), ("--seed", settings.seed, 0)):
        if value < low:
            raise HlssimError(f"{flag} {value}: not allowed; expected a whole number, {low} or "
                              "more")
    settings.check()
    check_folder(args.out)
    code = code_state()  # what runs: taken now, not when the run ends
    start = time.perf_counter()
    result = frontier(settings, progress=lambda line: print(line, file=sys.stderr, flush=True))
    seconds = time.perf_counter() - start
    command = "hlssim " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["frontier"] else \
        "hlssim frontier"
    names = write_frontier(result, args.out, seconds, command, code)
    for objective, heading in (("wellbeing", "wellbeing"),
                               ("wellbeing_per_cost", "wellbeing per unit cost")):
        verdict = verdicts(result.differences, objective)
        print(f"On {heading}, best HLS minus best NPM (held-out, 95% interval):")
        for _, v in verdict.iterrows():
            print(f"  complexity {v['complexity']:g}: {v['hls_minus_npm']:+.3f} "
                  f"[{v['ci_low']:+.3f}, {v['ci_high']:+.3f}]  ahead: {v['ahead']}")
        print("  " + " ".join(who_is_ahead(verdict)))
    print(f"wrote {', '.join(names)} to {args.out}/ in {seconds:.0f} s")
    return 0
