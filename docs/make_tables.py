"""Generate the tables of ``docs/ODD.md`` and the whole of ``docs/metrics.md`` from hlssim itself.

The parameter table comes from :data:`hlssim.model.parameters.PARAMETERS`, the preset tables from the
preset files (:func:`hlssim.model.scenario.preset_names`, :func:`hlssim.model.scenario.load_preset_values`)
and the metrics page from :data:`hlssim.model.metrics.METRICS`, so the documents follow the code when
defaults, ranges, presets or metrics change. In ``ODD.md`` only the text between marker lines

    <!-- BEGIN GENERATED: NAME -->
    <!-- END GENERATED: NAME -->

is rewritten; the prose around them is left alone.

Usage (from the repository root)::

    .venv/bin/python docs/make_tables.py          # bring the files up to date
    .venv/bin/python docs/make_tables.py --check  # exit 1 if they are out of date, change nothing

Running it twice changes nothing the second time. Exit codes: 0 up to date (or updated),
1 out of date (``--check``), 2 a marker is missing or repeated in ``ODD.md``.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ODD = DOCS / "ODD.md"
METRICS_MD = DOCS / "metrics.md"

GROUP_ORDER = ("world", "regime", "mechanism", "calibration")
NOT_SET = "·"


# --- formatting ---------------------------------------------------------------------------------

def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, int):
        return str(value)
    return f"{value:g}"


def _number(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _range(p) -> str:
    if p.kind is bool:
        return "true / false"
    if p.kind is str:
        if not p.options:
            return "text"
        return ", ".join(f'`"{o}"`' if o else '`""`' for o in p.options)
    if p.kind is int:
        return f"{int(p.low)} to {int(p.high)}"
    return f"{p.low:g} to {p.high:g}"


def _meaning(label: str, help: str) -> str:
    label = label.strip()
    end = "" if label[-1:] in ".?!" else "."
    return f"**{label}{end}** {help.strip()}"


def _table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the generated blocks -----------------------------------------------------------------------

def parameters_block() -> str:
    from hlssim.model.parameters import PARAMETERS

    params = sorted(PARAMETERS.values(), key=lambda p: GROUP_ORDER.index(p.group)
                    if p.group in GROUP_ORDER else len(GROUP_ORDER))
    rows = [[f"`{p.name}`", p.group, _value(p.default), _range(p), p.unit,
             _meaning(p.label, p.help)] for p in params]
    counts = ", ".join(f"{sum(p.group == g for p in params)} {g}" for g in GROUP_ORDER)
    intro = (f"{len(params)} parameters ({counts}), from `hlssim.model.parameters.PARAMETERS`. "
             "Units are blank for dimensionless shares, weights and intensities in [0, 1].")
    return intro + "\n\n" + _table(["name", "group", "default", "range", "unit", "meaning"], rows)


def _preset_file(name: str) -> dict[str, Any]:
    from hlssim.model.scenario import presets_dir

    with open(presets_dir() / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


def presets_block() -> str:
    from hlssim.model.parameters import PARAMETERS, REGIME_PARAMETERS
    from hlssim.model.scenario import load_preset_values, preset_description, preset_names

    names = list(preset_names())
    values = {n: load_preset_values(n) for n in names}
    used = [k for k in PARAMETERS if any(k in values[n] for n in names)]
    rows = []
    for key in used:
        group = PARAMETERS[key].group
        label = f"`{key}`" if group == "regime" else f"`{key}` ({group})"
        rows.append([label, _value(PARAMETERS[key].default)]
                    + [_value(values[n][key]) if key in values[n] else NOT_SET for n in names])
    missing = [k for k in REGIME_PARAMETERS if k not in used]
    text = [
        f"Values each preset file (`models/presets/NAME.toml`) sets; `{NOT_SET}` means the preset "
        "leaves the parameter at its default. Every other parameter (the world, the mechanism "
        "switches, the calibration) takes its default unless overridden. A regime switch "
        "(`switch_step`, `switch_to`) replaces exactly the regime parameters "
        "(`hlssim.model.parameters.REGIME_PARAMETERS`) with the target preset's values.",
        "",
        _table(["parameter", "default"] + [f"`{n}`" for n in names], rows,
               ["---", "---:"] + ["---:"] * len(names)),
    ]
    if missing:
        listed = ", ".join(f"`{k}`" for k in missing)
        text += ["", f"Regime parameters no preset sets: {listed}."]
    text += ["", "What each preset stands for, and the sources its file names:", ""]
    for n in names:
        sources = str(_preset_file(n).get("sources", "")).strip()
        line = f"- `{n}`: {' '.join(preset_description(n).split())}"
        if sources:
            line += f" *Sources:* {' '.join(sources.split())}."
        text.append(line)
    return "\n".join(text)


def regime_signals_block() -> str:
    """Quantities each preset implies before anything happens (derived by the model's own code)."""
    from hlssim.model import rules as R
    from hlssim.engines.mesa.model import CommissioningModel
    from hlssim.model.costs import monthly_cost
    from hlssim.model.scenario import Scenario, preset_names

    rows = []
    for n in preset_names():
        s = Scenario.from_preset(n)
        model = CommissioningModel(s, seed=0)
        sig = model.signals
        tender_months = 1.0 / s.retender_interval if s.retender_interval > 0 else 0.0
        admin = R.admin_time(s.indicators, s.reports_per_year, s.pbr_share, s.target_level,
                             s.audit_rate, tender_months, s.reflection_time)
        direct = 1.0 - admin - s.reflection_time - s.collaboration_time
        cost = float(monthly_cost(s, model.regime, model.leavers, model.tendered))
        overhead = cost - s.n_workers * s.wage_cost
        rows.append([f"`{n}`", _number(admin), _number(direct), _number(sig.control),
                     _number(sig.pressure), _number(sig.autonomy),
                     _number(R.learning_step_size(s.learning_rate, s.reflection_time)),
                     _number(model.signals.pool_rate), _number(overhead)])
    header = ["preset", "admin share", "direct time before gaming", "control", "indicator pressure",
              "autonomy", "learning step", "pooling rate", "overhead £k/month"]
    note = (
        "Derived by the model's own functions from each preset at the default world "
        "(`hlssim.model.rules`, `CommissioningModel`, `hlssim.model.metrics.monthly_cost`); none depends on "
        "complexity. *admin share* = the expected `admin_time(...)`: its audits at the audit rate, bids at "
        "the tender frequency, claims at the target level (in a run they vary); *direct time before gaming* = 1 - admin "
        "share - `reflection_time` - `collaboration_time` (gaming and failure demand take more "
        "later); *control*, *indicator pressure*, *autonomy* = the regime signals of section 7.0; "
        "*learning step* = `learning_step_size(learning_rate, reflection_time)`; *pooling rate* "
        "= the model's `pool_rate`; *overhead* = the month-0 `monthly_cost` minus wages "
        "(`n_workers * wage_cost`), i.e. the commissioner's monitoring, claims, stewardship and "
        "alliance costs before any turnover or tender."
    )
    return note + "\n\n" + _table(header, rows, ["---"] + ["---:"] * (len(header) - 1))


def plausible_block() -> str:
    """Each uncertain parameter's plausible range and its basis (hlssim.model.plausible_ranges)."""
    from hlssim.model.parameters import PARAMETERS
    from hlssim.model.plausible_ranges import PLAUSIBLE

    rows = []
    for name, r in PLAUSIBLE.items():
        p = PARAMETERS[name]
        rows.append([f"`{name}`", _value(p.default), _range(p),
                     f"{_number(r.low)} to {_number(r.high)}", r.basis, _cell(r.why)])
    return _table(["parameter", "default", "declared range", "plausible range", "basis", "why"],
                  rows)


BLOCKS = {
    "parameters": parameters_block,
    "presets": presets_block,
    "regime-signals": regime_signals_block,
    "plausible-ranges": plausible_block,
}


def metrics_page() -> str:
    from hlssim.experiments.comparison import FINAL_WINDOW
    from hlssim.model.metrics import METRICS, PUBLIC_METRICS

    def rows(metrics):
        out = []
        for i, m in metrics:
            rng = f"{m.low:g} to {m.high:g}" if m.high is not None else f"{m.low:g} or more"
            out.append([str(i), f"`{m.name}`", rng, m.label, m.description])
        return out

    numbered = list(enumerate(METRICS, start=1))
    public = [(i, m) for i, m in numbered if m.name in PUBLIC_METRICS]
    detail = [(i, m) for i, m in numbered if m.name not in PUBLIC_METRICS]
    header = ["#", "name", "range", "label", "how it is computed"]
    return "\n".join([
        "# hlssim metrics",
        "",
        "<!-- Generated by docs/make_tables.py from hlssim.model.metrics.METRICS; "
        "do not edit by hand. -->",
        "",
        f"Every run reports {len(METRICS)} metrics, one value each per month (step), computed by "
        "`hlssim.model.metrics.compute_metrics` after all of the month's phases (phase 7 in "
        "[ODD.md](ODD.md#3-process-overview-and-scheduling)). Every engine returns them as columns "
        "of one table, after a `step` column, in the order below.",
        "",
        f"The first {len(PUBLIC_METRICS)} are the **public metrics** (`hlssim.PUBLIC_METRICS`): "
        "their names and meanings are part of hlssim's interface. The others show single "
        "mechanisms in more detail and may change between versions.",
        "",
        f"`hlssim compare` summarises each run by the mean of each metric over its last "
        f"{FINAL_WINDOW} months (`hlssim.experiments.comparison.FINAL_WINDOW`), then reports the mean and a 95% "
        "interval over replications.",
        "",
        "Unless a row says otherwise, *people* are all people in the system and *workers* all "
        "posts. Metrics are taken after turnover: a post whose holder changed this month keeps "
        "the month's record (time use, gaming, reports), while its holder's state (motivation, "
        "stress, trust, knowledge) is the new holder's. "
        "The *line* is `outcome_line`; *true wellbeing* is the person's wellbeing and *observed "
        "outcome* what the indicator sees of it (see [ODD.md](ODD.md), section 7.1).",
        "",
        f"## Public metrics ({len(public)})",
        "",
        _table(header, rows(public), ["---:", "---", "---", "---", "---"]),
        "",
        f"## Detail metrics ({len(detail)})",
        "",
        _table(header, rows(detail), ["---:", "---", "---", "---", "---"]),
        "",
    ])


# --- putting blocks in place --------------------------------------------------------------------

class MarkerError(Exception):
    pass


def replace_block(text: str, name: str, body: str) -> str:
    """Replace what lies between the ``name`` markers in ``text`` by ``body``."""
    begin = f"<!-- BEGIN GENERATED: {name} -->"
    end = f"<!-- END GENERATED: {name} -->"
    if text.count(begin) != 1 or text.count(end) != 1:
        raise MarkerError(f"{ODD.name}: expected exactly one '{begin}' and one '{end}'")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    if begin in tail or end in head:
        raise MarkerError(f"{ODD.name}: markers for '{name}' are out of order")
    note = "<!-- Generated by docs/make_tables.py; edit the code or presets, not this table. -->"
    return f"{head}{begin}\n{note}\n\n{body.strip()}\n\n{end}{tail}"


def expected_files() -> dict[Path, str]:
    odd = ODD.read_text(encoding="utf-8")
    for name, make in BLOCKS.items():
        odd = replace_block(odd, name, make())
    return {ODD: odd, METRICS_MD: metrics_page()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/ODD.md or docs/metrics.md is out of date; "
                             "write nothing")
    args = parser.parse_args(argv)
    try:
        files = expected_files()
    except MarkerError as err:
        print(f"make_tables: {err}", file=sys.stderr)
        return 2
    stale = [p for p, text in files.items()
             if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"make_tables: {p.relative_to(DOCS.parent)} is out of date; "
                  "run: .venv/bin/python docs/make_tables.py", file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        p.write_text(files[p], encoding="utf-8")
        print(f"updated {p.relative_to(DOCS.parent)}")
    if not stale:
        print("docs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
