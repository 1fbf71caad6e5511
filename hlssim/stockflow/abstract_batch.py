"""The batched path for a user's model, compiled from PySD's own parse of it (Vensim and XMILE alike).

PySD translates a model in two steps: its Vensim or XMILE parser gives an *abstract model* (every
equation as a syntax tree: ``ArithmeticStructure``, ``CallStructure``, ``IntegStructure``,
``LookupsStructure``, ``DelayStructure``, ... in ``pysd.translators.structures``), then its
builder writes Python from that tree. :class:`AbstractBatch` starts from the same tree and writes
numpy code instead, each variable an array over parameter sets, with PySD's own semantics:

- arithmetic and logic as PySD's builder writes them (``^`` is ``**``, ``:AND:`` is
  ``np.logical_and``, ...), and the functions of :data:`FUNCTIONS` as ``pysd.py_backend.functions``
  computes them (``IF THEN ELSE``, ``MIN``, ``ZIDZ``, ``STEP``, ``RAMP``, ``PULSE``, ...);
- lookups (a lookup table called as a function, ``WITH LOOKUP`` and XMILE graphical functions) as
  ``pysd.py_backend.lookups.Lookups._call``: linear interpolation, the end values held outside the
  table (``interpolate``), or continued along the end segments (``extrapolate``, XMILE), or the
  last point at or below x (``hold_backward``, XMILE ``discrete``);
- ``INTEG`` stocks (XMILE's non-negative ones floored at 0 after each step, as PySD's
  ``NonNegativeInteg``), ``DELAY1``/``DELAY1I``/``DELAY3``/``DELAY3I`` (and XMILE ``DELAY1``/``DELAY3``),
  ``DELAY N``, ``SMOOTH``/``SMOOTHI``/``SMOOTH3``/``SMOOTH3I`` (XMILE ``SMTH1``/``SMTH3``) and
  ``SMOOTH N`` as PySD's ``Integ``, ``Delay``, ``DelayN`` and ``Smooth`` objects hold and update
  their state (a ``DELAY N`` also its stages' delay times), and ``INITIAL``. The order of a
  ``DELAY N`` or ``SMOOTH N`` is taken once, at the start, as in PySD (a delay's cast to a whole
  number); parameter sets of different orders are integrated in groups of one order each;
- PySD's time loop (``Model._integrate``): Euler steps of ``TIME STEP`` while ``t + dt 1e-5 <
  FINAL TIME``, values saved where ``(t - INITIAL TIME) % SAVEPER`` is within ``dt 1e-5`` of 0.

Anything else (subscripts, macros, data, random functions, other delays) is declined with one
line naming the first construct it cannot do, in the model's order, e.g. ``test_delay_fixed.mdl:
DF05: uses DELAY FIXED, which the batched integrator does not implement``.
:mod:`hlssim.stockflow.user_batch` then checks a run of the model's own values against PySD before
trusting it for a sweep.

>>> from pathlib import Path
>>> m = AbstractBatch(Path(__file__).parents[2] / "tests/sd_test_models/teacup/teacup.xmile")
>>> out, times = m.run({m.resolve("Characteristic Time"): [10.0, 20.0]}, final_time=1)
>>> [round(float(x), 3) for x in out[m.resolve("Teacup Temperature")][:, -1]]
[169.469, 174.619]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import numpy as np

from hlssim.errors import HlssimError
from hlssim.stockflow.batch_functions import (FUNCTIONS, NAMESPACE, PULSE_ARGS, Declined, MixedOrders,
                                              lookup_table)

__all__ = ["AbstractBatch", "Declined", "read_abstract_model", "vensim_key"]

#: PySD's relative precision of the final and saving times (``Time.rprec``).
RPREC = 1e-5
#: The time settings, by PySD's reference name, as the generated code calls them.
CONTROLS = {"initial_time": "_T0", "final_time": "_TF", "time_step": "_DT", "saveper": "_SP"}


#: PySD's ``OperationBuilder._operators_build``: operator -> (code, order); comparisons and logic
#: give numbers (``_float``), as PySD's ``True`` is 1.0 in its output.
_ORDER = {"^": ("%s**%s", 1), "*": ("%s*%s", 2), "/": ("%s/%s", 2), "+": ("%s + %s", 3),
          "-": ("%s - %s", 3), "=": ("_float(%s == %s)", 0), "<>": ("_float(%s != %s)", 0),
          ">=": ("_float(%s >= %s)", 0), ">": ("_float(%s > %s)", 0), "<=": ("_float(%s <= %s)", 0),
          "<": ("_float(%s < %s)", 0), ":NOT:": ("_float(np.logical_not(%s))", 0),
          ":AND:": ("_float(np.logical_and(%s, %s))", 0), ":OR:": ("_float(np.logical_or(%s, %s))", 0),
          "negative": ("-%s", 3)}


def _lower(arg: list, order: int) -> None:
    """PySD's ``BuildAST.lower_order``: parentheses where the operand's order conflicts."""
    if arg[1] >= order and arg[1] != 0 and order != 0:
        arg[0], arg[1] = f"({arg[0]})", 0


#: PySD structures the batched path does not implement -> the Vensim/XMILE construct, for the reason.
_DECLINED = {"DelayFixedStructure": "DELAY FIXED", "TrendStructure": "TREND", "ForecastStructure": "FORECAST",
             "SampleIfTrueStructure": "SAMPLE IF TRUE",
             "AllocateAvailableStructure": "ALLOCATE AVAILABLE", "AllocateByPriorityStructure": "ALLOCATE BY PRIORITY",
             "GetLookupsStructure": "GET LOOKUPS (a data file)", "GetDataStructure": "GET DATA (a data file)",
             "GetConstantsStructure": "GET CONSTANTS (a data file)", "DataStructure": "DATA",
             "InitialStructure": None, "ActiveInitialStructure": "ACTIVE INITIAL"}


def read_abstract_model(path: Path):
    """PySD's abstract model of a Vensim or XMILE file (its parser, not its builder)."""
    if path.suffix.lower() == ".mdl":
        from pysd.translators.vensim.vensim_file import VensimFile as Reader
    else:
        from pysd.translators.xmile.xmile_file import XmileFile as Reader
    reader = Reader(path)
    reader.parse()
    return reader.get_abstract_model()


