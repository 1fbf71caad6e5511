"""Our PRIM against EMA Workbench's (``ema_workbench.analysis.prim``, the reference
implementation scenario discovery users know): the same peeling trajectory, step by step, on
known cases; the chosen box follows the stated coverage/density rule."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hlssim.experiments.analysis.prim import MIN_COVERAGE, PrimBox, choose_box, prim


def cases():
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.random(600), "b": rng.random(600), "c": rng.random(600)})
    yield "box", x, ((x.a < 0.4) & (x.b > 0.5)).to_numpy()
    noisy = ((x.a > 0.6) | (x.c < 0.2)) & (rng.random(600) < 0.85)
    yield "noisy union", x, noisy.to_numpy()
    grid = pd.DataFrame({"a": np.repeat(np.linspace(0, 1, 11), 11),
                         "b": np.tile(np.linspace(0, 1, 11), 11)})  # tied values
    yield "grid", grid, ((grid.a >= 0.7) & (grid.b <= 0.3)).to_numpy()


@pytest.mark.parametrize("name,x,y", list(cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_peeling_trajectory_equals_ema_workbench(name, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ema = pytest.importorskip("ema_workbench.analysis.prim")
    theirs = ema.Prim(x, y.astype(int), threshold=0.5, peel_alpha=0.05, mass_min=0.05)
    box = theirs.find_box()
    ref = box.peeling_trajectory
    mine = prim(x, y).trajectory()
    # ema_workbench pastes after peeling, adding rows of growing mass: compare the peeling part
    peeled = ref.iloc[:len(mine)]
    assert len(mine) >= 5 and len(ref) >= len(mine)
    for column in ("coverage", "density", "mass", "res_dim"):
        np.testing.assert_allclose(mine[column].to_numpy(), peeled[column].to_numpy(), atol=1e-12,
                                   err_msg=f"{name}: {column}")
    assert (ref["mass"].iloc[len(mine):].to_numpy() >= mine["mass"].iloc[-1]).all()


def _box(step, coverage, density):
    return PrimBox(step, {}, (), coverage, density, 0.5, 10)


def test_the_chosen_box_is_the_densest_with_enough_coverage():
    boxes = [_box(0, 1.0, 0.2), _box(1, 0.9, 0.5), _box(2, 0.6, 0.8), _box(3, 0.5, 0.8),
             _box(4, 0.3, 1.0)]
    assert choose_box(boxes).step == 3  # 0.8 is the best density at coverage >= 0.5; later wins
    assert choose_box(boxes, 0.95).step == 0 and choose_box(boxes, 0.2).step == 4
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(500), "b": rng.random(500)})
    y = ((x.a < 0.5) & (rng.random(500) < 0.9)) | ((x.a > 0.9) & (x.b > 0.9))
    result = prim(x, y.to_numpy())
    t = result.trajectory()
    ok = t[t["coverage"] >= MIN_COVERAGE]
    assert result.chosen.density == ok["density"].max() and result.chosen.coverage >= MIN_COVERAGE
    assert t["chosen"].sum() == 1 and result.chosen.limits["a"][1] < 0.6  # the dense half
