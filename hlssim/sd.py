"""The stock-flow (system dynamics) view of hlssim, run through PySD.

``models/hls_commissioning.mdl`` is a hand-written Vensim model of the mechanisms of MODEL.md as
aggregate stocks (trust at three levels, motivation, staff, knowledge of what helps, gaming habit,
system barriers, unmet need, failure demand, wellbeing). Its parameters carry the agent model's
names wherever the concept is the same, so a :class:`~hlssim.scenario.Scenario`'s values pass
straight in: :func:`run_sd` sets every scenario parameter the model declares and leaves the rest
(agent-only settings such as ``n_providers``, the ``mech_*`` switches and a mid-run regime switch)
unused.

The table has the agent model's shape (``step`` = 1..steps, one row per whole month) but only the
metrics that exist in the stock-flow view, in :data:`hlssim.metrics.METRIC_NAMES` order; metrics
with no stock-flow counterpart (the reported-versus-true gap, correlations, percentiles, costs...)
are absent, not NaN. The model is deterministic: the seed is accepted and ignored.

>>> from hlssim import Scenario
>>> table = run_sd(Scenario.from_preset("hls", steps=3))
>>> list(table["step"]), "wellbeing_mean" in table
([1, 2, 3], True)
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.metrics import METRIC_NAMES
from hlssim.scenario import Scenario, models_dir

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


def _quiet():
    """A context that hides the deprecation warnings PySD's own code raises under pandas 3."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    try:
        from pandas.errors import Pandas4Warning
        warnings.filterwarnings("ignore", category=Pandas4Warning)
    except ImportError:  # pandas < 3
        pass
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pysd(\.|$)")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"pysd(\.|$)")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"chardet(\.|$)")
    return ctx


def _pysd():
    ctx = _quiet()
    try:
        import pysd
    finally:
        ctx.__exit__(None, None, None)
    return pysd


@lru_cache(maxsize=8)
def _translated(path: str, digest: str) -> str:
    """Translate a model once per content (into a cache folder, not into models/)."""
    pysd = _pysd()
    src = Path(path)
    where = Path(tempfile.gettempdir()) / "hlssim-sd" / digest
    where.mkdir(parents=True, exist_ok=True)
    copy = where / src.name
    shutil.copyfile(src, copy)
    ctx = _quiet()
    try:
        if src.suffix.lower() == ".mdl":
            model = pysd.read_vensim(str(copy))
        else:
            model = pysd.read_xmile(str(copy))
    finally:
        ctx.__exit__(None, None, None)
    return model.py_model_file


@lru_cache(maxsize=8)
def _loaded(py_file: str):
    pysd = _pysd()
    ctx = _quiet()
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
           extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Run the stock-flow model with ``scenario``'s parameters; see the module docstring.

    ``extra`` names further model variables (e.g. ``"staff"``, ``"unmet_need"``) to append.
    ``seed`` and ``progress`` exist for the engine signature; the model is deterministic.
    """
    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run_sd(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    m = load_model(model)
    params = {py: float(scenario[name]) for name, py in model_parameters(m).items()}
    steps = int(scenario.steps)
    metrics = [name for name in METRIC_NAMES if name in m.namespace]
    for name in extra:
        if name not in m.namespace:
            raise HlssimError(f"run_sd(): '{name}' is not a variable of the stock-flow model")
    columns = metrics + [n for n in extra if n not in metrics]
    ctx = _quiet()
    try:
        out = m.run(params=params, final_time=steps, return_timestamps=np.arange(1, steps + 1),
                    return_columns=columns, reload=True, progress=False)
    finally:
        ctx.__exit__(None, None, None)
    table = pd.DataFrame({name: out[name].to_numpy(dtype=float) for name in columns})
    table.insert(0, "step", np.arange(1, steps + 1, dtype=np.int64))
    if progress is not None:
        progress(steps, steps)
    return table


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
