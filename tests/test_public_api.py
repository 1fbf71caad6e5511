"""The public interface: exported names, metric names, parameter names."""

from __future__ import annotations

import types

import hlssim
from hlssim.model.parameters import PARAMETERS

PUBLIC_METRICS = (
    "wellbeing_mean wellbeing_p10 reported_indicator goodhart_gap indicator_outcome_corr gaming_share "
    "misreport_rate creamed_share motivation_mean stress_mean turnover_rate trust_commissioner_provider "
    "trust_manager_worker trust_worker_person knowledge_accuracy system_barriers failure_demand "
    "admin_time_share cost_total cost_per_wellbeing"
).split()

PUBLIC_PARAMETERS = (
    "complexity target_pressure pbr_share audit_rate retender_interval reflection_time stewardship "
    "knave_share peer_accountability n_people n_workers n_providers steps switch_step switch_to"
).split()


def test_all_is_exactly_the_public_names():
    """Everything public at top level is in __all__ (submodules aside), and nothing more."""
    exported = {name for name in dir(hlssim)
                if not name.startswith("_") and not isinstance(getattr(hlssim, name), types.ModuleType)}
    assert set(hlssim.__all__) - {"__version__"} == exported


def test_public_metric_names():
    assert tuple(PUBLIC_METRICS) == hlssim.PUBLIC_METRICS


def test_public_parameter_names():
    assert set(PUBLIC_PARAMETERS) <= set(PARAMETERS)


def test_table_shape(tiny):
    table = hlssim.run(tiny, seed=3)
    assert list(table.columns) == ["step", *hlssim.METRIC_NAMES]
    assert list(table["step"]) == list(range(1, tiny.steps + 1))
