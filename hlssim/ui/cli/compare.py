"""``hlssim compare``: regimes over replications, with figures and a summary table."""

from __future__ import annotations

from pathlib import Path

from hlssim.errors import HlssimError
from hlssim.model.scenario import Scenario
from hlssim.ui.cli.shared import add_scenario_options, has_tabulate, parse_sets, progress_reporter


#: The most runs ``compare`` takes in one go (it holds every trajectory in memory, unlike a sweep).
MAX_COMPARE_RUNS = 100_000


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    cmp_p = sub.add_parser("compare", help="compare regimes over replications; figures and a summary")
    cmp_p.add_argument("--presets", default="npm_targets,hls", help="comma-separated preset names")
    cmp_p.add_argument("--complexity", type=float, default=None, help="complexity of people's lives, 0 to 1")
    cmp_p.add_argument("--reps", type=int, default=20, help="replications per regime (default 20)")
    cmp_p.add_argument("--paired", action="store_true",
                       help="common random numbers: replication r of every regime uses the same draws")
    add_scenario_options(cmp_p, False)
    cmp_p.add_argument("--out", required=True, help="output folder")
    cmp_p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    """Compare presets over replications: tables, two figures and summary.md with the gap."""
    from hlssim.common.files import check_folder, write_table, write_text
    from hlssim.experiments.comparison import compare, difference, summary_wide
    from hlssim.figures.report_figures import summary_figure, trajectories_figure

    names = [n.strip() for n in args.presets.split(",") if n.strip()]
    if len(names) < 1 or len(set(names)) != len(names):
        raise HlssimError(f"--presets '{args.presets}': expected distinct preset names separated by commas")
    if args.reps < 2:
        raise HlssimError(f"--reps {args.reps}: expected at least 2 replications for an interval")
    if args.reps * len(names) > MAX_COMPARE_RUNS:
        raise HlssimError(f"--reps {args.reps}: {args.reps * len(names)} runs is not allowed; expected "
                          f"at most {MAX_COMPARE_RUNS // len(names)} replications per regime (a "
                          "larger study is a sweep: hlssim sweep, resumable)")
    check_folder(args.out)
    extra = {"complexity": args.complexity, "steps": args.steps}
    overrides = parse_sets(args.set) | {k: v for k, v in extra.items() if v is not None}
    scenarios = {name: Scenario.from_preset(name, **overrides) for name in names}
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise HlssimError(f"--out '{out}': exists and is not a folder")
    result = compare(scenarios, args.reps, seed=args.seed, engine=args.engine, paired=args.paired,
                     progress=progress_reporter("compare"))
    out.mkdir(parents=True, exist_ok=True)
    write_table(result.trajectories, out / "trajectories.parquet")
    write_table(result.finals, out / "finals.csv")
    write_table(result.summary, out / "summary.csv")
    wide = summary_wide(result.summary)
    c = scenarios[names[0]].complexity
    title = f"{' vs '.join(names)} at complexity {c:g}, {args.reps} replications each"
    trajectories_figure(result.trajectories, out / "trajectories.png", title=title)
    summary_figure(result.summary, out / "summary.png", title=title)
    lines = [f"# {title}", "", "Final-year mean and 95% interval over replications.", "",
             wide.to_markdown() if has_tabulate() else wide.to_string(), ""]
    if len(names) >= 2:
        d, lo, hi = difference(result.finals, "wellbeing_mean", names[-1], names[0])
        lines.append(f"{names[-1]} minus {names[0]} on wellbeing_mean: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
    write_text("\n".join(lines) + "\n", out / "summary.md")
    print(f"{title}\nfinal-year mean [95% interval]\n")
    print(wide.to_string())
    if len(names) >= 2:
        print("\n" + lines[-1])
    print(f"\nwrote trajectories.parquet, finals.csv, summary.csv, summary.md, trajectories.png, "
          f"summary.png to {out}/")
    return 0
