"""The batched stock-flow integrator (hlssim/stockflow/integrator.py) gives PySD's output, many sets at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlssim import Scenario
from hlssim.errors import HlssimError, ScenarioError
from hlssim.stockflow.user_model import ExternalModel
from hlssim.model.parameters import PARAMETERS, PRESET_NAMES
from hlssim.stockflow.commissioning import run_sd
from hlssim.stockflow.integrator import BatchedSD, run_sd_many

SHARED = Path(__file__).parent / "sd_test_models"  # public PySD test models (see its README)


def random_scenarios(n: int, seed: int) -> list[Scenario]:
    """Random valid scenarios over every shared parameter, some with a mid-run regime switch."""
    rng = np.random.default_rng(seed)
    model = BatchedSD()
    out = []
    while len(out) < n:
        values = {}
        for name in sorted(set(PARAMETERS) & set(model.constants)):
            p = PARAMETERS[name]
            if p.kind is bool:
                values[name] = bool(rng.random() < 0.8)
            elif name == "n_people":
                values[name] = int(rng.integers(20, 3000))
            elif name == "n_workers":
                values[name] = int(rng.integers(2, 15))
            elif p.kind is int:
                values[name] = int(rng.integers(p.low, min(p.high, 60) + 1))
            else:
                values[name] = float(rng.uniform(p.low, p.high))
        if rng.random() < 0.4:
            values |= {"switch_step": int(rng.integers(1, 50)),
                       "switch_to": str(rng.choice(PRESET_NAMES))}
        try:
            out.append(Scenario.from_preset("hls", steps=48, n_providers=1, **values))
        except ScenarioError:
            continue
    return out


def test_the_batched_path_matches_pysd_on_random_parameter_sets():
    scenarios = random_scenarios(12, seed=7)
    extra = ("staff", "unmet_need", "failure_demand_people", "public_trust")
    many = run_sd_many(scenarios, extra=extra, sd_params={"political_response": 0.7})
    for i, s in enumerate(scenarios):
        one = run_sd(s, extra=extra, sd_params={"political_response": 0.7})
        got = many[many["run"] == i].drop(columns="run").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one, rtol=0, atol=1e-9)


def test_other_models_match_pysd_and_names_may_have_spaces():
    for path in (f"{SHARED}/teacup/teacup.mdl", f"{SHARED}/SIR/SIR.mdl"):
        batched = BatchedSD(path)
        reference = ExternalModel(path)
        out = batched.run({})
        table = reference.run({})
        for name, values in out.items():
            assert np.allclose(values[0], table[batched.model_name[name]], rtol=0, atol=1e-9), name
    teacup = BatchedSD(f"{SHARED}/teacup/teacup.mdl")
    runs = teacup.run({"Characteristic Time": [5, 10, 20]}, columns=["Teacup Temperature"],
                      return_timestamps=[0, 10, 30])
    temps = runs["teacup_temperature"]
    assert temps.shape == (3, 3) and (temps[:, 0] == 180).all()
    assert temps[0, 1] < temps[1, 1] < temps[2, 1]  # a shorter time constant cools faster
    single = teacup.run({"characteristic_time": 20}, columns=["teacup_temperature"],
                        return_timestamps=[0, 10, 30])
    assert np.array_equal(single["teacup_temperature"][0], temps[2])


def test_what_it_cannot_do_is_one_clear_error():
    with pytest.raises(HlssimError, match="lookup table"):
        BatchedSD(f"{SHARED}/lookups/test_lookups.mdl")
    with pytest.raises(HlssimError, match="uses DELAY1I, which the batched integrator does not"):
        BatchedSD(f"{SHARED}/delays/test_delays.mdl")
    teacup = BatchedSD(f"{SHARED}/teacup/teacup.mdl")
    with pytest.raises(HlssimError, match="room_temprature not constants"):
        teacup.run({"room_temprature": 60})
    with pytest.raises(HlssimError, match="one length"):
        teacup.run({"room_temperature": [60, 70], "characteristic_time": [1, 2, 3]})
    with pytest.raises(HlssimError, match="share steps"):
        run_sd_many([Scenario.from_preset("hls", steps=3), Scenario.from_preset("hls", steps=4)])
