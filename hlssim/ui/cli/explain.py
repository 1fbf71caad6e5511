"""``hlssim explain``: why one regime beat the other, decomposed by mechanism (issue #21).

The same decomposition as the explorer's "Why" (:func:`hlssim.ui.explain.explain`): both regimes
run again with each mechanism switched off in turn over the same seeds; a mechanism's
contribution is how much the gap shrinks without it, with a 95% interval over the runs.
"""

from __future__ import annotations

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    p = sub.add_parser("explain", help="why one regime beat the other: the gap decomposed by "
                       "mechanism (each switched off in turn over the same seeds)")
    p.add_argument("--case", help="a situation of the explorer (models/cases), e.g. gateshead; "
                   "or give --presets")
    p.add_argument("--presets", default="npm_targets,hls", help="two presets (default "
                   "npm_targets,hls)")
    p.add_argument("--complexity", type=float, default=None, help="complexity of people's lives")
    p.add_argument("--metric", default="wellbeing_mean", help="the measure whose gap is explained")
    p.add_argument("--reps", type=int, default=10, help="replications per regime (default 10)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="any parameter, for both regimes (repeatable)")
    p.set_defaults(func=cmd_explain)


def cmd_explain(args) -> int:
    """Print the decomposition as a table, then in plain words."""
    from hlssim.model.cases import load_cases, preset_label
    from hlssim.model.metrics import METRIC_NAMES
    from hlssim.model.scenario import Scenario, parse_assignments
    from hlssim.ui.explain import explain, explain_table_text, why_text
    from hlssim.ui.brief import plain

    if args.reps < 2:
        raise HlssimError(f"--reps {args.reps}: expected at least 2 replications for an interval")
    if args.metric not in METRIC_NAMES:
        raise HlssimError(f"--metric '{args.metric}': expected one of the model's metrics")
    overrides = parse_assignments(args.set or [])
    if args.complexity is not None:
        overrides["complexity"] = args.complexity
    if args.case:
        cases = load_cases()
        if args.case not in cases:
            raise HlssimError(f"--case '{args.case}': expected one of {', '.join(cases)}")
        case = cases[args.case]
        scenarios = case.scenarios(overrides)
        labels = {r.key: r.label for r in case.regimes}
    else:
        names = [n.strip() for n in args.presets.split(",") if n.strip()]
        if len(names) != 2 or names[0] == names[1]:
            raise HlssimError(f"--presets '{args.presets}': expected two distinct presets")
        scenarios = {n: Scenario.from_preset(n, **overrides) for n in names}
        labels = {n: preset_label(n) for n in names}
    result = explain(scenarios, args.reps, args.seed, args.metric)
    print(explain_table_text(result, labels))
    print()
    print("\n\n".join(plain(p) for p in why_text(result, labels)))
    return 0
