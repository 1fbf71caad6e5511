"""The stock-flow model's translation cache is safe when several processes translate at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from hlssim import Scenario
from hlssim.stockflow.commissioning import load_model, run_sd
table = run_sd(Scenario.from_preset("npm_targets", steps=24, complexity=0.7))
print(load_model().py_model_file, file=sys.stderr)
sys.stdout.write(table.to_csv(index=False))
"""


def test_two_processes_translating_at_once_get_one_translation_and_the_same_table(tmp_path):
    env = os.environ | {"HLSSIM_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in results]
    (out_a, _), (out_b, _) = results
    assert out_a == out_b and out_a.startswith("step,wellbeing_mean")
    files = {Path(err.strip().splitlines()[-1]) for _, err in results}
    assert len(files) == 1  # both use the one translation in the cache
    (py_file,) = files
    assert py_file.is_file() and (tmp_path / "cache") in py_file.parents
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".")]
    assert leftovers == []  # no half-made translation folders left behind
