"""Outputs in words, for titles and tables: a module of its own so that the analysis (PRIM and
regions figures) and the report can both use it without importing each other."""

from __future__ import annotations

from hlssim.model.metrics import METRICS

_METRICS = {m.name: m for m in METRICS}


def describe_output(name: str, own_model: bool = False) -> str:
    """``wellbeing_mean:mean_last_12`` -> ``True wellbeing (mean), mean over the last 12 months``.

    ``own_model``: the output of a user's stock-flow model, whose table rows are its saved times
    (``Recovered:final`` -> ``Recovered, at the final saved time``)."""
    metric, _, stat = name.partition(":")
    label = _METRICS[metric].label if metric in _METRICS and not own_model else metric
    unit = "saved time" if own_model else "month"
    if stat == "final":
        how = f"at the final {unit}" if own_model else "in the last month"
    elif stat == "mean":
        how = f"mean over every {unit}"
    elif stat.startswith("mean_last_"):
        how = f"mean over the last {stat.removeprefix('mean_last_')} {unit}s"
    elif stat.startswith("at_"):
        how = f"at {unit} {stat.removeprefix('at_')}"
    else:
        how = stat
    return f"{label}, {how}"