class _Unsupported(Exception):
    """A construct the batched path does not implement (its Vensim/XMILE name)."""


class _Compiler:
    """Expressions of one model's syntax trees as numpy code; stateful structures become state
    nodes (``_S[k]``) and ``INITIAL`` values init nodes (``_I[k]``), lookup tables ``_L[k]``."""

    def __init__(self, idents: dict[str, str], lookups: dict[str, object], macros: set[str]):
        self.idents, self.lookups, self.macros = idents, lookups, macros
        self.tables: list = []  # lookup functions, _L[k]
        self.states: list[dict] = []  # {kind, order, input, time, initial: (code, deps)}
        self.inits: list[tuple[str, set]] = []  # INITIAL(x): (code, deps), evaluated once

    def code(self, ast) -> tuple[str, set[str]]:
        """``(python, names it depends on)`` for one syntax tree."""
        deps: set[str] = set()
        return self._code(ast, deps), deps

    def _code(self, ast, deps: set[str]) -> str:
        if isinstance(ast, (bool, np.bool_)):
            return repr(float(ast))
        if isinstance(ast, (int, np.integer)):
            return repr(int(ast))
        if isinstance(ast, (float, np.floating)):
            x = float(ast)
            return repr(x) if np.isfinite(x) else ("np.nan" if np.isnan(x) else f"({'-' if x < 0 else ''}np.inf)")
        kind = type(ast).__name__
        if kind in ("ArithmeticStructure", "LogicStructure"):
            return self._operation(ast, deps)
        if kind == "ReferenceStructure":
            return self._reference(ast, deps)
        if kind == "CallStructure":
            return self._call(ast, deps)
        if kind == "GameStructure":  # PySD ignores GAME: its expression
            return self._code(ast.expression, deps)
        if kind == "InlineLookupsStructure":
            table = self._table(ast.lookups)
            return f"{table}({self._code(ast.argument, deps)})"
        if kind == "InitialStructure":
            code, inner = self.code(ast.initial)
            self.inits.append((code, inner))
            name = f"_I{len(self.inits) - 1}"
            deps.add(name)
            return name
        if kind in ("IntegStructure", "DelayStructure", "SmoothStructure", "DelayNStructure", "SmoothNStructure"):
            return self._state(ast, kind, deps)
        raise _Unsupported(_DECLINED.get(kind) or kind.removesuffix("Structure").upper())

    def _operation(self, ast, deps: set[str]) -> str:
        return self._ordered(ast, deps)[0]

    def _ordered(self, ast, deps: set[str]) -> list:
        """``[code, order]`` as PySD's ``OperationBuilder`` writes an operation: a flat string read
        with Python's precedence, an operand put in parentheses only where its operator order
        asks for it (so ``-2^2`` is ``-2**2``, -4, as in PySD)."""
        if type(ast).__name__ not in ("ArithmeticStructure", "LogicStructure"):
            return [self._code(ast, deps), 0]
        ops = list(ast.operators)
        args = [self._ordered(a, deps) for a in ast.arguments]
        if any(op not in _ORDER for op in ops):
            raise _Unsupported(f"the operator {next(op for op in ops if op not in _ORDER)}")
        template, order = _ORDER[ops[-1]]
        _lower(args[-1], 2 if ops[-1] == "^" else order)
        if len(args) == 1:
            if ops[0] == "negative":
                order = 1
            return [_ORDER[ops[0]][0] % args[0][0], order]
        if len(ops) != len(args) - 1:
            raise _Unsupported("an operator sequence PySD's builder reads specially")
        right = args.pop()[0]
        while ops:
            template = _ORDER[ops.pop()][0]
            left = args.pop()
            _lower(left, order)
            right = template % (left[0], right)
        return [right, order]

    def _reference(self, ast, deps: set[str]) -> str:
        if ast.subscripts is not None:
            raise _Unsupported("subscripts")
        ref = ast.reference
        if ref == "time":
            return "Time"
        if ref in CONTROLS:
            return CONTROLS[ref]
        if ref in self.lookups:
            raise _Unsupported("a lookup table used as a value")
        if ref not in self.idents:
            raise _Unsupported(f"'{ref}' (not a variable of the model)")
        deps.add(self.idents[ref])
        return self.idents[ref]

    def _call(self, ast, deps: set[str]) -> str:
        name = ast.function.reference if type(ast.function).__name__ == "ReferenceStructure" else None
        args = [self._code(a, deps) for a in ast.arguments]
        if name in self.lookups:
            if len(args) != 1:
                raise _Unsupported("a lookup called with several arguments")
            return f"{self._table(self.lookups[name])}({args[0]})"
        if name in self.macros:
            raise _Unsupported(f"MACRO {name}")
        if name == "pi" and not args:
            return "np.pi"
        if name == "log" and len(args) == 2:
            return f"(np.log({args[0]})/np.log({args[1]}))"
        if name not in FUNCTIONS:
            raise _Unsupported(str(name).upper().replace("_", " "))
        func, timed = FUNCTIONS[name]
        if name in PULSE_ARGS:
            args = [k + a for k, a in zip(PULSE_ARGS[name], args)]
        return f"{func}({'Time, _DT, ' if timed else ''}{', '.join(args)})"

    def _table(self, lookups) -> str:
        kind = getattr(lookups, "type", "interpolate")
        if kind not in ("interpolate", "hold_backward", "extrapolate"):
            raise _Unsupported(f"a lookup of type {kind}")
        self.tables.append(lookup_table(lookups.x, lookups.y, kind))
        return f"_L[{len(self.tables) - 1}]"

    def _state(self, ast, kind: str, deps: set[str]) -> str:
        if kind == "IntegStructure":
            node = {"kind": "integ", "order": "1", "input": self.code(ast.flow), "time": ("1", set()),
                    "initial": self.code(ast.initial), "non_negative": bool(ast.non_negative)}
        else:
            delay = kind.startswith("Delay")
            order, order_deps = ast.order, set()
            if kind in ("DelayNStructure", "SmoothNStructure"):  # an expression, evaluated once at the start
                code, inner = self.code(order)
                self.inits.append((f"_uniform_order({code}, {delay}, _n)", inner))
                order = f"_I{len(self.inits) - 1}"
                order_deps = {order}
            elif not isinstance(order, (int, float, np.number)) or order != int(order) or order < 1:
                raise _Unsupported(f"{'DELAY' if delay else 'SMOOTH'} of order {order}")
            else:
                order = str(int(order))
            node = {"kind": {"DelayStructure": "delay", "DelayNStructure": "delayn"}.get(kind, "smooth"),
                    "order": order, "order_deps": order_deps, "input": self.code(ast.input),
                    "time": self.code(ast.delay_time if delay else ast.smooth_time),
                    "initial": self.code(ast.initial)}
        self.states.append(node)
        name = f"_O{len(self.states) - 1}"
        deps.add(name)
        return name


