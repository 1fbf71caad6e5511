"""Bring your own stock-flow model: any Vensim (``.mdl``) or XMILE (``.xmile``, ``.xml``, ``.stmx``)
model as an hlssim engine, run through PySD.

:class:`ExternalModel` translates a model once per content (the model's and that of the data files
it reads, ``GET XLS ...``; into a cache folder, never beside the user's file), lists what can be
set (:meth:`ExternalModel.variables`, from PySD's ``model.doc``: units, documentation and ``[min,
max]`` ranges where the model gives them; a subscripted variable as its array and its elements,
:func:`read_variables`), resolves the names a user types (the model's own name in
any case, with spaces or underscores, or PySD's Python name; ``Name[Lemon]`` for an element) and
runs the model with some constants changed (:meth:`ExternalModel.run`), returning hlssim's table
shape: ``step`` (0 = the initial time), ``time`` (the model's saved times, every SAVEPER), then
one column per model variable (an array: one per element) under the model's own name.

Every problem is an :class:`~hlssim.errors.HlssimError` of one line naming the model file and the
problem: a file PySD cannot parse, a function PySD does not implement (declined at load time, not
halfway through a run), a data file the model reads that is missing (named where the user keeps
it), an unknown name (with close matches), a value that is not a number.

A model without random functions runs deterministically (PySD's Euler integration). A model with
them (``RANDOM UNIFORM``, ``RANDOM NORMAL``, ...; :attr:`ExternalModel.stochastic`) draws from a
generator seeded from the run's ``seed`` (:func:`hlssim.stockflow.pysd_support.seeded`): one seed,
one result, bit for bit.

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
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.stockflow.pysd_support import (
    VENSIM_SUFFIXES,
    DataFile,
    content_digest,
    data_files,
    is_stochastic,
    one_line,
    quiet,
    seeded,
    translate,
    user_paths,
    vensim_name,
)

__all__ = ["CONTROL", "KINDS", "XMILE_SUFFIXES", "ExternalModel", "Variable", "check_model_file",
           "file_digest", "open_model"]

XMILE_SUFFIXES = (".xmile", ".xml", ".stmx")


# --- the variables, as inspect lists them and --set, factors and outputs name them -----------------

#: The simulation's time settings: set with ``--set`` or ``[base]`` like constants, passed to PySD's
#: ``run(initial_condition=(t0, {}), final_time=..., time_step=..., saveper=...)``; never output columns.
CONTROL = {"initial time": "initial_time", "final time": "final_time",
           "time step": "time_step", "saveper": "saveper"}
#: Kinds a variable can have, from PySD's ``Type``/``Subtype``.
KINDS = ("constant", "stock", "stateful", "auxiliary", "lookup", "data", "time setting")


@dataclass(frozen=True)
class Variable:
    """One variable of a model (or one element of a subscripted one), as ``hlssim inspect`` shows it."""

    name: str  # the model's own name, as in Vensim's or Stella's output; an element: Name[a,b]
    py_name: str  # PySD's Python name (an element: its array's)
    kind: str  # one of KINDS
    units: str
    low: float | None  # the model's [min, max] range, where given
    high: float | None
    doc: str
    subscripts: tuple[str, ...]  # a whole array: its ranges (dimensions); else ()
    value: float | None  # constants and time settings: the model's value (scalars and elements)
    element: tuple[str, ...] = ()  # an element of an array: its coordinates, one per dimension
    dims: tuple[str, ...] = ()  # an element: its array's dimension names (PySD's), in order

    @property
    def settable(self) -> bool:
        """A constant (scalar, whole array or one element) or a time setting: what ``--set`` and
        sweep factors may change."""
        return self.kind in ("constant", "time setting")

    @property
    def is_array(self) -> bool:
        """A whole subscripted array (its elements are separate rows)."""
        return bool(self.subscripts)

    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        lo = "" if self.low is None else f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}"
        return f"[{lo}, {hi}]"

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("subscripts", "element", "dims"):
            d[k] = list(d[k])
        return d


def name_key(name: str) -> str:
    """Vensim's rule for names, also inside ``[a, b]``: the key names are looked up by."""
    return re.sub(r"\s*([\[\],])\s*", r"\1", vensim_name(name))


def kind_of(name: str, type_: object, subtype: object) -> str:
    """A variable's kind from PySD's ``Type`` and ``Subtype`` columns of ``model.doc``."""
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


