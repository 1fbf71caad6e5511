"""Exact regression: small runs reproduce their stored tables bit for bit.

A failure means the model's output changed. If the change was intended, regenerate with
``tests/golden/make_golden.py`` and say so in the commit message; if not, it is a bug.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hlssim

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from make_golden import GOLDEN, HERE  # noqa: E402


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_table(name):
    scenario, seed = GOLDEN[name]
    expected = pd.read_csv(HERE / f"{name}.csv")
    actual = hlssim.run(scenario, seed=seed)
    assert list(actual.columns) == list(expected.columns)
    np.testing.assert_array_equal(actual.to_numpy(float), expected.to_numpy(float))
