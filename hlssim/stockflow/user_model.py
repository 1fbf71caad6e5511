"""Bring your own stock-flow model: any Vensim (``.mdl``) or XMILE (``.xmile``, ``.xml``, ``.stmx``)
model as an hlssim engine, run through PySD.

:class:`ExternalModel` translates a model once per content (into a cache folder, never beside the
user's file), lists what can be set (:meth:`ExternalModel.variables`, from PySD's ``model.doc``:
units, documentation and ``[min, max]`` ranges where the model gives them), resolves the names a
user types (the model's own name in any case, with spaces or underscores, or PySD's Python name)
and runs the model with some constants changed (:meth:`ExternalModel.run`), returning hlssim's
table shape: ``step`` (0 = the initial time), ``time`` (the model's saved times, every SAVEPER),
then one column per model variable under the model's own name.

Every problem is an :class:`~hlssim.errors.HlssimError` of one line naming the model file and the
problem: a file PySD cannot parse, a function PySD does not implement (declined at load time, not
halfway through a run), an unknown name (with close matches), a value that is not a number.

The model runs deterministically (PySD's Euler integration); no seed is involved.

>>> from pathlib import Path
>>> m = ExternalModel(Path(__file__).parents[2] / "tests/sd_test_models/teacup/teacup.mdl")
>>> m.resolve("characteristic_time").name, m.resolve("CHARACTERISTIC time").kind
('Characteristic Time', 'constant')
>>> table = m.run({"Characteristic Time": 20})
>>> list(table.columns[:3]), float(table["time"].iloc[-1])
(['step', 'time', 'Characteristic Time'], 30.0)
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.stockflow.pysd_support import (
    VENSIM_SUFFIXES,
    one_line,
    quiet,
    translate,
    vensim_name,
)

XMILE_SUFFIXES = (".xmile", ".xml", ".stmx")
#: The simulation's time settings: set with ``--set`` or ``[base]`` like constants, passed to PySD's
#: ``run(initial_time=..., final_time=..., time_step=..., saveper=...)``; never output columns.
CONTROL = {"initial time": "initial_time", "final time": "final_time",
           "time step": "time_step", "saveper": "saveper"}
#: Kinds a variable can have, from PySD's ``Type``/``Subtype``.
KINDS = ("constant", "stock", "stateful", "auxiliary", "lookup", "data", "time setting")


@dataclass(frozen=True)
class Variable:
    """One variable of a model, as ``hlssim inspect`` shows it."""

    name: str  # the model's own name, as in Vensim's or Stella's output
    py_name: str  # PySD's Python name
    kind: str  # one of KINDS
    units: str
    low: float | None  # the model's [min, max] range, where given
    high: float | None
    doc: str
    subscripts: tuple[str, ...]
    value: float | None  # constants and time settings: the model's value (scalars only)

    @property
    def settable(self) -> bool:
        """A scalar constant or time setting: what ``--set`` and sweep factors may change."""
        return self.kind in ("constant", "time setting") and not self.subscripts

    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        lo = "" if self.low is None else f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}"
        return f"[{lo}, {hi}]"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["subscripts"] = list(self.subscripts)
        return d


def _kind(name: str, type_: object, subtype: object) -> str:
    if vensim_name(name) in CONTROL:
        return "time setting"
    t, s = str(type_), str(subtype)
    if t == "Constant":
        return "constant"
    if t == "Stateful":
        return "stock" if s == "Integ" else "stateful"
    if t == "Lookup":
        return "lookup"
    if t == "Data":
        return "data"
    return "auxiliary"


def _number(x: object) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@lru_cache(maxsize=16)
def _loaded(py_file: str, label: str):
    """The PySD model of a translated file, loaded once per process (runs use ``reload=True``)."""
    import pysd

    try:
        return pysd.load(py_file)
    except Exception as err:  # noqa: BLE001 - the boundary to PySD: one line, not a traceback
        raise HlssimError(f"model '{label}': PySD cannot load its translation ({one_line(err)})") from None


def check_model_file(path: str | Path) -> Path:
    """``path`` as a model file hlssim can hand to PySD, or one line saying why not."""
    path = Path(path)
    suffixes = VENSIM_SUFFIXES + XMILE_SUFFIXES
    if path.suffix.lower() not in suffixes:
        raise HlssimError(f"model '{path}': expected a Vensim ({', '.join(VENSIM_SUFFIXES)}) or XMILE "
                          f"({', '.join(XMILE_SUFFIXES)}) file")
    if not path.is_file():
        raise HlssimError(f"model '{path}': no such file")
    return path


class ExternalModel:
    """A user's Vensim or XMILE model, translated by PySD; see the module docstring."""

    def __init__(self, path: str | Path):
        self.path = check_model_file(path)
        self.digest = file_digest(self.path)
        ctx = quiet()
        try:
            self._py_file = str(translate(self.path.resolve(), self.digest))
            model = self._model()
            self._vars = self._read_doc(model)
        finally:
            ctx.__exit__(None, None, None)
        self._index: dict[str, Variable] = {}
        for v in self._vars:
            self._index.setdefault(vensim_name(v.name), v)
        for v in self._vars:
            self._index.setdefault(vensim_name(v.py_name), v)

    def _model(self):
        return _loaded(self._py_file, str(self.path))

    def _read_doc(self, model) -> list[Variable]:
        model.reload()  # the loaded model is shared and keeps the last run's values: the file's
        doc = model.doc
        out = []
        for row in doc.itertuples(index=False):
            name = str(row[0])  # columns: Real Name, Py Name, Subscripts, Units, Limits, Type, Subtype, Comment
            py_name = str(row[1])
            if py_name == "time":
                continue
            limits = row[4] if isinstance(row[4], tuple) else (None, None)
            kind = _kind(name, row[5], row[6])
            subs = tuple(row[2]) if isinstance(row[2], (list, tuple)) else ()
            value = None
            if kind in ("constant", "time setting") and not subs:
                try:
                    value = _number(getattr(model.components, py_name)())
                except Exception:  # noqa: BLE001 - a constant that needs initialising first: no value shown
                    value = None
            units = "" if row[3] is None or (isinstance(row[3], float) and math.isnan(row[3])) else str(row[3])
            comment = row[7] if isinstance(row[7], str) else ""
            out.append(Variable(name, py_name, kind, units, _number(limits[0]), _number(limits[1]),
                                " ".join(comment.split()), subs, value))
        return out

    # --- names ----------------------------------------------------------------------------------

    def variables(self, kinds: Iterable[str] | None = None) -> list[Variable]:
        """The model's variables (optionally only those of ``kinds``), in PySD's documented order."""
        wanted = None if kinds is None else set(kinds)
        return [v for v in self._vars if wanted is None or v.kind in wanted]

    def resolve(self, name: str, what: str = "variable") -> Variable:
        """The variable called ``name`` (the model's name in any case/spacing, or the Python name).

        Unknown: one line naming the model file, the name and the closest names.
        """
        v = self._index.get(vensim_name(name))
        if v is not None:
            return v
        names = [x.name for x in self._vars]
        close = difflib.get_close_matches(vensim_name(name), [vensim_name(n) for n in names], n=3, cutoff=0.6)
        back = {vensim_name(n): n for n in names}
        hint = (f"did you mean {', '.join(repr(back[c]) for c in close)}?" if close
                else "see 'hlssim inspect " + str(self.path) + "'")
        raise HlssimError(f"model '{self.path}': no {what} named '{name}'; {hint}")

    def settable(self, name: str) -> Variable:
        """The constant (or time setting) ``name``; anything else is refused in one line."""
        v = self.resolve(name, "constant")
        if v.kind == "time setting" and vensim_name(v.name) == "initial time":
            raise HlssimError(f"model '{self.path}': '{v.name}' cannot be changed here (PySD starts "
                              "every run at the model's own initial time); edit the model file instead")
        if not v.settable:
            why = ("is subscripted; setting subscripted constants is not supported" if v.subscripts
                   else f"is {'an' if v.kind[0] in 'aeiou' else 'a'} {v.kind} (computed by the model), not a constant")
            raise HlssimError(f"model '{self.path}': '{v.name}' {why}; settable: "
                              f"{', '.join(x.name for x in self.variables(['constant']) if x.settable)}")
        return v

    def output(self, name: str) -> Variable:
        """A variable a run reports (not a lookup or a time setting)."""
        v = self.resolve(name, "variable")
        if v.kind in ("lookup", "time setting") or v.subscripts:
            why = "has subscripts" if v.subscripts else f"is a {v.kind}"
            raise HlssimError(f"model '{self.path}': '{v.name}' {why}; expected a scalar variable "
                              "that a run reports")
        return v

    def parse_assignments(self, items: Iterable[str]) -> dict[str, float]:
        """``["Characteristic Time=20", ...]`` -> ``{"Characteristic Time": 20.0}`` (checked)."""
        out: dict[str, float] = {}
        for item in items:
            name, sep, text = item.partition("=")
            if not sep or not name.strip():
                raise HlssimError(f"--set '{item}': expected NAME=VALUE, e.g. --set \"Characteristic Time=20\"")
            v = self.settable(name.strip())
            out[v.name] = self.check_value(v, text.strip(), f"--set '{item}'")
        return out

    def check_value(self, v: Variable, value: object, field: str) -> float:
        """``value`` as a float for ``v``, or one line naming ``field`` and what is allowed."""
        x = value
        if isinstance(value, str):
            try:
                x = float(value)
            except ValueError:
                x = None
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise HlssimError(f"{field}: {value!r} is not allowed; expected a finite number for "
                              f"'{v.name}' of model '{self.path}'")
        x = float(x)
        if v.kind == "time setting" and vensim_name(v.name) in ("time step", "saveper") and x <= 0:
            raise HlssimError(f"{field}: {x:g} is not allowed; expected a positive {v.name} for model "
                              f"'{self.path}'")
        return x

    # --- running --------------------------------------------------------------------------------

    def run(self, values: Mapping[str, float] | None = None,
            outputs: Iterable[str] | None = None) -> pd.DataFrame:
        """Run the model with ``values`` (settable names -> numbers); see the module docstring.

        ``outputs`` limits the variable columns (names resolved as in :meth:`output`); default:
        every variable PySD reports except the time settings.
        """
        params: dict[str, float] = {}
        control: dict[str, float] = {}
        for name, value in (values or {}).items():
            v = self.settable(name)
            x = self.check_value(v, value, f"'{name}'")
            if v.kind == "time setting":
                control[CONTROL[vensim_name(v.name)]] = x
            else:
                params[v.py_name] = x
        columns = None if outputs is None else [self.output(n).name for n in outputs]
        model = self._model()
        ctx = quiet()
        try:
            model.reload()  # PySD keeps changed values between runs: start from the file's
            out = model.run(params=params or None, return_columns=columns, progress=False, **control)
        except HlssimError:
            raise
        except Exception as err:  # noqa: BLE001 - a run failing inside PySD: one line naming the file
            raise HlssimError(f"model '{self.path}': the run failed ({one_line(err)})") from None
        finally:
            ctx.__exit__(None, None, None)
        controls = {v.name for v in self._vars if v.kind == "time setting"}
        keep = [c for c in out.columns if c not in controls]
        table = pd.DataFrame({c: out[c].to_numpy(dtype=float) for c in keep})
        table.insert(0, "time", out.index.to_numpy(dtype=float))
        table.insert(0, "step", np.arange(len(table), dtype=np.int64))
        return table


def file_digest(path: str | Path) -> str:
    """The first 16 hex digits of a file's SHA-256: what identifies a model's content."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=16)
def _cached(path: str, digest: str) -> ExternalModel:
    return ExternalModel(path)


def open_model(path: str | Path) -> ExternalModel:
    """An :class:`ExternalModel`, cached per process by file content."""
    p = check_model_file(path)
    return _cached(str(p.resolve()), file_digest(p))
