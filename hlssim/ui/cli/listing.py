"""``hlssim params``, ``presets`` and ``metrics``: what can be set, chosen and read."""

from __future__ import annotations

from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import preset_description, preset_names


def register(sub) -> None:
    """Declare these commands on the ``hlssim`` subparsers."""
    par_p = sub.add_parser("params", help="list every parameter with its default and allowed values")
    par_p.add_argument("--group", choices=["world", "regime", "mechanism", "calibration"])
    par_p.set_defaults(func=cmd_params)
    sub.add_parser("presets", help="list the presets").set_defaults(func=cmd_presets)
    sub.add_parser("metrics", help="list the metrics a run reports").set_defaults(func=cmd_metrics)


def cmd_params(args) -> int:
    """Every parameter by group, with default, meaning, unit and allowed values."""
    groups = [args.group] if args.group else ["world", "regime", "mechanism", "calibration"]
    for group in groups:
        print(f"[{group}]")
        for p in PARAMETERS.values():
            if p.group == group:
                unit = f" ({p.unit})" if p.unit else ""
                print(f"  {p.name} = {p.default!r}: {p.label}{unit}; {p.allowed()}")
    return 0


def cmd_presets(args) -> int:
    """Every preset with its one-line description."""
    for name in preset_names():
        print(f"{name}: {' '.join(preset_description(name).split())}")
    return 0


def cmd_metrics(args) -> int:
    """Every metric a run reports, with its range and meaning."""
    from hlssim.model.metrics import METRICS

    for m in METRICS:
        high = "unbounded" if m.high is None else f"{m.high:g}"
        print(f"{m.name} [{m.low:g}, {high}]: {m.description}")
    return 0
