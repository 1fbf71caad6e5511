"""The canonical experiment specs (experiments/*.toml) and the metric they add (bunching).

Every canonical spec must be valid, expand to valid scenarios, have a smoke version small enough
for CI, and ask only for metrics that exist; the bunching metrics must show reported figures
piling up just past the outcome line under target gaming, and true wellbeing not doing so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hlssim import Scenario, run_many
from hlssim.experiments import expand, load_spec
from hlssim.model.metrics import _bunching

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "experiments").glob("*.toml"))
#: Most person-months a smoke version may simulate: a few seconds with the batch engine (about
#: 3 million person-months a second). Specs with expectations need quick forms big enough that
#: every verdict is the same under ten root seeds (experiments/README.md): knaves is the largest.
SMOKE_WORK = 8_000_000


def _work(design) -> int:
    """Person-months a design simulates: what a sweep of it costs, roughly."""
    return sum(design.scenarios[r.point].n_people * design.scenarios[r.point].steps for r in design.runs)


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_canonical_spec_is_valid_described_and_has_a_small_smoke_version(path):
    spec = load_spec(path)
    smoke = load_spec(path, smoke=True)
    assert spec.description and spec.name == path.stem
    design, small = expand(spec), expand(smoke)
    assert len(design.runs) == spec.n_runs() <= 10_000
    assert smoke.is_smoke and _work(small) < _work(design) and _work(small) <= SMOKE_WORK
    readme = (ROOT / "experiments" / "README.md").read_text(encoding="utf-8")
    assert f"`{path.name}`" in readme, f"experiments/README.md does not describe {path.name}"


def test_bunching_is_one_for_a_smooth_spread_and_counts_a_pile_past_the_line():
    line = 0.55
    flat = np.linspace(0.0, 1.0, 100_001)[None, :]
    assert _bunching(flat, line)[0] == pytest.approx(1.0, abs=1e-3)
    ramp = np.sqrt(np.linspace(0.0, 1.0, 200_001))[None, :]  # density rising linearly
    assert _bunching(ramp, line)[0] == pytest.approx(1.0, abs=1e-2)
    piled = np.concatenate([flat, np.full((1, 50_000), line + 0.01)], axis=1)
    assert _bunching(piled, line)[0] == pytest.approx((5_000 + 50_000 + 1) / (5_000 + 1), rel=1e-3)
    assert _bunching(np.full((2, 10), 0.1), line).tolist() == [1.0, 1.0]  # nothing near the line


def _bunching_by_replication(**flags):
    s = Scenario.from_preset("npm_targets", complexity=0.5, target_pressure=1.0, audit_rate=0.0,
                             n_people=200, n_workers=10, n_providers=2, steps=36, **flags)
    table = run_many(s, list(range(10)))
    last = table[table["step"] > 24].groupby("replication")
    return last["bunching_reported"].mean().to_numpy(), last["bunching_true"].mean().to_numpy()


def test_reported_values_bunch_past_the_line_under_gaming_true_wellbeing_does_not():
    reported_on, true_on = _bunching_by_replication()
    reported_off, true_off = _bunching_by_replication(mech_gaming_threshold=False,
                                                      mech_gaming_misreport=False)
    # gaming on: reported figures pile up just past the line, clearly (10 replications each)
    assert reported_on.mean() > reported_off.mean() + 0.3
    assert stats.ttest_ind(reported_on, reported_off, equal_var=False).pvalue < 1e-4
    # true wellbeing does not bunch: no clear difference, and well below the reported pile
    assert abs(true_on.mean() - true_off.mean()) < 0.2
    assert true_on.mean() < reported_on.mean() - 0.3
