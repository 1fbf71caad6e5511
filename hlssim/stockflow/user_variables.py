"""The variables of a user's model, as ``hlssim inspect`` lists them and ``--set``, sweep factors
and outputs name them.

:func:`read_variables` turns PySD's ``model.doc`` into :class:`Variable` rows. A subscripted
variable becomes a row for the whole array (``Initial value subscript``, its ``subscripts`` the
range names) followed by one row per element (``Initial value subscript[Lemon]``; two ranges:
``Name[Macoun,Lemon]``), named exactly as PySD names the element's output column. A constant's
array and each of its elements are settable: ``--set "Initial value subscript=3"`` sets every
element, ``--set "Initial value subscript[Lemon]=3"`` one.

:func:`name_key` is Vensim's rule for names (case, and runs of spaces and underscores, do not
matter), extended to the element part: ``initial_value_subscript[ lemon ]`` is
``Initial value subscript[Lemon]``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import asdict, dataclass

from hlssim.stockflow.pysd_support import vensim_name

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
