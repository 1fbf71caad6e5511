"""Same bits on any machine: nothing on the path of a seeded result depends on CPU dispatch.

numpy picks its vectorised ``exp``, ``log``, ``power``... by the CPU's features (X86_V2, AVX2,
AVX-512 on x86-64; NEON, SVE on ARM), and those versions differ in the last bit. A seeded result
that passed through one of them would differ from machine to machine, and the golden tables made
on one CPU would fail on another. So the engines' tables and constants are computed with
:mod:`math` (or stored), and these tests guard it three ways:

- the ziggurat tables every normal draw is scaled by equal a :mod:`math` reference and a stored
  copy, to the bit (guards on every machine);
- no numpy transcendental is called in the modules a seeded run goes through (guards on every
  machine, by reading their source);
- the golden and determinism runs give the same bits in a fresh process that numpy restricts to
  the x86-64 baseline (``NPY_ENABLE_CPU_FEATURES="X86_V2"``) as in the default one (fails only on a
  CPU with AVX2 or AVX-512, where numpy would otherwise dispatch to other code: a guard for
  machines unlike the one it was written on).
"""

from __future__ import annotations

import ast
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hlssim
from hlssim.model import draws as D

ROOT = Path(hlssim.__file__).resolve().parent
HERE = Path(__file__).resolve().parent

#: The modules a seeded run of the agent model goes through, from scenario to table.
SEEDED_PATH = tuple(sorted(
    p.relative_to(ROOT).as_posix()
    for pattern in ("model/*.py", "engines/*.py", "engines/mesa/*.py", "engines/batch/*.py")
    for p in ROOT.glob(pattern)) + ["common/progress.py", "experiments/comparison.py"])
#: numpy functions whose result may depend on the CPU numpy dispatches to. (``sqrt``, ``+``,
#: ``*``, ``/`` are correctly rounded by IEEE 754 on every CPU and are allowed.)
DISPATCHED = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "power", "float_power",
              "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
              "arcsinh", "arccosh", "arctanh", "cbrt", "hypot", "logaddexp", "logaddexp2"}


def math_ziggurat():
    """The 256-layer ziggurat for exp(-x^2/2) (Marsaglia and Tsang 2000), one value at a time
    with :mod:`math`: the reference :func:`hlssim.model.draws.ziggurat_tables` must equal."""
    r, area = D._ZIGGURAT_R, D._ZIGGURAT_AREA
    edges = [area / math.exp(-0.5 * r * r), r]
    while len(edges) < 256:
        x = edges[-1]
        edges.append(math.sqrt(-2.0 * math.log(math.exp(-0.5 * x * x) + area / x)))
    edges.append(0.0)
    width = [e / 2.0 ** 52 for e in edges[:256]]
    inside = [math.floor(edges[k + 1] / edges[k] * 2.0 ** 52) for k in range(256)]
    height = [math.exp(-0.5 * e * e) for e in edges]
    return width, inside, height


def bits(values) -> list[str]:
    return [float(v).hex() for v in values]


def test_ziggurat_tables_equal_a_math_reference_to_the_bit():
    width, inside, height, r, inv_r = D.ZIGGURAT
    ref_width, ref_inside, ref_height = math_ziggurat()
    assert bits(width) == bits(ref_width)
    assert [int(v) for v in inside] == ref_inside
    assert bits(height) == bits(ref_height)
    assert inv_r == 1.0 / r


def test_ziggurat_tables_equal_the_stored_copy_to_the_bit():
    """The tables the golden tables were made with (``tests/golden/ziggurat_tables.json``): on a
    machine whose libm ``exp``/``log`` gave other bits, this says why the golden tables fail."""
    stored = json.loads((HERE / "golden" / "ziggurat_tables.json").read_text())
    width, inside, height, r, inv_r = D.ZIGGURAT
    assert bits(width) == stored["width"]
    assert [int(v) for v in inside] == stored["inside"]
    assert bits(height) == stored["height"]
    assert (r.hex(), inv_r.hex()) == (stored["r"], stored["inv_r"])


