"""The model's state is declared once (hlssim.model.state.FIELDS) and both engines follow the
declaration: the batch engine's arrays, the compiled months' one state argument, the Mesa agents'
attributes and what a new hire resets."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import hlssim
from hlssim.engines.batch import kernels, organisation
from hlssim.engines.batch.model import BatchModel
from hlssim.engines.mesa.model import CommissioningModel
from hlssim.model import rules as R
from hlssim.model.metrics import METRIC_FIELDS
from hlssim.model.scenario import Scenario
from hlssim.model.state import (
    AXES,
    BY_NAME,
    FIELDS,
    FROM_DRAWS,
    OWNERS,
    TARGET_LEVEL,
    BatchState,
    fields_of,
    shape_of,
)

PACKAGE = Path(hlssim.__file__).resolve().parent
SCENARIO = Scenario.from_preset("npm_targets", n_people=30, n_workers=6, n_providers=3, steps=3)


def sizes(m: BatchModel) -> dict[str, int]:
    return {"person": m.N, "worker": m.W, "provider": m.P, "n_approaches": m.A,
            "n_factors": R.N_FACTORS, "n_barriers": R.N_BARRIERS}


def test_the_declaration_is_well_formed():
    assert len(BY_NAME) == len(FIELDS), "a field is declared twice"
    for f in FIELDS:
        assert f.owner in OWNERS, f.name
        assert f.kind in (float, int, bool), f.name
        assert set(f.axes) <= set(AXES), f.name
        assert f.doc, f"{f.name}: say what it means"
        assert not f.on_hire or f.owner == "worker", f"{f.name}: only a worker's post is re-hired"
        if f.start not in (FROM_DRAWS, TARGET_LEVEL):
            assert isinstance(f.start, (int, float, bool)), f.name
    assert set(METRIC_FIELDS) <= set(BY_NAME), "the metrics read an undeclared field"


@pytest.mark.parametrize("months", [0, 2])
def test_batch_arrays_follow_the_declaration(months):
    """Every declared field is an array of the declared type and shape, before and after months
    of the model (a phase that rebinds a field to another type fails here)."""
    m = BatchModel(SCENARIO, [1, 2])
    for _ in range(months):
        m.step()
    for f in FIELDS:
        a = getattr(m, f.name)
        assert a.dtype == f.dtype, f"{f.name}: {a.dtype}, declared {f.dtype}"
        assert a.shape == shape_of(f, 2, sizes(m)), f.name
    state = m.state()
    assert isinstance(state, BatchState)
    assert state._fields == tuple(f.name for f in FIELDS)


def test_constant_starts_come_from_the_declaration_in_both_engines():
    batch = BatchModel(SCENARIO, [3])
    mesa = CommissioningModel(SCENARIO, seed=3)
    agents = {"person": mesa.people, "worker": mesa.workers, "provider": mesa.providers,
              "run": [mesa]}
    for f in FIELDS:
        if f.start == FROM_DRAWS:
            continue
        start = SCENARIO.target_level if f.start == TARGET_LEVEL else f.start
        assert np.all(getattr(batch, f.name) == start), f"batch {f.name}"
        if f.batch_only or f.axes or f.owner == "commissioner":
            continue
        for agent in agents[f.owner]:
            value = getattr(agent, f.name)
            assert type(value) is f.kind and value == start, f"mesa {f.owner}.{f.name}: {value!r}"


def test_mesa_agents_hold_every_field_the_declaration_gives_them():
    mesa = CommissioningModel(SCENARIO, seed=3)
    holders = {"person": mesa.people[0], "worker": mesa.workers[0],
               "provider": mesa.providers[0], "run": mesa}
    for owner, agent in holders.items():
        missing = [f.name for f in fields_of(owner, batch=False)
                   if f.name != "exposed" and not hasattr(agent, f.name)]
        assert not missing, f"mesa {owner} lacks {missing}"


def _assigned_fields(function) -> set[str]:
    """The state fields a compiled phase writes (``st.<field>[...] = ...``)."""
    written = set()
    for node in ast.walk(ast.parse(inspect.getsource(function))):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                    and isinstance(target.value.value, ast.Name) and target.value.value.id == "st"):
                written.add(target.value.attr)
    return written


def test_a_new_hire_resets_what_the_declaration_says_in_both_engines():
    """The batch engine's hire writes exactly the worker fields declared ``on_hire`` (and the
    caseload's relationships); the Mesa worker's hire starts them from the declaration."""
    declared = {f.name for f in fields_of("worker") if f.on_hire}
    written = _assigned_fields(organisation.hire) - {"trust_wp", "belief"}
    assert written == declared, (f"batch hire writes {sorted(written - declared)} beyond the "
                                 f"declaration, misses {sorted(declared - written)}")
    mesa = CommissioningModel(SCENARIO, seed=3)
    worker = mesa.workers[0]
    for name in declared:
        setattr(worker, name, object())
    worker.hire(True, 0.5)
    stale = [n for n in declared if type(getattr(worker, n)) is object]
    assert not stale, f"mesa hire leaves {stale} from the last holder"


def test_compiled_months_take_named_tuples_not_positionals():
    """Besides the months to run (the first, and the first whose metrics are worked out) and the
    output, the months take named tuples: a new parameter, state field or lever needs no new
    argument."""
    params = list(inspect.signature(kernels.months.py_func).parameters)
    assert params == ["first", "from_month", "st", "pm", "lv", "wd", "at", "out"], params
