"""``hlssim run``: one scenario (or a user's own stock-flow model) into a table."""

from __future__ import annotations

from pathlib import Path

from hlssim.errors import HlssimError
from hlssim.ui.cli.shared import add_scenario_options, progress_reporter, scenario_from_args


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    run_p = sub.add_parser("run", help="run one scenario and write its table")
    source = run_p.add_mutually_exclusive_group()
    source.add_argument("--preset", default="hls", help="preset name (default hls); see 'hlssim presets'")
    source.add_argument("--scenario", metavar="FILE.toml", help="scenario file instead of a preset")
    source.add_argument("--model", metavar="MODEL.mdl|.xmile",
                        help="run your own Vensim or XMILE model instead (see 'hlssim inspect'); "
                        "--set takes its constants")
    add_scenario_options(run_p, False, extra_engines=("sd", "hybrid"))
    run_p.add_argument("--final-time", type=float, default=None,
                       help="with --model: the model's FINAL TIME (in its own time units)")
    run_p.add_argument("--out", required=True, help="output table: .parquet or .csv")
    run_p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    """Run one scenario of hlssim's own model (or, with --model, a user's model) into a table."""
    from hlssim.common.files import check_table_path, write_table
    from hlssim.engines.registry import run

    out = check_table_path(args.out)
    if args.model:  # a user's own Vensim/XMILE model (hlssim/stockflow/user_model.py)
        return run_user_model(args, out)
    if args.final_time is not None:
        raise HlssimError("--final-time: only with --model; hlssim's own models take --steps (months)")
    scenario = scenario_from_args(args, steps=args.steps)
    big = scenario.n_people * scenario.steps >= 5_000_000  # runs long enough to want progress
    if args.engine == "sd":  # the stock-flow view: only the metrics it has (see hlssim/stockflow/commissioning.py)
        from hlssim.stockflow.commissioning import run_sd

        table = run_sd(scenario, seed=args.seed)
    elif args.engine == "hybrid":  # stock-flow macro context coupled to the agents (hlssim/engines/hybrid.py)
        from hlssim.engines.hybrid import run_hybrid

        table = run_hybrid(scenario, seed=args.seed,
                           progress=progress_reporter("run", "steps") if big else None)
    else:
        table = run(scenario, seed=args.seed, engine=args.engine,
                    progress=progress_reporter("run", "steps") if big else None)
    write_table(table, out)
    last = table.iloc[-1]
    print(f"wrote {len(table)} steps x {table.shape[1] - 1} metrics to {out}")
    print(f"final month: wellbeing_mean {last['wellbeing_mean']:.3f}, "
          f"reported_indicator {last['reported_indicator']:.3f}, gaming_share {last['gaming_share']:.3f}")
    return 0


def run_user_model(args, out: Path) -> int:
    """``hlssim run --model``: the model with ``--set`` values (constants, array elements, time
    settings) and ``--final-time``; a model with random functions draws from ``--seed``."""
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
    table = model.run(values, seed=args.seed)
    write_table(table, out)
    stocks = [v.name for v in model.variables(["stock"]) if v.name in table][:4]
    print(f"wrote {len(table)} saved times x {table.shape[1] - 2} variables of {model.path.name} to {out}"
          + (f" (stochastic: seed {args.seed})" if model.stochastic else ""))
    if stocks:
        last = table.iloc[-1]
        print(f"at time {last['time']:g}: " + ", ".join(f"{s} {last[s]:.6g}" for s in stocks))
    return 0