def vensim_key(name: str) -> str:
    """Vensim's rule for names: case, runs of spaces and underscores do not matter."""
    return re.sub(r"[\s_]+", " ", str(name)).strip().lower()


class AbstractBatch:
    """A model compiled to integrate many parameter sets at once; see the module docstring.

    ``constants`` maps each constant (a plain number in the model) to its value by identifier;
    :meth:`resolve` gives the identifier of a model name; :meth:`run` integrates.
    """

    def __init__(self, path: str | Path, abstract_model=None):
        self.path = Path(path)
        model = abstract_model if abstract_model is not None else read_abstract_model(self.path)
        macros = {s.name for s in model.sections[1:]}
        elements = model.sections[0].elements
        idents: dict[str, str] = {}
        self.names: dict[str, str] = {}  # identifier -> the model's name
        lookups: dict[str, object] = {}
        for i, e in enumerate(elements):
            ref = e.name.lower().replace(" ", "_")  # how PySD's builder finds a reference
            if ref in CONTROLS:
                continue
            c = e.components[0]
            if type(c).__name__ == "AbstractLookup" and type(c.ast).__name__ == "LookupsStructure":
                lookups[ref] = c.ast
                continue
            idents[ref] = f"v{i}"
            self.names[f"v{i}"] = e.name
        self._keys = {vensim_key(n): ident for ident, n in self.names.items()}
        compiler = _Compiler(idents, lookups, macros)
        self.constants: dict[str, float] = {}
        self._controls: dict[str, float | str] = {}  # a number, or another time setting's name
        aux: dict[str, tuple[str, set]] = {}
        for e in elements:
            ref = e.name.lower().replace(" ", "_")
            try:
                if macros and e.name in macros:
                    raise _Unsupported(f"MACRO {e.name}")
                if len(e.components) != 1 or any(e.components[0].subscripts):
                    raise _Unsupported("subscripts")
                c = e.components[0]
                if type(c).__name__ == "AbstractData":
                    raise _Unsupported("DATA")
                if ref in lookups:
                    continue
                if ref in CONTROLS:
                    self._controls[ref] = self._control(c.ast, e.name)
                    continue
                if type(c.ast).__name__ == "LookupsStructure":
                    raise _Unsupported("a lookup table defined as a variable")
                if isinstance(c.ast, (int, float, np.number)) and not isinstance(c.ast, bool):
                    self.constants[idents[ref]] = float(c.ast)
                    continue
                aux[idents[ref]] = compiler.code(c.ast)
            except _Unsupported as why:
                raise HlssimError(f"{self.path.name}: {e.name}: uses {why}, which the batched "
                                  "integrator does not implement") from None
        self._controls.setdefault("saveper", "time_step")
        self.control = self.time_settings({})
        self._tables, self._states, self._inits = compiler.tables, compiler.states, compiler.inits
        self._non_negative = [k for k, st in enumerate(self._states) if st.get("non_negative")]
        self._aux = aux
        self._init, self._eval = self._compile()

    @staticmethod
    def _control(ast, name: str) -> float | str:
        if isinstance(ast, (int, float, np.number)):
            return float(ast)
        if type(ast).__name__ == "ReferenceStructure" and ast.reference in CONTROLS and ast.subscripts is None:
            return ast.reference
        raise _Unsupported(f"a time setting that is neither a number nor another one ({name})")

    def time_settings(self, given: Mapping[str, float]) -> dict[str, float]:
        """The four time settings (PySD's names) with ``given`` ones changed: one defined as another
        (``SAVEPER = TIME STEP``) follows it, as in PySD."""
        defaults = {"initial_time": 0.0, "final_time": 100.0, "time_step": 1.0, "saveper": "time_step"}
        rules = defaults | self._controls | {k: float(v) for k, v in given.items() if v is not None}
        out: dict[str, float] = {}
        for name in CONTROLS:
            seen, value = {name}, rules[name]
            while isinstance(value, str):
                if value in seen:
                    raise HlssimError(f"{self.path.name}: the time settings are defined in a loop")
                seen.add(value)
                value = rules[value]
            out[name] = value
        return out

    def _order(self, graph: dict[str, set[str]], what: str) -> list[str]:
        try:
            return list(TopologicalSorter({k: v & set(graph) for k, v in graph.items()}).static_order())
        except CycleError as err:
            names = " -> ".join(self.names.get(n, n) for n in err.args[1])
            raise HlssimError(f"{self.path.name}: {what} depend on each other in a loop ({names})") from None

    def _compile(self):
        """Two straight-line functions: ``_init`` (initial states) and ``_eval`` (every value and
        every state's derivative at one time)."""
        head = ["    _DT, _T0, _TF, _SP = _C"] + [f"    {n} = _P[{n!r}]" for n in self.constants]
        # at the initial time: a state's value is its initial value, an INITIAL its expression
        graph = {n: deps for n, (_, deps) in self._aux.items()}
        for k, s in enumerate(self._states):
            graph[f"_O{k}"] = s["initial"][1] | s["time"][1] | s.get("order_deps", set())
        for k, (_, deps) in enumerate(self._inits):
            graph[f"_I{k}"] = deps
        init = ["def _init(_P, _C, Time, _n):", *head]
        for name in self._order(graph, "initial values"):
            if name.startswith("_O"):
                k = int(name[2:])
                s = self._states[k]
                order, first = s["order"], s["initial"][0]
                if s["kind"] in ("delay", "delayn"):  # PySD's Delay: every stage holds initial * delay time
                    init += [f"    _d{k} = {s['time'][0]}",  # PySD would lower the order here: not done
                             f"    if np.any({order} * _DT > np.asarray(_d{k})): raise _Declined("
                             f"f'a delay of order {{{order}}} shorter than {{{order}}} time steps')",
                             f"    _S{k} = _stages(({first}) * _d{k}, {order}, _n)"]
                    if s["kind"] == "delayn":  # PySD's DelayN also keeps each stage's delay time
                        init += [f"    _X{k} = _stages(_d{k}, {order}, _n)", f"    {name} = _S{k}[-1] / _X{k}[0]"]
                    else:
                        init.append(f"    {name} = _S{k}[-1] / _d{k}")
                else:
                    init += [f"    _S{k} = _stages({first}, {order}, _n)",
                             f"    {name} = _S{k}[-1]"]
            elif name.startswith("_I"):
                init.append(f"    {name} = {self._inits[int(name[2:])][0]}")
            elif name in self._aux:
                init.append(f"    {name} = {self._aux[name][0]}")
        delayn = [k for k, s in enumerate(self._states) if s["kind"] == "delayn"]
        init.append("    _X = {" + ", ".join(f"{k}: _X{k}" for k in delayn) + "}")
        init.append("    return [" + ", ".join(f"_S{k}" for k in range(len(self._states))) + "], ["
                    + ", ".join(f"_I{k}" for k in range(len(self._inits))) + "], _X")
        # at any later time: states from _S, then the auxiliaries in order, then derivatives
        graph = {n: deps for n, (_, deps) in self._aux.items()}
        for k, s in enumerate(self._states):
            graph[f"_O{k}"] = s["time"][1] if s["kind"] == "delay" else set()
        step = ["def _eval(_S, _I, _X, _P, _C, Time):", *head]
        step += [f"    _S{k} = _S[{k}]" for k in range(len(self._states))]
        step += [f"    _I{k} = _I[{k}]" for k in range(len(self._inits))]
        for name in self._order(graph, "auxiliaries"):
            if name.startswith("_O"):
                k = int(name[2:])
                s = self._states[k]
                step.append(f"    {name} = _S{k}[-1] / ({s['time'][0]})" if s["kind"] == "delay"
                            else f"    {name} = _S{k}[-1] / _X[{k}][0]" if s["kind"] == "delayn"
                            else f"    {name} = _S{k}[-1]")
            elif name in self._aux:
                step.append(f"    {name} = {self._aux[name][0]}")
        ddt = []
        for k, s in enumerate(self._states):
            inp, time = s["input"][0], s["time"][0]
            if s["kind"] == "integ":
                step.append(f"    _D{k} = ({inp})")
            elif s["kind"] == "delay":  # PySD: (inflows - outflows) * order
                step += [f"    _out{k} = _S{k} / ({time})", f"    _in{k} = np.roll(_out{k}, 1, axis=0)",
                         f"    _in{k}[0] = {inp}", f"    _D{k} = (_in{k} - _out{k}) * {s['order']}"]
            elif s["kind"] == "delayn":  # PySD's DelayN: the stages' delay times move on first
                step += [f"    _X[{k}] = np.roll(_X[{k}], 1, axis=0)", f"    _X[{k}][0] = {time}",
                         f"    _out{k} = _S{k} / _X[{k}]", f"    _in{k} = np.roll(_out{k}, 1, axis=0)",
                         f"    _in{k}[0] = {inp}", f"    _D{k} = (_in{k} - _out{k}) * {s['order']}"]
            else:  # PySD's Smooth: (targets - state) * order / smooth time
                step += [f"    _tg{k} = np.roll(_S{k}, 1, axis=0)", f"    _tg{k}[0] = {inp}",
                         f"    _D{k} = (_tg{k} - _S{k}) * {s['order']} / ({time})"]
            ddt.append(f"_D{k}")
        values = list(self.constants) + list(self._aux)
        step.append("    return [" + ", ".join(ddt) + "], {" + ", ".join(f"{n!r}: {n}" for n in values) + "}")
        namespace = dict(NAMESPACE) | {"_L": self._tables, "_Declined": Declined}
        source = "\n".join(init + [""] + step)
        exec(compile(source, f"<{self.path.name}>", "exec"), namespace)  # noqa: S102 - the model's own equations
        return namespace["_init"], namespace["_eval"]

    def resolve(self, name: str) -> str:
        """The identifier of a variable given by its model name (Vensim's rule: any case, spaces
        or underscores) or its identifier; unknown names are returned unchanged."""
        return self._keys.get(vensim_key(name), name)

    def run(self, params: Mapping[str, object] | None = None, *, initial_time: float | None = None,
            final_time: float | None = None, time_step: float | None = None,
            saveper: float | None = None, n: int | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Integrate every parameter set as PySD would; return ``({identifier: array (sets, saved
        times)}, saved times)`` for every constant and auxiliary (stocks included).

        ``params`` maps constants (identifiers) to scalars or 1-D arrays, one value per set; ``n``
        is the number of sets (default: the arrays' length, else 1)."""
        arrays = {self.resolve(k): np.atleast_1d(np.asarray(v, dtype=float)) for k, v in (params or {}).items()}
        unknown = sorted(self.names.get(k, k) for k in set(arrays) - set(self.constants))
        if unknown:
            raise HlssimError(f"{self.path.name}: {', '.join(unknown)}: not a constant the batched path sets")
        n = n or max((a.shape[0] for a in arrays.values()), default=1)
        P = {k: np.broadcast_to(arrays.get(k, v), (n,)) for k, v in self.constants.items()}
        times = self.time_settings({"initial_time": initial_time, "final_time": final_time,
                                    "time_step": time_step, "saveper": saveper})
        try:
            return self._run(P, times, n)
        except MixedOrders as mixed:  # integrate each order's sets together; the sets are independent
            groups = [np.flatnonzero(mixed.orders == order) for order in np.unique(mixed.orders)]
            parts = [self.run({k: v[idx] for k, v in P.items()}, n=len(idx), **times) for idx in groups]
            out = {k: np.empty((n, v.shape[1])) for k, v in parts[0][0].items()}
            for idx, (part, _) in zip(groups, parts):
                for k, v in part.items():
                    out[k][idx] = v
            return out, parts[0][1]

    def _run(self, P: dict[str, np.ndarray], settings: dict[str, float], n: int):
        t0, tf, dt, sp = (settings[k] for k in ("initial_time", "final_time", "time_step", "saveper"))
        C = (dt, t0, tf, sp)
        with np.errstate(all="ignore"):  # as PySD: inf and nan flow on (a run's table shows them)
            states, inits, extra = self._init(P, C, t0, n)
            saved, times = [], []
            t = t0
            prec = dt * RPREC
            while True:
                inside = t + dt * RPREC < tf  # PySD's Time.in_bounds
                save = (t - t0) % sp < prec or -(t - t0) % sp < prec  # PySD's Time.in_return
                if not (inside or save):
                    break
                ddt, values = self._eval(states, inits, extra, P, C, t)
                if save:
                    saved.append(values)
                    times.append(t)
                if not inside:
                    break
                states = [s + d * dt for s, d in zip(states, ddt)]
                for k in self._non_negative:  # PySD's NonNegativeInteg: the new state, floored at 0
                    states[k] = np.maximum(states[k], 0)
                t = t + dt
        out = {k: np.stack([np.broadcast_to(np.asarray(v[k], dtype=float), (n,)) for v in saved], axis=1)
               for k in (saved[0] if saved else {})}
        return out, np.asarray(times, dtype=float)
