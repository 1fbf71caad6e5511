"""Mutation run: is every term of every mechanism guarded by a test other than the golden tables?

For each named mutation (``mutations.py``: a term of the shared rules zeroed, a factor dropped, a
sign flipped; or a constant changed in one engine only), this copies the package, the tests and
the model files to a temporary folder, applies the mutation there (the checkout is never touched),
and runs the guard tests on the copy. The mutation is *killed* when a test fails, *survives* when
all pass. The golden snapshots are left out on purpose: they fail on any change, so they would
kill everything and say nothing about which behaviour is guarded.

The model-level tests run first and ``test_rules.py`` (the formulas' property tests) last, and the
run stops at the first failure, so a mutation's killer is a model-level test whenever one catches
it. The report gives the kill rate over all guards and over the model-level tests alone.

    .venv/bin/python tests/mutation/run_mutations.py            # all mutations, 2 at a time
    .venv/bin/python tests/mutation/run_mutations.py --only mesa: --only "trust_change"
    .venv/bin/python tests/mutation/run_mutations.py --list

Each mutant of a compiled file recompiles the batch engine (about half a minute): the whole run
takes the better part of an hour on two cores. First the unmutated copy must pass every guard
(else a "kill" would mean nothing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutations import MUTATIONS, Mutation  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
#: The guards, model-level first; test_rules.py (formula properties) last.
MODEL_LEVEL = ("tests/test_mechanism_terms.py", "tests/test_mechanisms.py",
               "tests/test_patterns.py", "tests/test_batch.py", "tests/test_invariants.py")
FORMULA_LEVEL = ("tests/test_rules.py",)
COPIED = ("hlssim", "tests", "models", "experiments", "pyproject.toml")


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # "killed", "survived" or "error"
    killer: str  # the first failing test, if killed
    seconds: float
    detail: str = ""

    @property
    def model_level(self) -> bool:
        return self.status == "killed" and not any(self.killer.startswith(f) for f in FORMULA_LEVEL)


def make_copy(mutation: Mutation | None) -> Path:
    """The repository's package, tests and models in a new temporary folder, mutated there."""
    root = Path(tempfile.mkdtemp(prefix="hlssim-mutant-"))
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            # numba's cache comes along: a mutant of a file the kernels do not read reuses it;
            # one they read is recompiled (the cache is keyed on those files' contents)
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("*.pyc", ".hypothesis"))
        else:
            shutil.copy2(src, root / name)
    if mutation is not None:
        path = root / mutation.path
        text = path.read_text(encoding="utf-8")
        if text.count(mutation.old) != 1:
            shutil.rmtree(root, ignore_errors=True)
            raise ValueError(f"mutation '{mutation.name}': its source is found "
                             f"{text.count(mutation.old)} times in {mutation.path}; expected once")
        path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
    return root


def run_guards(root: Path, stop_at_first: bool = True) -> subprocess.CompletedProcess:
    """pytest on the copy's guards, importing the copy's package (never the checkout's)."""
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
            "--tb=no", "-rf", *(["-x"] if stop_at_first else []), *MODEL_LEVEL, *FORMULA_LEVEL]
    env = os.environ | {"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, check=False)


def imports_the_copy(root: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", "import hlssim; print(hlssim.__file__)"],
                          cwd=root, env=os.environ | {"PYTHONPATH": str(root)},
                          capture_output=True, text=True, check=False)
    return done.stdout.strip().startswith(str(root))


def first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 1)[1].split(" - ")[0]
    return ""


def try_mutation(mutation: Mutation) -> Outcome:
    start = time.perf_counter()
    root = make_copy(mutation)
    try:
        done = run_guards(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        return Outcome(mutation, "survived", "", seconds)
    killer = first_failure(done.stdout)
    if done.returncode == 1 and killer:
        return Outcome(mutation, "killed", killer, seconds)
    return Outcome(mutation, "error", killer, seconds, (done.stdout + done.stderr)[-600:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[],
                        help="run the mutations whose name contains this text (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or any(o in m.name for o in args.only)]
    if args.list or not chosen:
        for m in chosen:
            print(f"{m.path:24s} {m.name}")
        return 0 if chosen else 2

    print(f"baseline: the unmutated copy against {len(MODEL_LEVEL) + len(FORMULA_LEVEL)} guard "
          "files ...", flush=True)
    root = make_copy(None)
    try:
        if not imports_the_copy(root):
            print("error: the copy's tests import the checkout's hlssim, not the copy's")
            return 2
        baseline = run_guards(root, stop_at_first=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if baseline.returncode != 0:
        print("error: the guards fail without any mutation:\n" + baseline.stdout[-2000:])
        return 2

    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for k, outcome in enumerate(pool.map(try_mutation, chosen), 1):
            outcomes.append(outcome)
            where = outcome.killer or outcome.detail.strip().splitlines()[-1:] or ""
            print(f"[{k:3d}/{len(chosen)}] {outcome.status:8s} {outcome.seconds:5.0f} s  "
                  f"{outcome.mutation.name}  {where}", flush=True)

    killed = [o for o in outcomes if o.status == "killed"]
    model = [o for o in outcomes if o.model_level]
    survived = [o for o in outcomes if o.status == "survived"]
    errors = [o for o in outcomes if o.status == "error"]
    n = len(outcomes)
    print(f"\n{len(killed)} of {n} mutations killed ({len(killed) / n:.0%}) by a test other than "
          f"the golden tables; {len(model)} of {n} ({len(model) / n:.0%}) by a model-level test "
          f"(not test_rules.py)")
    for o in survived:
        print(f"  survived: {o.mutation.name} ({o.mutation.path})")
    for o in errors:
        print(f"  error: {o.mutation.name}: {o.detail[-200:]}")
    only_formula = [o for o in killed if not o.model_level]
    if only_formula:
        print(f"caught only by test_rules.py ({len(only_formula)}): "
              + "; ".join(o.mutation.name for o in only_formula))
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main())