def dispatched_calls(path: Path) -> list[str]:
    """``np.<function>`` / ``numpy.<function>`` calls or references to a CPU-dispatched numpy
    function in a module's source, as 'file:line name'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in DISPATCHED
                and isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy")):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} np.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "numpy":
            found += [f"{path.relative_to(ROOT)}:{node.lineno} from numpy import {a.name}"
                      for a in node.names if a.name in DISPATCHED]
    return found


def test_no_numpy_transcendental_on_the_seeded_path():
    assert {"model/rules.py", "model/stream.py", "engines/batch/kernels.py"} <= set(SEEDED_PATH)
    found = [hit for name in SEEDED_PATH for hit in dispatched_calls(ROOT / name)]
    assert not found, ("CPU-dispatched numpy functions on the path of a seeded result (use math "
                       "one value at a time, or store the values): " + "; ".join(found))


def test_the_source_scan_finds_a_dispatched_call(tmp_path):
    """The scan above is not blind: it finds np.exp and a from-import in a module."""
    module = tmp_path / "m.py"
    module.write_text("import numpy as np\nfrom numpy import log1p\ny = np.exp(2.0)\n")
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        assert dispatched_calls(module) == ["m.py:2 from numpy import log1p", "m.py:3 np.exp"]
    finally:
        ROOT = root


#: Run in a fresh process: a digest of every golden table, both engines, run_many's replications
#: and a month's raw draws, so a difference in any last bit changes it.
DIGEST_SCRIPT = """
import hashlib, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from make_golden import GOLDEN
import hlssim
from hlssim import Scenario, draws
h = hashlib.sha256()
for name in sorted(GOLDEN):
    scenario, seed = GOLDEN[name]
    h.update(hlssim.run(scenario, seed=seed).to_numpy(float).tobytes())
s = Scenario.from_preset("npm_pbr", n_people=40, n_workers=4, n_providers=2, steps=12,
                         complexity=0.9, knave_share=0.3, retender_interval=4)
h.update(hlssim.run(s, seed=7, engine="mesa").to_numpy(float).tobytes())
h.update(hlssim.run_many(s, seeds=[1, 2, 3], threads=1).to_numpy(float).tobytes())
h.update(draws.step_draws(draws.stream_state(draws.make_rng(5)), 4000, 40, 4).shock.tobytes())
print(h.hexdigest())
"""


def digest_in_fresh_process(**env: str) -> str:
    done = subprocess.run([sys.executable, "-c", DIGEST_SCRIPT, str(HERE / "golden")],
                          env=os.environ | env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


X86_64 = platform.machine().lower() in ("x86_64", "amd64")
#: numpy 2.4 groups its x86-64 features (X86_V2 is the baseline); older numpy names each one.
GROUPED = np.lib.NumpyVersion(np.__version__) >= "2.4.0"
BASELINE_ONLY = "X86_V2" if GROUPED else "SSE SSE2 SSE3 SSSE3 SSE41 POPCNT SSE42"
#: What numpy may dispatch to beyond the baseline (reported False once disabled).
BEYOND_BASELINE = ("X86_V3", "X86_V4") if GROUPED else ("AVX2", "AVX512F", "AVX512_SKX")


@pytest.mark.skipif(not X86_64, reason="NPY_ENABLE_CPU_FEATURES names x86-64 features here")
def test_same_bits_when_numpy_is_held_to_the_x86_64_baseline():
    default = digest_in_fresh_process()
    baseline = digest_in_fresh_process(NPY_ENABLE_CPU_FEATURES=BASELINE_ONLY)
    assert baseline == default, (
        "a seeded result differs when numpy may not use AVX2/AVX-512: something on its path "
        "depends on numpy's CPU dispatch")


@pytest.mark.skipif(not X86_64, reason="x86-64 only")
def test_numpy_dispatch_is_really_restricted_in_the_fresh_process():
    """The variable the test above sets is honoured by this numpy (else that test would pass
    without testing anything): under it, numpy enables no AVX2 or AVX-512 feature. On a CPU
    without them the test above compares a run with itself, and says nothing."""
    script = ("import numpy as np\n"
              "try:\n    from numpy._core._multiarray_umath import __cpu_features__ as f\n"
              "except ImportError:\n    from numpy.core._multiarray_umath import __cpu_features__ as f\n"
              f"print(sorted(k for k in {BEYOND_BASELINE!r} if f.get(k)))")
    done = subprocess.run([sys.executable, "-c", script],
                          env=os.environ | {"NPY_ENABLE_CPU_FEATURES": BASELINE_ONLY},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_no_integer_power_in_the_rules():
    """``x ** 2`` in Python calls the C library's pow, which is not always correctly rounded,
    while numba multiplies: the engines then part in the last bit (found by a hypothesis case in
    tests/test_batch.py, threshold_weight). The rules square by multiplying."""
    import re
    from pathlib import Path

    import hlssim.model.rules as rules
    code = "\n".join(line.split("#")[0] for line in Path(rules.__file__).read_text().splitlines())
    code = re.sub(r'"""[\s\S]*?"""', "", code)
    assert not re.findall(r"\*\*\s*\(?\s*\d+(?:\.0)?\b(?!\.\d)", code)
