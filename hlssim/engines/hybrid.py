"""Hybrid runs: the stock-flow model's macro context and the agent model, coupled month by month.

The stock-flow model (``models/hls_commissioning.mdl``) carries a macro-context sector: public
trust in the service system, the political pressure for targets and audit that low public trust
and budget strain bring, and the target pressure and audit rate the commissioner therefore
applies. In a hybrid run that sector is coupled to the agent model (batch engine, one
replication), which supplies what the public sees. Each month ``t`` (1..steps):

1. **stock-flow -> agents**, at the start of month t: ``applied_target_pressure`` and
   ``applied_audit_rate`` of the stock-flow model at time t-1 become the agent commissioner's
   ``target_pressure`` and ``audit_rate`` for month t (the rest of the regime is the scenario's,
   including a mid-run ``switch_step``/``switch_to``, which also moves the stock-flow model's own
   regime constants).
2. The agent model steps month t.
3. **agents -> stock-flow**, at the end of month t: the agent model's ``wellbeing_mean``,
   ``gaming_share`` and ``failure_demand`` for month t become the stock-flow model's
   ``external_wellbeing``, ``external_gaming`` and ``external_failure_demand`` (with
   ``external_signals`` = 1 the macro sector reads these, not the stock-flow model's own stocks),
   and PySD integrates model time t-1 to t (``1 / TIME STEP`` Euler steps, PySD's stepping API
   ``set_stepper``/``step``).

The stock-flow model's own micro stocks keep running alongside but do not reach the agents: only
the macro sector crosses. ``political_response`` (default 1) sets how strongly politicians answer;
``coupled=False`` cuts both directions (the agents then run exactly as ``hlssim.run(scenario,
seed)`` with the batch engine, and the macro sector reads the stock-flow model's own stocks).
See docs/hybrid.md.

The table is the agent model's (``step``, then every metric) plus the macro columns of
:data:`MACRO_COLUMNS`: the target pressure and audit rate applied in month t, and public trust,
political pressure and budget pressure at the end of month t.

>>> from hlssim import Scenario
>>> t = run_hybrid(Scenario.from_preset("npm_targets", n_people=40, n_workers=4, steps=3), seed=1)
>>> list(t["step"]), list(t.columns[-2:])
([1, 2, 3], ['political_pressure', 'budget_pressure'])
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from hlssim.common.progress import run_steps
from hlssim.engines.registry import check_seed
from hlssim.errors import HlssimError
from hlssim.model.parameters import REGIME_PARAMETERS
from hlssim.model.regime import enter_regime
from hlssim.model.scenario import Scenario
from hlssim.stockflow.commissioning import DEFAULT_MODEL, load_model, model_parameters, read_mdl
from hlssim.stockflow.pysd_support import import_pysd, quiet

#: Agent metric -> stock-flow input it feeds (agents -> stock-flow, end of each month).
AGENT_TO_SD = {"wellbeing_mean": "external_wellbeing", "gaming_share": "external_gaming",
               "failure_demand": "external_failure_demand"}
#: Stock-flow variable -> agent regime parameter it sets (stock-flow -> agents, start of a month).
SD_TO_AGENT = {"applied_target_pressure": "target_pressure", "applied_audit_rate": "audit_rate"}
#: Columns appended to the agent model's table.
MACRO_COLUMNS = ("applied_target_pressure", "applied_audit_rate", "public_trust",
                 "political_pressure", "budget_pressure")


def run_hybrid(scenario: Scenario, seed=0, progress=None, *, political_response: float = 1.0,
               coupled: bool = True, model=DEFAULT_MODEL) -> pd.DataFrame:
    """Run the coupled model; see the module docstring. Deterministic given ``seed``."""
    from hlssim.engines.batch.model import BatchModel

    import_pysd()  # imported quietly (PySD's dependencies warn under pandas 3)
    from pysd.py_backend.output import ModelOutput

    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run_hybrid(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    check_seed(seed)
    try:
        political_response = float(political_response)
    except (TypeError, ValueError):
        raise HlssimError(f"political_response {political_response!r}: expected a number >= 0") from None
    if not political_response >= 0:
        raise HlssimError(f"political_response {political_response}: expected a number >= 0")

    sd = load_model(model).copy(reload=True)  # a fresh model: stepping changes it
    # PySD's models of one translation share the inner dicts of their dependency table, and
    # set_stepper marks the step variables in it: give this model its own, so the cached model
    # used by run_sd keeps its constants constant
    sd._dependencies = copy.deepcopy(sd._dependencies)
    names = model_parameters(sd)
    step_vars = [sd.namespace[n] for n in AGENT_TO_SD.values()] + [
        names[p] for p in REGIME_PARAMETERS if p in names]
    per_month = round(1 / float(read_mdl(model)["TIME STEP"].expression))
    params = {py: float(scenario[name]) for name, py in names.items()}
    params |= {"political_response": political_response if coupled else 0.0,
               "external_signals": 1.0 if coupled else 0.0}
    ctx = quiet()
    try:
        sd.set_stepper(ModelOutput(), params=params, step_vars=step_vars,
                       return_columns=list(MACRO_COLUMNS), final_time=scenario.steps)
    finally:
        ctx.__exit__(None, None, None)

    # the agent model switches regime itself only through us, so the applied values sit on top
    first, switched = scenario.with_overrides(switch_step=0, switch_to=""), None
    if scenario.switch_step:
        switched = scenario.switched_regime()
    agents = BatchModel(first, [seed])
    applied_rows, macro_rows = [], []

    def month() -> None:
        t = agents.steps + 1
        regime = switched if switched is not None and t >= scenario.switch_step else first
        applied = {agent: float(sd[var]) for var, agent in SD_TO_AGENT.items()} if coupled else {}
        enter_regime(agents, regime.with_overrides(**{k: min(1.0, v) for k, v in applied.items()}),
                    reset_target=switched is not None and t == scenario.switch_step)
        applied_rows.append([float(agents.regime[SD_TO_AGENT[v]]) for v in MACRO_COLUMNS[:2]])
        agents.step()
        row = agents.latest_metrics()
        inputs = {sd.namespace[ext]: float(np.asarray(row[metric])[0])
                  for metric, ext in AGENT_TO_SD.items()}
        inputs |= {names[p]: float(regime[p]) for p in REGIME_PARAMETERS if p in names}
        ctx = quiet()
        try:
            sd.step(per_month, inputs)
        finally:
            ctx.__exit__(None, None, None)
        macro_rows.append([float(sd[name]) for name in MACRO_COLUMNS[2:]])

    run_steps(month, scenario.steps, progress)
    table = agents.table().drop(columns="replication")
    macro = np.hstack([np.array(applied_rows), np.array(macro_rows)])
    for i, name in enumerate(MACRO_COLUMNS):
        table[name] = macro[:, i]
    return table
