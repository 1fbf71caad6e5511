"""Regenerate the golden tables: run only when a model change is intended, and say so in the commit.

    .venv/bin/python tests/golden/make_golden.py
"""

from __future__ import annotations

from pathlib import Path

import hlssim
from hlssim import Scenario

HERE = Path(__file__).resolve().parent

GOLDEN = {
    "npm_to_hls_small": (Scenario.from_preset("npm_targets", complexity=0.7, n_people=60, n_workers=6,
                                              n_providers=3, steps=30, switch_step=15, switch_to="hls",
                                              retender_interval=6, target_ratchet=0.5), 3),
    "npm_pbr_small": (Scenario.from_preset("npm_pbr", complexity=0.4, n_people=50, n_workers=5,
                                           n_providers=2, steps=20, knave_share=0.3), 11),
}


def main() -> None:
    for name, (scenario, seed) in GOLDEN.items():
        table = hlssim.run(scenario, seed=seed)
        table.to_csv(HERE / f"{name}.csv", index=False, float_format="%.17g")
        print(f"wrote {name}.csv")


if __name__ == "__main__":
    main()
