"""The ``hlssim`` command: turns arguments into scenarios, calls runners, writes files.

Bad input ends with one line on stderr naming the field, the value and what is allowed, exit
code 2, and no output file written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from hlssim import __version__
from hlssim.engines.registry import DEFAULT_ENGINE, ENGINES
from hlssim.errors import HlssimError
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario, parse_assignments, preset_description, preset_names

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2."""

    def error(self, message: str):  # noqa: D401
        self.exit(EXIT_USAGE, f"hlssim: error: {message} (see '{self.prog} --help')\n")


def _scenario_from_args(args, **extra) -> Scenario:
    overrides = parse_assignments(args.set or [])
    overrides.update({k: v for k, v in extra.items() if v is not None})
    if getattr(args, "scenario", None):
        return Scenario.from_toml(args.scenario, **overrides)
    return Scenario.from_preset(args.preset, **overrides)


def _progress(label: str, unit: str = "runs"):
    start = time.perf_counter()
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        elapsed = time.perf_counter() - start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        line = f"{label}: {done}/{total} {unit}, {rate:.1f} {unit}/s, {left:.0f} s left"
        if interactive:
            end = "\n" if done == total else ""
            print("\r" + line, end=end, file=sys.stderr, flush=True)
        elif done == total or done % max(1, total // 10) == 0:
            print(line, file=sys.stderr, flush=True)

    return report


# --- commands -------------------------------------------------------------------------------------

def cmd_run(args) -> int:
    from hlssim.common.files import check_table_path, write_table
    from hlssim.engines.registry import run

    out = check_table_path(args.out)
    if args.model:  # a user's own Vensim/XMILE model (hlssim/stockflow/user_model.py)
        return _run_model(args, out)
    if args.final_time is not None:
        raise HlssimError("--final-time: only with --model; hlssim's own models take --steps (months)")
    scenario = _scenario_from_args(args, steps=args.steps)
    big = scenario.n_people * scenario.steps >= 5_000_000  # runs long enough to want progress
    if args.engine == "sd":  # the stock-flow view: only the metrics it has (see hlssim/stockflow/commissioning.py)
        from hlssim.stockflow.commissioning import run_sd

        table = run_sd(scenario, seed=args.seed)
    elif args.engine == "hybrid":  # stock-flow macro context coupled to the agents (hlssim/engines/hybrid.py)
        from hlssim.engines.hybrid import run_hybrid

        table = run_hybrid(scenario, seed=args.seed,
                           progress=_progress("run", "steps") if big else None)
    else:
        table = run(scenario, seed=args.seed, engine=args.engine,
                    progress=_progress("run", "steps") if big else None)
    write_table(table, out)
    last = table.iloc[-1]
    print(f"wrote {len(table)} steps x {table.shape[1] - 1} metrics to {out}")
    print(f"final month: wellbeing_mean {last['wellbeing_mean']:.3f}, "
          f"reported_indicator {last['reported_indicator']:.3f}, gaming_share {last['gaming_share']:.3f}")
    return 0


def _run_model(args, out: Path) -> int:
    from hlssim.common.files import write_table
    from hlssim.stockflow.user_model import open_model

    if args.steps is not None:
        raise HlssimError("--steps: not with --model; use --final-time T (in the model's time units) "
                          "or --set \"SAVEPER=...\"")
    model = open_model(args.model)
    values = model.parse_assignments(args.set or [])
    if args.final_time is not None:
        values[model.settable("FINAL TIME").name] = model.check_value(
            model.settable("FINAL TIME"), args.final_time, f"--final-time {args.final_time}")
    table = model.run(values)
    write_table(table, out)
    stocks = [v.name for v in model.variables(["stock"]) if v.name in table][:4]
    print(f"wrote {len(table)} saved times x {table.shape[1] - 2} variables of {model.path.name} to {out}")
    if stocks:
        last = table.iloc[-1]
        print(f"at time {last['time']:g}: " + ", ".join(f"{s} {last[s]:.6g}" for s in stocks))
    return 0


def cmd_inspect(args) -> int:
    """A model's time settings, constants and stocks (hlssim/stockflow/user_model.py)."""
    import json

    from hlssim.stockflow.user_batch import describe
    from hlssim.stockflow.user_model import open_model

    model = open_model(args.model)
    if args.json:
        from hlssim.stockflow.user_batch import status

        print(json.dumps({"model": str(model.path), "sha256_16": model.digest, "sweeps": status(model),
                          "variables": [v.to_dict() for v in model.variables()]}, indent=2))
    else:
        print(describe(model, every=args.all))
    return 0


def cmd_compare(args) -> int:
    from hlssim.common.files import write_table, write_text
    from hlssim.experiments.comparison import compare, difference, summary_wide
    from hlssim.figures.report_figures import summary_figure, trajectories_figure

    names = [n.strip() for n in args.presets.split(",") if n.strip()]
    if len(names) < 1 or len(set(names)) != len(names):
        raise HlssimError(f"--presets '{args.presets}': expected distinct preset names separated by commas")
    if args.reps < 2:
        raise HlssimError(f"--reps {args.reps}: expected at least 2 replications for an interval")
    extra = {"complexity": args.complexity, "steps": args.steps}
    overrides = parse_assignments(args.set or []) | {k: v for k, v in extra.items() if v is not None}
    scenarios = {name: Scenario.from_preset(name, **overrides) for name in names}
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise HlssimError(f"--out '{out}': exists and is not a folder")
    result = compare(scenarios, args.reps, seed=args.seed, engine=args.engine, paired=args.paired,
                     progress=_progress("compare"))
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
             wide.to_markdown() if _has_tabulate() else wide.to_string(), ""]
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


