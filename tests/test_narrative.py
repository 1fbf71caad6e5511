"""The plain-English summaries follow the numbers: contrasting inputs give contrasting words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hlssim import Scenario
from hlssim.experiments.comparison import compare, difference
from hlssim.model.metrics import METRIC_NAMES
from hlssim.ui.narrative import compare_story, contrast, switch_shape, switch_story

LABELS = {"a": "Targets", "b": "Learning"}
BASE = {m: 0.5 for m in METRIC_NAMES} | {
    "gaming_share": 0.0, "creamed_share": 0.0, "misreport_rate": 0.0, "goodhart_gap": 0.0,
    "cost_total": 10.0, "cost_per_wellbeing": 0.4, "turnover_rate": 0.01,
}


def finals(a: dict | None = None, b: dict | None = None, spread: float = 0.01,
           n: int = 4) -> pd.DataFrame:
    """Final values of ``n`` runs per regime: the given means (else BASE) plus a fixed spread."""
    rows = []
    for regime, means in (("a", a or {}), ("b", b or {})):
        for rep, offset in enumerate(np.linspace(-1, 1, n)):
            rows.append({"regime": regime, "rep": rep}
                        | {m: (BASE | means)[m] + spread * offset for m in METRIC_NAMES})
    return pd.DataFrame(rows)


def story(a=None, b=None, **kwargs) -> str:
    return "\n".join(compare_story(finals(a, b, **kwargs), "a", "b", LABELS, years=10))


def test_contrast_uses_the_welch_interval_of_compare():
    data = finals({"wellbeing_mean": 0.4}, {"wellbeing_mean": 0.6}, spread=0.05)
    c = contrast(data, "wellbeing_mean", "a", "b")
    assert (c.diff, c.low, c.high) == pytest.approx(difference(data, "wellbeing_mean", "b", "a"))
    assert c.clear and c.higher == "b" and c.n == 4


def test_the_winner_on_wellbeing_is_named_with_the_numbers():
    text = story({"wellbeing_mean": 0.40, "wellbeing_p10": 0.20},
                 {"wellbeing_mean": 0.60, "wellbeing_p10": 0.35})
    headline = text.splitlines()[0]
    assert headline.startswith("**Learning** ended ahead, both on average wellbeing and for the")
    assert "averaged 0.40 under **Targets** and 0.60 under **Learning**" in text
    assert "0.20 higher (50% higher" in text
    assert "larger than the run-to-run noise" in text


def test_a_reversed_result_gives_the_reversed_words():
    text = story({"wellbeing_mean": 0.60, "wellbeing_p10": 0.35},
                 {"wellbeing_mean": 0.40, "wellbeing_p10": 0.20})
    assert text.splitlines()[0].startswith("**Targets** ended ahead")
    assert "0.20 lower (33% lower" in text


def test_a_difference_within_the_noise_is_called_so():
    text = story({"wellbeing_mean": 0.50}, {"wellbeing_mean": 0.51}, spread=0.1)
    assert text.splitlines()[0] == "Neither regime ended clearly ahead on wellbeing in these runs."
    assert "within the run-to-run noise" in text
    assert "more runs than 4 would narrow it" in text


def test_average_and_worst_off_can_disagree():
    text = story({"wellbeing_mean": 0.45, "wellbeing_p10": 0.30},
                 {"wellbeing_mean": 0.55, "wellbeing_p10": 0.15})
    assert text.splitlines()[0] == ("**Learning** ended ahead on average wellbeing, but "
                                    "**Targets** did better for the worst-off.")
    assert "left the worst-off further behind" in text


def test_goodhart_reported_figures_pointing_the_wrong_way():
    text = story({"wellbeing_mean": 0.40, "reported_indicator": 0.70, "goodhart_gap": 0.35},
                 {"wellbeing_mean": 0.60, "reported_indicator": 0.50, "goodhart_gap": 0.0})
    assert "70% of people were reported over the outcome line under **Targets**" in text
    assert "in truth 35% and 50% were over it" in text
    assert "overstated it by 35 percentage points under **Targets**" in text
    assert "matched the truth under **Learning**" in text
    assert "**The reported figures pointed the wrong way:**" in text


def test_goodhart_reported_figures_agreeing_with_the_truth():
    text = story({"wellbeing_mean": 0.40, "reported_indicator": 0.30},
                 {"wellbeing_mean": 0.60, "reported_indicator": 0.60})
    assert "pointed the same way as true wellbeing" in text
    assert "wrong way" not in text


def test_gaming_is_reported_only_when_there_is_some():
    assert "Neither regime saw measurable gaming" in story()
    text = story({"gaming_share": 0.30, "creamed_share": 0.12, "misreport_rate": 0.2})
    assert "took 30% of workers' effort under **Targets** and 0% under **Learning**" in text
    assert "under 1% under **Learning**" in story({"gaming_share": 0.2}, {"gaming_share": 0.003},
                                                   spread=0.001)
    assert "Parking cut" in text and "12%" in text
    assert "misreports that audits did not catch" in text


def test_trust_everywhere_or_in_part():
    trust = {"trust_commissioner_provider": 0.8, "trust_manager_worker": 0.8,
             "trust_worker_person": 0.8}
    assert "clearly higher under **Learning** at all three levels" in story(None, trust)
    text = story({"trust_worker_person": 0.9}, {"trust_commissioner_provider": 0.9})
    assert ("clearly higher between the commissioner and providers under **Learning** and "
            "between workers and the people they support under **Targets**") in text
    assert "At no level was the difference clear" in story()


def test_costs_and_mechanisms_follow_the_numbers():
    text = story({"cost_total": 17.1, "cost_per_wellbeing": 0.5, "admin_time_share": 0.15,
                  "knowledge_accuracy": 0.6, "system_barriers": 1.0},
                 {"cost_total": 16.0, "cost_per_wellbeing": 0.3, "admin_time_share": 0.04,
                  "knowledge_accuracy": 0.9, "system_barriers": 0.2})
    assert "£17.1k a month under **Targets** and £16.0k" in text
    assert "£500 and £300" in text
    assert "**Learning** was clearly cheaper" in text
    assert "15% of worker time under **Targets** and 4%" in text
    assert "workers knew what helps for 60% of people under **Targets** against 90%" in text
    assert "barriers stood at 100% of their strength" in text
    assert "None of the mechanisms" in story()


def test_trajectories_add_what_happened_over_time():
    steps = np.arange(1, 25)
    rows = []
    for regime, start, end in (("a", 0.5, 0.3), ("b", 0.5, 0.7)):
        for rep in range(2):
            for step, value in zip(steps, np.linspace(start, end, len(steps))):
                rows.append({"regime": regime, "rep": rep, "step": step}
                            | {m: value for m in METRIC_NAMES})
    trajectories = pd.DataFrame(rows)
    text = "\n".join(compare_story(finals({"wellbeing_mean": 0.3}, {"wellbeing_mean": 0.7}),
                                   "a", "b", LABELS, 2, trajectories))
    assert "it fell from 0.50 to 0.30 under **Targets** and rose from 0.50 to 0.70" in text


def test_one_run_each_says_the_noise_is_unknown():
    text = story({"wellbeing_mean": 0.4}, {"wellbeing_mean": 0.6}, n=1)
    assert "the size of the run-to-run noise is unknown" in text


def test_a_real_comparison_reads_the_same_numbers_as_its_tables():
    world = {"n_people": 40, "n_workers": 4, "n_providers": 2, "steps": 24, "complexity": 0.8}
    result = compare({"a": Scenario.from_preset("npm_targets", **world),
                      "b": Scenario.from_preset("hls", **world)}, reps=2, seed=1)
    text = "\n".join(compare_story(result.finals, "a", "b", LABELS, 2, result.trajectories))
    mean_a = result.finals.loc[result.finals["regime"] == "a", "wellbeing_mean"].mean()
    assert f"{mean_a:.2f} under **Targets**" in text


# --- switches -----------------------------------------------------------------------------------

def path_frame(paths: dict[str, np.ndarray], reps: int = 3, noise: float = 0.0) -> pd.DataFrame:
    """Trajectories whose every metric follows the given path (plus a small rep offset)."""
    rows = []
    for regime, path in paths.items():
        for rep in range(reps):
            for step, value in enumerate(path, start=1):
                rows.append({"regime": regime, "rep": rep, "step": step}
                            | {m: value + noise * (rep - 1) for m in METRIC_NAMES})
    return pd.DataFrame(rows)


def dip_then_gain(steps=120, switch=48, low=0.35, start=0.45, end=0.65, bottom=10):
    """Flat at ``start``, falls to ``low`` ``bottom`` months after the switch, then climbs."""
    path = np.full(steps, start)
    down = np.linspace(start, low, bottom + 1)
    up = np.linspace(low, end, steps - switch - bottom)
    path[switch - 1:switch + bottom] = down
    path[switch + bottom:] = up
    return path


def test_switch_shape_finds_the_dip_and_the_recovery():
    path = pd.Series(dip_then_gain(), index=np.arange(1, 121))
    shape = switch_shape(path, 48, lasting=6)
    assert shape.dipped and shape.low == pytest.approx(0.35) and shape.low_step == 58
    first_back = int(path[(path.index > 58) & (path >= 0.45)].index.min())
    assert shape.recovered_step == first_back
    assert shape.end == pytest.approx(path.iloc[-12:].mean())


def test_switch_story_slow_start_then_gain():
    switched = dip_then_gain()
    data = path_frame({"stay": np.full(120, 0.45), "switch": switched,
                       "new": np.full(120, 0.70)}, noise=0.002)
    from hlssim.experiments.comparison import final_values
    text = "\n".join(switch_story(data, final_values(data), "stay", "switch", 48, "new",
                                  {"stay": "Targets throughout", "switch": "Switch",
                                   "new": "Learning throughout"}, smooth=1))
    assert "stood at 0.45" in text
    assert "first fell, to 0.35 at its lowest (10 months after the switch)" in text
    assert "a slow, painful start" in text
    assert "Switching clearly paid off" in text
    behind = 0.70 - switched[-12:].mean()
    assert f"still {behind:.2f} behind **Learning throughout**" in text
    assert "where it started from still shows" in text
    assert "It was back above its pre-switch level for good 32 months after the switch" in text
    assert "trust between the commissioner and providers fell from 0.45 to 0.3" in text


def test_switch_story_collapse_without_recovery():
    path = np.concatenate([np.full(48, 0.6), np.linspace(0.6, 0.4, 72)])
    data = path_frame({"stay": np.full(120, 0.6), "switch": path, "new": np.full(120, 0.4)},
                      noise=0.002)
    from hlssim.experiments.comparison import final_values
    text = "\n".join(switch_story(data, final_values(data), "stay", "switch", 48, "new",
                                  smooth=1))
    assert "had not got back to its pre-switch level by the end of the run, 6 years later" in text
    assert "Switching clearly left people worse off" in text
    assert "collapsed" not in text  # a fall of 0.03 in the first year is a fall, not a collapse
    fast = np.concatenate([np.full(48, 0.6), np.full(72, 0.3)])
    data = path_frame({"stay": np.full(120, 0.6), "switch": fast}, noise=0.002)
    text = "\n".join(switch_story(data, final_values(data), "stay", "switch", 48, smooth=1))
    assert "collapsed from 0.60 to 0.30" in text


def test_switch_story_gain_without_dip():
    path = np.concatenate([np.full(48, 0.4), np.linspace(0.4, 0.6, 72)])
    data = path_frame({"stay": np.full(120, 0.4), "switch": path}, noise=0.002)
    from hlssim.experiments.comparison import final_values
    text = "\n".join(switch_story(data, final_values(data), "stay", "switch", 48, smooth=1))
    assert "never fell below that level" in text and "with no dip" in text
    assert "slow, painful start" not in text