def number(x: object) -> float | None:
    """``x`` as a finite float, else None."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def read_variables(model) -> list[Variable]:
    """Every variable of a loaded (just reloaded) PySD model, from ``model.doc``, in its order;
    subscripted ones as the whole array followed by its elements."""
    out: list[Variable] = []
    for row in model.doc.itertuples(index=False):
        name = str(row[0])  # columns: Real Name, Py Name, Subscripts, Units, Limits, Type, Subtype, Comment
        py_name = str(row[1])
        if py_name == "time":
            continue
        limits = row[4] if isinstance(row[4], tuple) else (None, None)
        kind = kind_of(name, row[5], row[6])
        subs = tuple(row[2]) if isinstance(row[2], (list, tuple)) else ()
        units = "" if row[3] is None or (isinstance(row[3], float) and math.isnan(row[3])) else str(row[3])
        comment = " ".join(row[7].split()) if isinstance(row[7], str) else ""
        low, high = number(limits[0]), number(limits[1])
        func = getattr(model.components, py_name, None)
        value = None
        if kind in ("constant", "time setting") and not subs:
            value = _value_of(func)
        out.append(Variable(name, py_name, kind, units, low, high, comment, subs, value))
        if subs and func is not None:
            out += _elements(model, func, name, py_name, kind, units, low, high, comment)
    return out


def _value_of(func):
    try:
        return number(func())
    except Exception:  # noqa: BLE001 - a value that needs the model initialised first: none shown
        return None


def _elements(model, func, name, py_name, kind, units, low, high, comment) -> list[Variable]:
    """One row per element of a subscripted variable, named as PySD names its output columns."""
    coords = model.get_coords(func)
    if not coords:
        return []
    coords, dims = coords
    values = None
    if kind == "constant":
        try:
            values = func()
        except Exception:  # noqa: BLE001 - as _value_of
            values = None
    rows = []
    for element in itertools.product(*(coords[d] for d in dims)):
        value = None
        if values is not None and hasattr(values, "loc"):
            value = number(values.loc[dict(zip(dims, element))].item())
        rows.append(Variable(f"{name}[{','.join(element)}]", py_name, kind, units, low, high, comment,
                             (), value, tuple(element), tuple(dims)))
    return rows


# --- the model ---------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _loaded(py_file: str, label: str, user_dir: str):
    """The PySD model of a translated file, loaded once per process (runs call ``reload()``)."""
    import pysd

    try:
        return pysd.load(py_file)
    except Exception as err:  # noqa: BLE001 - the boundary to PySD: one line, not a traceback
        text = user_paths(one_line(err), Path(py_file).parent, Path(user_dir))
        raise HlssimError(f"model '{label}': PySD cannot load its translation ({text})") from None


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
        #: the data files the model reads (``GET XLS ...``), from the model's own folder
        self.data_files: list[DataFile] = data_files(self.path)
        #: the content the runs depend on: the model file and every data file it reads
        self.digest = content_digest(self.path, self.data_files)
        ctx = quiet()
        try:
            self._py_file = str(translate(self.path.resolve(), self.digest, self.data_files))
            model = self._model()
            model.reload()  # the loaded model is shared and keeps the last run's values: the file's
            self._vars = read_variables(model)
            self._arrays = {v.py_name: getattr(model.components, v.py_name)()
                            for v in self._vars if v.is_array and v.kind == "constant"}
        except HlssimError:
            raise
        except Exception as err:  # noqa: BLE001 - PySD failing on load (a data file it cannot read)
            text = user_paths(one_line(err), Path(self._py_file).parent, self.path.parent)
            raise HlssimError(f"model '{self.path}': PySD cannot load it ({text})") from None
        finally:
            ctx.__exit__(None, None, None)
        #: whether the model draws random numbers (its runs then take a seed)
        self.stochastic = is_stochastic(Path(self._py_file))
        self._index: dict[str, Variable] = {}
        for v in self._vars:
            self._index.setdefault(name_key(v.name), v)
        for v in self._vars:
            if not v.element:
                self._index.setdefault(name_key(v.py_name), v)
        for v in self._vars:  # an array as `inspect` lists it, Name[Range,...]: the whole array
            if v.is_array:
                self._index.setdefault(name_key(f"{v.name}[{','.join(v.subscripts)}]"), v)

    def _model(self):
        return _loaded(self._py_file, str(self.path), str(self.path.parent))

    # --- names ----------------------------------------------------------------------------------

    def variables(self, kinds: Iterable[str] | None = None, elements: bool = True) -> list[Variable]:
        """The model's variables (optionally only those of ``kinds``; ``elements=False``: arrays
        without their elements), in PySD's documented order."""
        wanted = None if kinds is None else set(kinds)
        return [v for v in self._vars if (wanted is None or v.kind in wanted) and (elements or not v.element)]

    def resolve(self, name: str, what: str = "variable") -> Variable:
        """The variable called ``name`` (the model's name in any case/spacing, or the Python name;
        ``Name[a,b]`` for an element of an array).

        Unknown: one line naming the model file, the name and the closest names.
        """
        v = self._index.get(name_key(name))
        if v is not None:
            return v
        names = [x.name for x in self._vars]
        close = difflib.get_close_matches(name_key(name), [name_key(n) for n in names], n=3, cutoff=0.6)
        back = {name_key(n): n for n in names}
        hint = (f"did you mean {', '.join(repr(back[c]) for c in close)}?" if close
                else "see 'hlssim inspect " + str(self.path) + "'")
        raise HlssimError(f"model '{self.path}': no {what} named '{name}'; {hint}")

    def settable(self, name: str) -> Variable:
        """The constant (an array, an element of one, or a scalar) or time setting ``name``;
        anything else is refused in one line."""
        v = self.resolve(name, "constant")
        if not v.settable:
            why = f"is {'an' if v.kind[0] in 'aeiou' else 'a'} {v.kind} (computed by the model), not a constant"
            raise HlssimError(f"model '{self.path}': '{v.name}' {why}; settable: "
                              f"{', '.join(x.name for x in self.variables(['constant'], elements=False))}")
        return v

    def output(self, name: str) -> Variable:
        """A variable a run reports as one column (a scalar or an element of an array; not a
        lookup, a time setting or a whole array)."""
        v = self.resolve(name, "variable")
        if v.kind in ("lookup", "time setting") or v.is_array:
            why = (f"is an array; expected one of its elements, e.g. '{self._first_element(v)}'"
                   if v.is_array else f"is a {v.kind}; expected a variable that a run reports")
            raise HlssimError(f"model '{self.path}': '{v.name}' {why}")
        return v

    def _first_element(self, array: Variable) -> str:
        return next((x.name for x in self._vars if x.element and x.py_name == array.py_name), array.name)

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

    def pysd_arguments(self, values: Mapping[str, float] | None) -> tuple[dict, dict]:
        """``(params, control)`` for PySD's ``run``: constants by Python name (an array set whole
        as a number, set by element as a copy of its array with those elements changed), and the
        time settings as ``run``'s keywords (``INITIAL TIME`` as ``initial_condition=(t0, {})``:
        the stocks start from the model's initial values at ``t0``)."""
        params: dict = {}
        control: dict = {}
        elements: dict[str, list[tuple[Variable, float]]] = {}
        for name, value in (values or {}).items():
            v = self.settable(name)
            x = self.check_value(v, value, f"'{name}'")
            if v.kind == "time setting":
                key = CONTROL[vensim_name(v.name)]
                if key == "initial_time":
                    control["initial_condition"] = (x, {})
                else:
                    control[key] = x
            elif v.element:
                elements.setdefault(v.py_name, []).append((v, x))
            else:
                params[v.py_name] = x
        for py_name, changes in elements.items():
            whole = params.get(py_name)
            array = self._arrays[py_name].copy(deep=True)
            if whole is not None:
                array[...] = whole
            for v, x in changes:
                array.loc[dict(zip(v.dims, v.element))] = x
            params[py_name] = array
        return params, control

    def run(self, values: Mapping[str, float] | None = None,
            outputs: Iterable[str] | None = None, seed: int | None = None) -> pd.DataFrame:
        """Run the model with ``values`` (settable names -> numbers); see the module docstring.

        ``outputs`` limits the variable columns (names resolved as in :meth:`output`); default:
        every variable PySD reports except the time settings. ``seed`` seeds a stochastic model's
        random functions (default 0); a deterministic model ignores it.
        """
        params, control = self.pysd_arguments(values)
        columns = None if outputs is None else [self.output(n).name for n in outputs]
        model = self._model()
        ctx = quiet()
        try:
            model.reload()  # PySD keeps changed values between runs: start from the file's
            with seeded((0 if seed is None else seed) if self.stochastic else None):
                out = model.run(params=params or None, return_columns=columns, progress=False, **control)
        except HlssimError:
            raise
        except Exception as err:  # noqa: BLE001 - a run failing inside PySD: one line naming the file
            text = user_paths(one_line(err), Path(self._py_file).parent, self.path.parent)
            raise HlssimError(f"model '{self.path}': the run failed ({text})") from None
        finally:
            ctx.__exit__(None, None, None)
        controls = {v.name for v in self._vars if v.kind == "time setting"}
        keep = [c for c in out.columns if c not in controls]
        table = pd.DataFrame({c: out[c].to_numpy(dtype=float) for c in keep})
        table.insert(0, "time", out.index.to_numpy(dtype=float))
        table.insert(0, "step", np.arange(len(table), dtype=np.int64))
        return table


def file_digest(path: str | Path) -> str:
    """The content digest of a model (its file and the data files it reads): what identifies it."""
    p = Path(path)
    return content_digest(p, data_files(p))


@lru_cache(maxsize=16)
def _cached(path: str, digest: str) -> ExternalModel:
    return ExternalModel(path)


def open_model(path: str | Path) -> ExternalModel:
    """An :class:`ExternalModel`, cached per process by content (the model's and its data files')."""
    p = check_model_file(path)
    return _cached(str(p.resolve()), file_digest(p))