def cmd_sweep(args) -> int:
    """Run an experiment spec; everything that can fail is checked before the first run."""
    from hlssim.experiments.spec import load_spec
    from hlssim.experiments.sweep import prepare, sweep

    if args.workers is not None and args.workers < 0:
        raise HlssimError(f"--workers {args.workers}: expected 0 (serial, here) or more worker processes")
    if args.workers is not None and args.scheduler:
        raise HlssimError("--workers and --scheduler: expected one or the other (a scheduler brings its workers)")
    workers = args.workers if args.workers is not None else min(4, os.cpu_count() or 1)
    spec = load_spec(args.spec, smoke=args.smoke)
    design, _ = prepare(spec, args.out)  # bad spec or --out: one line, exit 2, nothing written
    where = args.scheduler or (f"{workers} local worker(s)" if workers else "serially")
    print(f"sweep {spec.name}{' (smoke)' if spec.is_smoke else ''}: {len(design.points)} points x "
          f"{spec.replications} replications = {len(design.runs)} runs, {where}", file=sys.stderr)
    if spec.model is not None:  # a user's model: say whether the batched path or PySD runs it
        from hlssim.stockflow.user_batch import status
        from hlssim.stockflow.user_model import open_model

        print(f"model {spec.model}: {status(open_model(spec.model), dict(spec.base))}", file=sys.stderr)
    start = time.perf_counter()
    try:
        manifest = sweep(spec, args.out, workers=0 if args.scheduler else workers,
                         scheduler=args.scheduler, progress=True)
    except KeyboardInterrupt:
        print(f"hlssim: interrupted; finished runs are kept in {args.out}/; run the same command "
              "to resume", file=sys.stderr)
        return 130
    counts = manifest["counts"]
    resumed = manifest["sessions"][-1]["runs_resumed"]
    if resumed:
        print(f"resumed: {resumed} runs were already stored", file=sys.stderr)
    print(f"{counts['runs_done']}/{counts['runs']} runs stored ({counts['rows']} rows, "
          f"{counts['parts']} parts) in {args.out}/results/, manifest {args.out}/manifest.json; "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def cmd_check(args) -> int:
    """Run experiments and judge their [[expect]] tables: exit 0 all pass, 1 any fails."""
    from hlssim.ui.commands import cmd_check as check

    return check(args)


def _facts_dir():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "experiments" / "facts"


def cmd_validate(args) -> int:
    """The stylized-facts suite: VALIDATION.md and a figure per fact (hlssim/validation/facts.py)."""
    from hlssim.ui.commands import cmd_validate as validate

    return validate(args)


def cmd_calibrate(args) -> int:
    """Fit free parameters to target statistics by ABC; write a preset (hlssim/validation/calibrate.py)."""
    from hlssim.ui.commands import cmd_calibrate as calibrate

    return calibrate(args)


def cmd_analyze(args) -> int:
    """Sensitivity indices and scenario discovery for a sweep folder (hlssim/experiments/analysis/analyze.py)."""
    from hlssim.ui.commands import cmd_analyze as analyze

    return analyze(args)


def cmd_report(args) -> int:
    """Figures and a Markdown report of a sweep folder (hlssim/experiments/analysis/report.py)."""
    from hlssim.ui.commands import cmd_report as report

    return report(args)


def cmd_diagram(args) -> int:
    """Causal loop diagram of a stock-flow model, drawn from its own equations (hlssim/stockflow/loops.py)."""
    from collections import Counter

    from hlssim.stockflow.commissioning import model_path
    from hlssim.stockflow.loops import causal_graph, draw, feedback_loops, loop_names, name_loops

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise HlssimError(f"--out '{out}': expected a file name ending .png")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise HlssimError(f"--out '{out}': folder '{out.parent}' does not exist")
    if args.max_length is not None and args.max_length < 1:
        raise HlssimError(f"--max-length {args.max_length}: expected at least 1 link")
    path = model_path(args.model)
    graph = causal_graph(path)
    loops = feedback_loops(graph, args.max_length)
    named = name_loops(loops, loop_names(path))
    draw(graph, loops, out, named=named)
    kinds = Counter(lp.kind for lp in loops)
    print(f"{path.name}: {graph.number_of_nodes()} variables, {graph.number_of_edges()} links, "
          f"{len(loops)} feedback loop{'' if len(loops) == 1 else 's'} ({kinds['R']} reinforcing, "
          f"{kinds['B']} balancing, {kinds['?']} with a link whose sign depends on the state or "
          "could not be read)")
    if named:
        print("main loops:")
        for n in named:
            print(f"  {n}")
    shown = {n.loop for n in named}
    for lp in [lp for lp in loops if len(lp.nodes) > 2 and lp not in shown][:args.show]:
        print(f"  {lp}")
    print(f"wrote {out}")
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def cmd_params(args) -> int:
    groups = [args.group] if args.group else ["world", "regime", "mechanism", "calibration"]
    for group in groups:
        print(f"[{group}]")
        for p in PARAMETERS.values():
            if p.group == group:
                unit = f" ({p.unit})" if p.unit else ""
                print(f"  {p.name} = {p.default!r}: {p.label}{unit}; {p.allowed()}")
    return 0


def cmd_presets(args) -> int:
    for name in preset_names():
        print(f"{name}: {' '.join(preset_description(name).split())}")
    return 0


def cmd_metrics(args) -> int:
    from hlssim.model.metrics import METRICS

    for m in METRICS:
        high = "unbounded" if m.high is None else f"{m.high:g}"
        print(f"{m.name} [{m.low:g}, {high}]: {m.description}")
    return 0


# --- parser ---------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hlssim", description=(
        "Simulate target-driven (NPM) and learning-led (HLS) commissioning of public services."))
    parser.add_argument("--version", action="version", version=f"hlssim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add_common(p, preset_required: bool, extra_engines: tuple[str, ...] = ()):
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a parameter (repeatable); see 'hlssim params'")
        p.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
        p.add_argument("--steps", type=int, default=None, help="months to simulate")
        p.add_argument("--engine", choices=sorted([*ENGINES, *extra_engines]), default=DEFAULT_ENGINE,
                       help=f"simulation engine (default {DEFAULT_ENGINE})"
                       + ("; sd: the stock-flow model, deterministic, its own metrics; hybrid: the "
                          "agents coupled to the stock-flow macro context (docs/hybrid.md)"
                          if extra_engines else ""))

    run_p = sub.add_parser("run", help="run one scenario and write its table")
    source = run_p.add_mutually_exclusive_group()
    source.add_argument("--preset", default="hls", help="preset name (default hls); see 'hlssim presets'")
    source.add_argument("--scenario", metavar="FILE.toml", help="scenario file instead of a preset")
    source.add_argument("--model", metavar="MODEL.mdl|.xmile",
                        help="run your own Vensim or XMILE model instead (see 'hlssim inspect'); "
                        "--set takes its constants")
    add_common(run_p, False, extra_engines=("sd", "hybrid"))
    run_p.add_argument("--final-time", type=float, default=None,
                       help="with --model: the model's FINAL TIME (in its own time units)")
    run_p.add_argument("--out", required=True, help="output table: .parquet or .csv")
    run_p.set_defaults(func=cmd_run)

    cmp_p = sub.add_parser("compare", help="compare regimes over replications; figures and a summary")
    cmp_p.add_argument("--presets", default="npm_targets,hls", help="comma-separated preset names")
    cmp_p.add_argument("--complexity", type=float, default=None, help="complexity of people's lives, 0 to 1")
    cmp_p.add_argument("--reps", type=int, default=20, help="replications per regime (default 20)")
    cmp_p.add_argument("--paired", action="store_true",
                       help="common random numbers: replication r of every regime uses the same draws")
    add_common(cmp_p, False)
    cmp_p.add_argument("--out", required=True, help="output folder")
    cmp_p.set_defaults(func=cmd_compare)

    sw_p = sub.add_parser("sweep", help="run an experiment spec (experiments/*.toml) into a results folder")
    sw_p.add_argument("spec", metavar="SPEC.toml", help="experiment spec; see experiments/README.md")
    sw_p.add_argument("--out", required=True, help="results folder (re-run the same command to resume)")
    sw_p.add_argument("--workers", type=int, default=None,
                      help="Dask worker processes on this machine (default min(4, CPUs)); 0 runs serially")
    sw_p.add_argument("--scheduler", metavar="ADDR", default=None,
                      help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    sw_p.add_argument("--smoke", action="store_true", help="the spec's small [smoke] version (for CI)")
    sw_p.set_defaults(func=cmd_sweep)

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

    val_p = sub.add_parser("validate", help="the stylized-facts suite: VALIDATION.md and a figure per fact")
    val_p.add_argument("--quick", action="store_true", help="each fact's small [smoke] version (CI)")
    val_p.add_argument("--facts", default=str(_facts_dir()),
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
    val_p.add_argument("--quiet", action="store_true", help="no progress lines")
    val_p.set_defaults(func=cmd_validate)

    cal_p = sub.add_parser("calibrate", help="fit free parameters to target statistics (ABC); write a preset")
    cal_p.add_argument("problem", metavar="PROBLEM", help="a calibration problem (.toml), e.g. "
                       "experiments/calibration/scottish_borders.toml")
    cal_p.add_argument("--quick", action="store_true", help="the problem's small [quick] version")
    cal_p.add_argument("--draws", type=int, help="prior draws (overrides the problem's)")
    cal_p.add_argument("--out", help="the preset file (default models/presets/NAME.toml)")
    cal_p.add_argument("--dry-run", action="store_true", help="report the fit, write nothing")
    cal_p.add_argument("--quiet", action="store_true", help="no progress lines")
    cal_p.set_defaults(func=cmd_calibrate)

    an_p = sub.add_parser("analyze", help="sensitivity indices and where NPM beats HLS, for a sweep folder")
    an_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    an_p.add_argument("--outputs", metavar="A,B", help="outputs to analyse, separated by commas (default: all)")
    an_p.add_argument("--outcome", metavar="OUTPUT",
                      help="the output scenario discovery compares (default: the wellbeing_mean one)")
    an_p.add_argument("--out", metavar="FOLDER", help="folder for the analysis files (default DIR/analysis)")
    an_p.set_defaults(func=cmd_analyze)

    rep_p = sub.add_parser("report", help="figures and a Markdown report (report.md) of a sweep folder")
    rep_p.add_argument("dir", metavar="DIR", help="a folder written by 'hlssim sweep'")
    rep_p.add_argument("--out", metavar="FOLDER", help="report folder (default DIR/report)")
    rep_p.set_defaults(func=cmd_report)

    dia_p = sub.add_parser("diagram", help="causal loop diagram of the stock-flow model (PNG)")
    dia_p.add_argument("--out", required=True, help="output image: .png")
    dia_p.add_argument("--model", default="hls_commissioning.mdl",
                       help="Vensim .mdl file, a path or a name in models/ (default hls_commissioning.mdl)")
    dia_p.add_argument("--max-length", type=int, default=None,
                       help="longest loop to look for, in links (default: all)")
    dia_p.add_argument("--show", type=int, default=10, help="loops to print (default 10)")
    dia_p.set_defaults(func=cmd_diagram)

    ins_p = sub.add_parser("inspect", help="a Vensim or XMILE model's constants and stocks (units, ranges, docs)")
    ins_p.add_argument("model", metavar="MODEL.mdl|.xmile", help="the model file")
    ins_p.add_argument("--all", action="store_true", help="every variable, not only constants and stocks")
    ins_p.add_argument("--json", action="store_true", help="every variable as JSON")
    ins_p.set_defaults(func=cmd_inspect)

    par_p = sub.add_parser("params", help="list every parameter with its default and allowed values")
    par_p.add_argument("--group", choices=["world", "regime", "mechanism", "calibration"])
    par_p.set_defaults(func=cmd_params)
    sub.add_parser("presets", help="list the presets").set_defaults(func=cmd_presets)
    sub.add_parser("metrics", help="list the metrics a run reports").set_defaults(func=cmd_metrics)
    return parser


#: Commands that run the agent model on the batch engine (unless told otherwise).
_RUNS_THE_BATCH_ENGINE = ("cmd_run", "cmd_compare", "cmd_sweep", "cmd_check", "cmd_validate",
                          "cmd_calibrate")


def _first_compile_notice(args) -> None:
    """Say so on stderr when this run must first compile the batch engine (about half a minute,
    once after installing or after a change to the rules), so a quiet terminal is not taken for a
    hang."""
    if getattr(args.func, "__name__", "") not in _RUNS_THE_BATCH_ENGINE:
        return
    if getattr(args, "engine", "batch") != "batch" or getattr(args, "model", None):
        return
    from hlssim.engines.batch.kernels import compiled_on_disk

    if not compiled_on_disk():
        print("hlssim: compiling the batch engine for this machine first (about half a minute, "
              "once; later runs start at once)", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _first_compile_notice(args)
        return args.func(args)
    except HlssimError as err:
        print(f"hlssim: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hlssim: interrupted; no partial output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader stopped early (``hlssim params | head``): stop quietly, as Unix tools do;
        # point stdout at /dev/null so the interpreter's final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
