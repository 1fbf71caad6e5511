"""The fairness rule (MODEL.md): at complexity 0, HLS minus NPM on final-year wellbeing over 20
seed-paired replications, and how far each complexity-independent setting moves that gap when NPM
is given HLS's value of it, one at a time (docs/ODD.md, "Advantages that do not depend on
complexity"). Run: ``python docs/examples/fairness_at_complexity_zero.py``.
"""

from __future__ import annotations

import numpy as np

import hlssim
from hlssim import Scenario

SEEDS = [np.random.SeedSequence(0, spawn_key=(r,)) for r in range(20)]
SETTINGS = (("indicators", "reports_per_year"), ("audit_rate",), ("retender_interval",),
            ("reflection_time",), ("collaboration_time",), ("stewardship",), ("alliance",))


def final_wellbeing(preset: str, **overrides) -> np.ndarray:
    """Each replication's final-year mean wellbeing at complexity 0."""
    table = hlssim.run_many(Scenario.from_preset(preset, complexity=0.0, **overrides), SEEDS)
    return table.groupby("replication")["wellbeing_mean"].apply(
        lambda x: x.iloc[-12:].mean()).to_numpy()


def main() -> None:
    hls = final_wellbeing("hls")
    values = Scenario.from_preset("hls")
    gap = (hls - final_wellbeing("npm_targets")).mean()
    print(f"complexity 0: HLS - NPM {gap:+.3f}")
    for keys in SETTINGS:
        moved = (hls - final_wellbeing("npm_targets", **{k: values[k] for k in keys})).mean()
        print(f"NPM with HLS's {' + '.join(keys)}: gap {moved:+.3f} "
              f"(the setting's advantage to HLS {gap - moved:+.3f})")


if __name__ == "__main__":
    main()
