"""The stock-flow (system dynamics) view of hlssim, run through PySD.

``models/hls_commissioning.mdl`` is a hand-written Vensim model of the mechanisms of MODEL.md as
aggregate stocks (trust at three levels, motivation, staff, knowledge of what helps, gaming habit,
system barriers, unmet need, failure demand, wellbeing). Its parameters carry the agent model's
names wherever the concept is the same, so a :class:`~hlssim.model.scenario.Scenario`'s values pass
straight in: :func:`run_sd` sets every scenario parameter the model declares and leaves the rest
(agent-only settings such as ``n_providers``) unused. The ``mech_*`` switches are model constants
(1 on, 0 off) multiplying their mechanism's terms wherever the stock-flow view has the concept;
``mech_pooling``, ``mech_gaming_threshold`` and ``mech_gaming_ratchet`` have no aggregate
counterpart and are unused. A mid-run regime switch (``switch_step``, ``switch_to``) runs the model
in two segments (:func:`regime_segments`), the second continuing from the first's state.

A "macro context" sector (public trust, political pressure, budget pressure) sets the target
pressure and audit rate the commissioner applies. Its strength, ``political_response``, is 0 in a
plain run, so the regime is the scenario's as in the agent model; ``sd_params`` sets it (and the
other constants a scenario does not have), and the hybrid engine (:mod:`hlssim.engines.hybrid`) couples
this sector to the agent model.

The table has the agent model's shape (``step`` = 1..steps, one row per whole month) but only the
metrics that exist in the stock-flow view, in :data:`hlssim.model.metrics.METRIC_NAMES` order; metrics
with no stock-flow counterpart (the reported-versus-true gap, correlations, percentiles, costs...)
are absent, not NaN. The model is deterministic: the seed is accepted and ignored.

>>> from hlssim import Scenario
>>> table = run_sd(Scenario.from_preset("hls", steps=3))
>>> list(table["step"]), "wellbeing_mean" in table
([1, 2, 3], True)
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario, models_dir
from hlssim.stockflow.pysd_support import import_pysd, quiet, translate

DEFAULT_MODEL = "hls_commissioning.mdl"
MODEL_SUFFIXES = (".mdl", ".xmile", ".xml", ".stmx")


def model_path(name: str | Path = DEFAULT_MODEL) -> Path:
    """The model file ``name``: a path, or a file name looked up in ``models/``."""
    path = Path(name)
    if not path.is_file():
        path = models_dir() / name
    if not path.is_file():
        raise HlssimError(f"stock-flow model '{name}': no such file (looked in {models_dir()})")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise HlssimError(f"stock-flow model '{name}': expected a .mdl or .xmile file")
    return path


@lru_cache(maxsize=8)
def _translated(path: str, digest: str) -> str:
    """Translate a model once per content into the shared translation cache (not into models/).

    The cache is :mod:`hlssim.stockflow.pysd_support`'s (``$HLSSIM_CACHE/models`` or the system temp folder):
    each translation is made in a private temporary folder and renamed into place, so several
    processes (e.g. Dask workers) translating the same model at once never read a half-written
    file, and a later process reuses the translation instead of making it again.
    """
    ctx = quiet()
    try:
        return str(translate(Path(path), digest))
    finally:
        ctx.__exit__(None, None, None)


@lru_cache(maxsize=8)
def _loaded(py_file: str):
    pysd = import_pysd()
    ctx = quiet()
    try:
        return pysd.load(py_file)
    finally:
        ctx.__exit__(None, None, None)


def load_model(name: str | Path = DEFAULT_MODEL):
    """The PySD model for ``name`` (parsed once and cached; call ``run(..., reload=True)``)."""
    path = model_path(name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return _loaded(_translated(str(path.resolve()), digest))


def model_parameters(model) -> dict[str, str]:
    """Scenario parameter name -> the model's Python name, for those the model declares."""
    return {name: model.namespace[name] for name in Scenario.from_preset("hls")
            if name in model.namespace}


