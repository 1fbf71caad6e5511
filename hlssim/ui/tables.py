"""The explorer's tables and downloads, in plain words beside the code names.

- :func:`final_table`: each measure's final-year mean [95% interval] under each regime and their
  difference (a measure the same in every run, set by the regime's settings, is shown so, with no
  interval), printed in the measure's own unit (money as £, not "£k 0.319"), with intervals
  kept within the measure's range and "clearly" only where the interval excludes zero.
- :func:`runs_csv` and :func:`summary_csv`: the downloads. Each column is headed by its plain
  name with the model's code name in brackets, so a spreadsheet reads without a glossary and a
  script can still find its columns; regimes carry their plain label beside their key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hlssim.experiments.comparison import Comparison
from hlssim.model.metrics import METRICS
from hlssim.ui.wording import bound, contrast, money, num

#: Metric labels, for tables and charts.
METRIC_LABELS: Mapping[str, str] = {m.name: m.label for m in METRICS}
BOUNDS: Mapping[str, tuple[float, float | None]] = {m.name: (m.low, m.high) for m in METRICS}
#: Measures in £k, printed as money.
MONEY: frozenset[str] = frozenset({"cost_total", "cost_per_wellbeing"})


def value_text(metric: str, x: float) -> str:
    """One value in the measure's unit: '£319' for money (given in £k), else two decimals."""
    return money(x) if metric in MONEY else num(x)


def clip(metric: str, x: float) -> float:
    """``x`` within the measure's declared range (an interval's end outside it means nothing)."""
    low, high = BOUNDS.get(metric, (None, None))
    if low is not None and np.isfinite(x):
        x = max(x, low)
    if high is not None and np.isfinite(x):
        x = min(x, high)
    return x


def final_table(comparison: Comparison, first: str, second: str, labels: Mapping[str, str],
                metrics: Sequence[str]) -> pd.DataFrame:
    """Final-year mean [95% interval] per regime and their difference, one row per metric."""
    name_a, name_b = labels.get(first, first), labels.get(second, second)
    summary = comparison.summary.set_index(["regime", "metric"])
    rows = []
    for metric in metrics:
        row = {"measure": METRIC_LABELS.get(metric, metric)}
        fixed = []
        for regime, label in ((first, name_a), (second, name_b)):
            s = summary.loc[(regime, metric)]
            if bool(s.get("fixed", False)):  # the same in every run: set by the settings
                fixed.append(label)
                row[label] = f"{value_text(metric, s['mean'])} (set by its settings)"
                continue
            row[label] = (f"{value_text(metric, s['mean'])} [{value_text(metric, clip(metric, s['ci_low']))}"
                          f", {value_text(metric, clip(metric, s['ci_high']))}]")
        c = contrast(comparison.finals, metric, first, second)
        if len(fixed) == 2:
            row[f"{name_b} minus {name_a}"] = (f"{'+' if c.diff >= 0 else '-'}"
                                               f"{value_text(metric, abs(c.diff))}")
            row["clear of the noise?"] = "set by the regimes' settings, not a result"
            rows.append(row)
            continue
        if metric in MONEY:
            diff = f"{'+' if c.diff >= 0 else '-'}{money(abs(c.diff))}"
            span = f"[{money(c.low)}, {money(c.high)}]" if np.isfinite(c.low) else ""
        else:
            diff = bound(c.diff, c.clear)
            span = f"[{bound(c.low, c.clear)}, {bound(c.high, c.clear)}]" if np.isfinite(c.low) else ""
        row[f"{name_b} minus {name_a}"] = f"{diff} {span}".strip()
        row["clear of the noise?"] = "yes" if c.clear else "no"
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")


def plain_header(code: str) -> str:
    """'True wellbeing (mean) [wellbeing_mean]' for a metric; other columns in words."""
    words = {"regime": "Regime [regime]", "rep": "Run [rep]", "step": "Month [step]",
             "metric": "Measure code [metric]", "mean": "Mean [mean]",
             "ci_low": "95% interval low [ci_low]", "ci_high": "95% interval high [ci_high]",
             "n": "Runs [n]", "fixed": "Same in every run, set by the settings [fixed]", "regime_label": "Regime in words [regime_label]",
             "measure": "Measure [measure]"}
    if code in METRIC_LABELS:
        return f"{METRIC_LABELS[code]} [{code}]"
    return words.get(code, code)


def runs_csv(trajectories: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """Every run, month by month, with plain headers and the regimes' plain labels."""
    table = trajectories.copy()
    table.insert(1, "regime_label", table["regime"].map(lambda r: labels.get(r, r)))
    return table.rename(columns=plain_header).to_csv(index=False)


def summary_csv(summary: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """The final-year summary with plain headers; intervals kept within each measure's range."""
    table = summary.copy()
    table.insert(1, "regime_label", table["regime"].map(lambda r: labels.get(r, r)))
    table.insert(2, "measure", table["metric"].map(lambda m: METRIC_LABELS.get(m, m)))
    for end in ("ci_low", "ci_high"):
        table[end] = [clip(m, x) for m, x in zip(table["metric"], table[end])]
    return table.rename(columns=plain_header).to_csv(index=False)
