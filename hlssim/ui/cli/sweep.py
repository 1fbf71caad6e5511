"""``hlssim sweep``: an experiment spec into a resumable results folder."""

from __future__ import annotations

import os
import sys
import time

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    sw_p = sub.add_parser("sweep", help="run an experiment spec (experiments/*.toml) into a results folder")
    sw_p.add_argument("spec", metavar="SPEC.toml", help="experiment spec; see experiments/README.md")
    sw_p.add_argument("--out", required=True, help="results folder (re-run the same command to resume)")
    sw_p.add_argument("--workers", type=int, default=None,
                      help="Dask worker processes on this machine (default min(4, CPUs)); 0 runs serially")
    sw_p.add_argument("--scheduler", metavar="ADDR", default=None,
                      help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    sw_p.add_argument("--smoke", action="store_true", help="the spec's small [smoke] version (for CI)")
    sw_p.add_argument("--restart", action="store_true",
                      help="delete what the folder stores and run everything again (needed to "
                           "reuse a folder whose runs another model or spec made)")
    sw_p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    """Run an experiment spec; everything that can fail is checked before the first run."""
    from hlssim.experiments.spec import DEFAULT_OUTPUTS, load_spec
    from hlssim.experiments.sweep import prepare, sweep

    if args.workers is not None and args.workers < 0:
        raise HlssimError(f"--workers {args.workers}: expected 0 (serial, here) or more worker processes")
    if args.workers is not None and args.scheduler:
        raise HlssimError("--workers and --scheduler: expected one or the other (a scheduler brings its workers)")
    workers = args.workers if args.workers is not None else min(4, os.cpu_count() or 1)
    spec = load_spec(args.spec, smoke=args.smoke)
    design, _ = prepare(spec, args.out, args.restart, "refuse")  # bad spec/--out: one line, exit 2
    where = args.scheduler or (f"{workers} local worker(s)" if workers else "serially")
    print(f"sweep {spec.name}{' (smoke)' if spec.is_smoke else ''}: {len(design.points)} points x "
          f"{spec.replications} replications = {len(design.runs)} runs, {where}", file=sys.stderr)
    if spec.model is not None:  # a user's model: say whether the batched path or PySD runs it
        from hlssim.stockflow.user_batch import status
        from hlssim.stockflow.user_model import open_model

        print(f"model {spec.model}: {status(open_model(spec.model), dict(spec.base))}", file=sys.stderr)
    defaults = {f"{metric}:{stat}" for metric, stat in DEFAULT_OUTPUTS.items()}
    if spec.model is None and {o.name for o in spec.outputs} == defaults:
        print("note: the spec names no [outputs]; keeping every public metric's mean over the last "
              "12 months (see experiments/README.md to choose)", file=sys.stderr)
    start = time.perf_counter()
    try:
        manifest = sweep(spec, args.out, workers=0 if args.scheduler else workers,
                         scheduler=args.scheduler, progress=True, on_stale="refuse",
                         restart=args.restart)
    except KeyboardInterrupt:
        print(f"hlssim: interrupted; finished runs are kept in {args.out}/ (marked interrupted); "
              "run the same command to resume", file=sys.stderr)
        return 130
    counts = manifest["counts"]
    print(f"{counts['runs_done']}/{counts['runs']} runs stored ({counts['rows']} rows, "
          f"{counts['parts']} parts) in {args.out}/results/, manifest {args.out}/manifest.json; "
          f"{time.perf_counter() - start:.1f} s")
    return 0