def run_sd(scenario: Scenario, seed=0, progress=None, *, model: str | Path = DEFAULT_MODEL,
           extra: tuple[str, ...] = (), sd_params: dict[str, float] | None = None) -> pd.DataFrame:
    """Run the stock-flow model with ``scenario``'s parameters; see the module docstring.

    ``extra`` names further model variables (e.g. ``"staff"``, ``"unmet_need"``) to append.
    ``sd_params`` sets constants the agent model does not have (e.g. ``political_response``).
    ``seed`` and ``progress`` exist for the engine signature; the model is deterministic.
    """
    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run_sd(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    m = load_model(model)
    steps = int(scenario.steps)
    metrics = [name for name in METRIC_NAMES if name in m.namespace]
    for name in extra:
        if name not in m.namespace:
            raise HlssimError(f"run_sd(): '{name}' is not a variable of the stock-flow model")
    columns = metrics + [n for n in extra if n not in metrics]
    own = _sd_only(m, sd_params)
    parts = []
    ctx = quiet()
    try:
        for i, (regime, first, last) in enumerate(regime_segments(scenario)):
            params = {py: float(regime[name]) for name, py in model_parameters(m).items()} | own
            parts.append(m.run(params=params, final_time=last,
                               return_timestamps=np.arange(first, last + 1),
                               return_columns=columns, reload=i == 0,
                               initial_condition="original" if i == 0 else "current",
                               progress=False))
    finally:
        ctx.__exit__(None, None, None)
    out = pd.concat(parts)
    table = pd.DataFrame({name: out[name].to_numpy(dtype=float) for name in columns})
    table.insert(0, "step", np.arange(1, steps + 1, dtype=np.int64))
    if progress is not None:
        progress(steps, steps)
    return table


def _sd_only(model, sd_params) -> dict[str, float]:
    """Check ``sd_params`` (model constants that are not scenario parameters) -> PySD names."""
    out = {}
    shared = model_parameters(model)
    for name, value in (sd_params or {}).items():
        py = model.namespace.get(name)
        if py is None or name in shared or py not in _constants(model):
            raise HlssimError(f"sd_params: '{name}' is not a constant of the stock-flow model that "
                              "a scenario does not set; set scenario parameters on the scenario")
        try:
            out[py] = float(value)
        except (TypeError, ValueError):
            raise HlssimError(f"sd_params: '{name}' = {value!r} is not a number") from None
    return out


def _constants(model) -> set[str]:
    """Python names of the model's constants (the ones ``run(params=...)`` may set)."""
    control = {"final_time", "initial_time", "time_step", "saveper"}
    doc = model.doc
    return set(doc.loc[doc["Type"] == "Constant", "Py Name"]) - control


def regime_segments(scenario: Scenario) -> list[tuple[Scenario, int, int]]:
    """The months each regime governs: ``[(scenario, first month, last month), ...]``.

    As in the agent model, a switch at ``switch_step`` k governs month k onward: the stock-flow
    run integrates months 1..k-1 (model time 0 to k-1) under the first regime, then continues
    from that state under :meth:`Scenario.switched_regime` (PySD ``initial_condition="current"``).

    >>> from hlssim import Scenario
    >>> s = Scenario.from_preset("npm_targets", steps=24, switch_step=13, switch_to="hls")
    >>> [(r.target_pressure, a, b) for r, a, b in regime_segments(s)]
    [(0.8, 1, 12), (0.0, 13, 24)]
    """
    steps, k = int(scenario.steps), int(scenario.switch_step)
    if not k or k > steps:
        return [(scenario, 1, steps)]
    after = scenario.switched_regime()
    return [(after, 1, steps)] if k == 1 else [(scenario, 1, k - 1), (after, k, steps)]


# --- reading the model text (units checks, the causal loop diagram) -------------------------------

class Equation(tuple):
    """One variable of a Vensim model: ``(name, expression, units, documentation)``."""

    __slots__ = ()

    def __new__(cls, name: str, expression: str, units: str, doc: str):
        return super().__new__(cls, (name, expression, units, doc))

    name = property(lambda self: self[0])
    expression = property(lambda self: self[1])
    units = property(lambda self: self[2])
    doc = property(lambda self: self[3])

    @property
    def is_stock(self) -> bool:
        return self.expression.replace(" ", "").upper().startswith("INTEG(")


CONTROL_NAMES = ("FINAL TIME", "INITIAL TIME", "SAVEPER", "TIME STEP")


def split_args(inner: str) -> list[str]:
    """A Vensim call's arguments, split at the commas outside parentheses.

    >>> split_args("a, MIN(b, c), d")
    ['a', 'MIN(b, c)', 'd']
    """
    args, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    return args + [inner[start:].strip()]


def rewrite_if_then_else(expr: str, rewrite) -> str:
    """Replace every ``IF THEN ELSE(cond, a, b)`` in a Vensim expression, innermost last, by
    ``rewrite(cond, a, b)``: how the batched integrator and the XMILE writer translate it.

    >>> rewrite_if_then_else("1 + IF THEN ELSE(x > 0, MIN(x, 1), 0)", lambda c, a, b: f"w({c}, {a}, {b})")
    '1 + w(x > 0, MIN(x, 1), 0)'
    """
    key = "IF THEN ELSE("
    while key in expr:
        start = expr.index(key)
        depth, end = 0, None
        for i in range(start + len(key) - 1, len(expr)):
            depth += (expr[i] == "(") - (expr[i] == ")")
            if depth == 0:
                end = i
                break
        cond, a, b = split_args(expr[start + len(key):end])
        expr = expr[:start] + rewrite(cond, a, b) + expr[end + 1:]
    return expr


#: A name in a translated equation (Python identifier).
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: An equation that is a plain number (a constant).
NUMBER = re.compile(r"^-?[0-9.]+(e-?[0-9]+)?$")


def read_mdl(path: str | Path = DEFAULT_MODEL) -> dict[str, Equation]:
    """The equations of a Vensim ``.mdl`` file by variable name (control variables included).

    Handles the plain ``name = expression ~ units ~ documentation |`` form this project writes
    (no subscripts, macros or lookups); the sketch section and group headers are skipped.
    """
    text = model_path(path).read_text(encoding="utf-8")
    text = text.split("\\\\\\---///", 1)[0].replace("{UTF-8}", "")
    out: dict[str, Equation] = {}
    for chunk in text.split("|"):
        parts = chunk.split("~")
        if len(parts) < 3 or "=" not in parts[0]:
            continue
        head, _, expr = parts[0].partition("=")
        name = " ".join(head.split())
        if not name or name.startswith("*"):
            continue
        out[name] = Equation(name, " ".join(expr.split()), " ".join(parts[1].split()),
                             " ".join(parts[2].split()))
    return out
