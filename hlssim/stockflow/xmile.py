"""The XMILE twin of a Vensim model: the same equations, units and documentation as XMILE.

``models/hls_commissioning.xmile`` is written from ``models/hls_commissioning.mdl`` by
:func:`mdl_to_xmile` (``python -m hlssim.stockflow.xmile`` rewrites it), so Stella and other XMILE tools
can open the model and PySD can run it (``run_sd(scenario, model="hls_commissioning.xmile")``);
tests check that the committed twin is what the .mdl gives and that both run to the same output.

Each stock ``INTEG(net flow, initial)`` becomes a ``<stock>`` whose inflows and outflows are the
flow variables of its net flow (``a - b``: inflow ``a``, outflow ``b``; a single name: inflow);
those variables become ``<flow>``, every other variable ``<aux>``. ``IF THEN ELSE(c, a, b)``
becomes ``IF c THEN a ELSE b``; MIN, MAX and ``^`` are XMILE's own.

>>> _xmile_expression("IF THEN ELSE(x > 0, MIN(1, y), 0) + 2")
'(IF x > 0 THEN MIN(1, y) ELSE 0) + 2'
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from hlssim.errors import HlssimError
from hlssim.stockflow.commissioning import (
    CONTROL_NAMES,
    DEFAULT_MODEL,
    model_path,
    read_mdl,
    rewrite_if_then_else,
    split_args,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def _xmile_expression(expr: str) -> str:
    """A Vensim expression of this project's subset in XMILE syntax."""
    return rewrite_if_then_else(expr, lambda cond, a, b: f"(IF {cond} THEN {a} ELSE {b})")


def _flows(net: str, stock: str) -> tuple[list[str], list[str]]:
    net = " ".join(net.split())
    if re.fullmatch(_NAME, net):
        return [net], []
    m = re.fullmatch(rf"({_NAME}) - ({_NAME})", net)
    if m:
        return [m.group(1)], [m.group(2)]
    raise HlssimError(f"stock '{stock}': net flow '{net}' is not 'flow' or 'inflow - outflow'; "
                      "write it so to make an XMILE twin")


def mdl_to_xmile(mdl: str | Path = DEFAULT_MODEL) -> str:
    """The XMILE text of a Vensim model written in this project's subset (see module docstring)."""
    path = model_path(mdl)
    eqs = read_mdl(path)
    stocks, flows = {}, set()
    for name, eq in eqs.items():
        if eq.is_stock:
            inner = eq.expression.strip()[eq.expression.index("(") + 1:-1]
            net, initial = split_args(inner)
            ins, outs = _flows(net, name)
            stocks[name] = (initial, ins, outs)
            flows.update(ins + outs)
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0" version="1.0">',
             "    <header>", f"        <name>{escape(path.stem)}</name>",
             "        <vendor>hlssim</vendor>",
             f'        <product version="1.0">hlssim.stockflow.xmile from {escape(path.name)}</product>',
             "    </header>",
             f'    <sim_specs time_units="{escape(eqs["TIME STEP"].units)}">',
             f"        <start>{eqs['INITIAL TIME'].expression}</start>",
             f"        <stop>{eqs['FINAL TIME'].expression}</stop>",
             f"        <dt>{eqs['TIME STEP'].expression}</dt>",
             "    </sim_specs>", "    <model>", "        <variables>"]
    for name, eq in eqs.items():
        if name in CONTROL_NAMES:
            continue
        if name in stocks:
            initial, ins, outs = stocks[name]
            body = [f"<eqn>{escape(_xmile_expression(initial))}</eqn>"]
            body += [f"<inflow>{f}</inflow>" for f in ins] + [f"<outflow>{f}</outflow>" for f in outs]
            kind = "stock"
        else:
            body = [f"<eqn>{escape(_xmile_expression(eq.expression))}</eqn>"]
            kind = "flow" if name in flows else "aux"
        body += [f"<units>{escape(eq.units)}</units>", f"<doc>{escape(eq.doc)}</doc>"]
        lines.append(f'            <{kind} name="{escape(name)}">')
        lines += [f"                {b}" for b in body]
        lines.append(f"            </{kind}>")
    lines += ["        </variables>", "    </model>", "</xmile>", ""]
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - rewrites the committed twin
    path = model_path(DEFAULT_MODEL)
    out = path.with_suffix(".xmile")
    out.write_text(mdl_to_xmile(path), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":  # pragma: no cover
    main()
