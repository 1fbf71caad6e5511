"""Invariants over random valid scenarios (hypothesis): bounded shares, no NaN, conservation."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlssim
from hlssim import METRICS, PARAMETERS, Scenario
from hlssim.engines.mesa.agents import Person, Worker
from hlssim.engines.mesa.model import CommissioningModel

REGIME_KEYS = ["target_pressure", "pbr_share", "audit_rate", "stewardship", "standardisation",
               "coproduction", "alliance", "knave_share", "peer_accountability", "target_level",
               "target_ratchet", "complexity"]
SWITCHES = [name for name, p in PARAMETERS.items() if p.group == "mechanism"]


@st.composite
def scenarios(draw):
    values = {k: draw(st.floats(0.0, 1.0)) for k in REGIME_KEYS}
    values["reflection_time"] = draw(st.floats(0.0, 0.3))
    values["collaboration_time"] = draw(st.floats(0.0, 0.2))
    values["indicators"] = draw(st.floats(0.0, 12.0))  # with the rest, leaves time for direct work
    values["reports_per_year"] = draw(st.floats(0.0, 12.0))
    n_providers = draw(st.integers(1, 4))
    n_workers = draw(st.integers(n_providers, 8))
    values.update(
        n_providers=n_providers,
        n_workers=n_workers,
        n_people=draw(st.integers(max(10, n_workers), 60)),
        steps=draw(st.integers(1, 14)),
        retender_interval=draw(st.sampled_from([0, 3, 12])),
        n_approaches=draw(st.integers(2, 6)),
    )
    for name in SWITCHES:
        values[name] = draw(st.booleans())
    if draw(st.booleans()):
        values["switch_step"] = draw(st.integers(1, 14))
        values["switch_to"] = draw(st.sampled_from(["npm_targets", "npm_pbr", "hls", "alliance"]))
    return Scenario(values)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_metrics_bounded_and_finite(scenario, seed):
    table = hlssim.run(scenario, seed=seed)
    assert len(table) == scenario.steps
    assert not table.isna().any().any()
    assert np.isfinite(table.to_numpy(float)).all()
    for m in METRICS:
        col = table[m.name]
        assert (col >= m.low - 1e-12).all(), m.name
        if m.high is not None:
            assert (col <= m.high + 1e-12).all(), m.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_counts_conserved_and_states_bounded(scenario, seed):
    model = CommissioningModel(scenario, seed=seed)
    for _ in range(scenario.steps):
        model.step()
        assert len(model.agents_by_type[Person]) == scenario.n_people
        assert len(model.agents_by_type[Worker]) == scenario.n_workers
        on_caseloads = [p.idx for w in model.workers for p in w.caseload]
        assert sorted(on_caseloads) == list(range(scenario.n_people))
        assert all(p.worker is w for w in model.workers for p in w.caseload)
        assert sum(len(p.workers) for p in model.providers) == scenario.n_workers
        for w in model.workers:
            assert 0.0 <= w.motivation <= 1.0 and 0.0 <= w.stress <= 1.0 and 0.0 <= w.trust_mw <= 1.0
            shares = w.admin + w.direct
            assert 0.0 <= w.direct <= 1.0 and shares <= 1.0 + 1e-12
        for p in model.people:
            assert all(0.0 <= f <= 1.0 for f in p.factors)
            assert 0.0 <= p.trust_wp <= 1.0 and p.failure_demand >= 0.0
            assert 0 <= p.need < scenario.n_approaches
