"""A fact's size against its source's figure: the ``[fact.magnitude]`` table of a fact spec.

A stylized fact is judged on direction by its ``[[expect]]`` tests. Where the source reports a
quantitative figure (an effect size, a rate, a ratio), the fact also carries that figure and a band
around it, stated in the spec before the run; the fact is reproduced only when its tests pass *and*
the model's figure lies in the band (issue 18)::

    [fact.magnitude]
    what = "crowding out after the first year of contingent pay, in SD units"
    output = "motivation_mean:at_12"            # one of the spec's outputs
    control = {pbr_share = 0.0}                 # the two cells compared (factor levels)
    treated = {pbr_share = 1.0}
    scale = "worker_sd"                         # or "raw": the difference as it is
    sd_step = 12                                # worker_sd: the month the workers' SD is taken at
    source_figure = -0.28
    band = [-0.56, -0.14]
    source = "Deci, Koestner and Ryan 1999: performance-contingent rewards, free-choice, d = -0.28"

The model's figure is the Welch difference of the output's run values, treated minus control; with
``scale = "worker_sd"`` it is divided by the between-worker SD of motivation in the control cell at
month ``sd_step`` (Deci, Koestner and Ryan's effect sizes are in SD units of individual
motivation, which run metrics, a mean over workers, do not carry; the batch engine's state does).
The point estimate must lie in the band; its 95% interval is shown beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hlssim.common.stats import welch_interval
from hlssim.experiments.spec import ExperimentSpec, SpecError

_KEYS = ("what", "output", "control", "treated", "scale", "sd_step", "source_figure", "band", "source")
_SCALES = ("raw", "worker_sd")


@dataclass(frozen=True)
class MagnitudeSpec:
    """What the source says the size is, the band around it, and how the model's figure is made."""

    what: str
    output: str
    control: Mapping[str, Any]
    treated: Mapping[str, Any]
    scale: str
    sd_step: int | None
    source_figure: float
    band: tuple[float, float]
    source: str


@dataclass(frozen=True)
class Magnitude:
    """The model's figure (point, 95% interval), the SD it was scaled by (1 for raw), in band?"""

    spec: MagnitudeSpec
    figure: float
    low: float
    high: float
    sd: float

    @property
    def in_band(self) -> bool:
        low, high = self.spec.band
        return bool(low <= self.figure <= high)

    def text(self) -> str:
        """One line for the report: the model's figure beside the source's and the band."""
        unit = " SD" if self.spec.scale == "worker_sd" else ""
        verdict = "in the band" if self.in_band else "**outside the band**"
        return (f"model {self.figure:+.2f}{unit} [{self.low:+.2f}, {self.high:+.2f}] against the "
                f"source's {self.spec.source_figure:+.2f}{unit}, band [{self.spec.band[0]:+.2f}, "
                f"{self.spec.band[1]:+.2f}]: {verdict}")


def parse_magnitude(table: Any, spec: ExperimentSpec, source: str) -> MagnitudeSpec:
    """Read and check a ``[fact.magnitude]`` table against the fact's spec (one-line errors)."""
    where = f"{source}: fact.magnitude"
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: {table!r} is not allowed; expected a table ({', '.join(_KEYS)})")
    for key in table:
        if key not in _KEYS:
            raise SpecError(f"{where}.{key}: not a setting of a magnitude; expected one of {', '.join(_KEYS)}")
    for key in ("what", "output", "control", "treated", "source_figure", "band", "source"):
        if key not in table:
            raise SpecError(f"{where}.{key}: missing; expected it in the magnitude table")
    for key in ("what", "source"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise SpecError(f"{where}.{key}: {table[key]!r} is not allowed; expected text")
    outputs = [o.name for o in spec.outputs]
    if table["output"] not in outputs:
        raise SpecError(f"{where}.output: {table['output']!r} is not allowed; expected one of the "
                        f"spec's outputs: {', '.join(outputs)}")
    factors = {f.name for f in spec.factors}
    for key in ("control", "treated"):
        cell = table[key]
        if not isinstance(cell, Mapping) or not cell or not set(cell) <= factors:
            raise SpecError(f"{where}.{key}: {cell!r} is not allowed; expected {{FACTOR = LEVEL}} "
                            f"with factors among {', '.join(sorted(factors))}")
    scale = table.get("scale", "raw")
    if scale not in _SCALES:
        raise SpecError(f"{where}.scale: {scale!r} is not allowed; expected one of {', '.join(_SCALES)}")
    sd_step = table.get("sd_step")
    if scale == "worker_sd":
        if table["output"].split(":")[0] != "motivation_mean":
            raise SpecError(f"{where}.scale: 'worker_sd' is only for motivation_mean (the SD is that "
                            "of workers' motivation)")
        if not isinstance(sd_step, int) or isinstance(sd_step, bool) or sd_step < 1:
            raise SpecError(f"{where}.sd_step: {sd_step!r} is not allowed; expected a month >= 1 "
                            "(where the workers' SD is taken)")
    elif sd_step is not None:
        raise SpecError(f"{where}.sd_step: only with scale = 'worker_sd'")
    figure = table["source_figure"]
    if not isinstance(figure, (int, float)) or isinstance(figure, bool) or not np.isfinite(figure):
        raise SpecError(f"{where}.source_figure: {figure!r} is not allowed; expected a number")
    band = table["band"]
    if (not isinstance(band, Sequence) or isinstance(band, str) or len(band) != 2
            or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in band)
            or not band[0] <= figure <= band[1]):
        raise SpecError(f"{where}.band: {band!r} is not allowed; expected [LOW, HIGH] around "
                        f"source_figure {figure}")
    return MagnitudeSpec(what=table["what"].strip(), output=table["output"],
                         control=dict(table["control"]), treated=dict(table["treated"]), scale=scale,
                         sd_step=sd_step, source_figure=float(figure),
                         band=(float(band[0]), float(band[1])), source=table["source"].strip())


def _cell(rows: pd.DataFrame, where: Mapping[str, Any]) -> np.ndarray:
    pick = np.ones(len(rows), bool)
    for name, value in where.items():
        column = rows[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            pick &= np.isclose(column.to_numpy(float), float(value))
        else:
            pick &= (column.astype(str) == str(value)).to_numpy()
    return rows.loc[pick, "value"].to_numpy(float)


def worker_motivation_sd(spec: ExperimentSpec, cell: Mapping[str, Any], step: int,
                         replications: int) -> float:
    """The SD of motivation across workers at month ``step`` of runs in ``cell`` (pooled over
    ``replications`` runs with seeds of their own, apart from the fact's)."""
    from hlssim.engines.batch.model import BatchModel
    from hlssim.model.scenario import Scenario

    values = dict(spec.base) | dict(cell) | {"steps": step}
    scenario = (Scenario.from_preset(spec.base_preset, **values) if spec.base_preset
                else Scenario(values))
    seeds = [np.random.SeedSequence(spec.root_seed, spawn_key=(10**6 + i,))
             for i in range(replications)]
    model = BatchModel(scenario, seeds)
    model.run()
    motivation = np.asarray(model.motivation, float)  # replications x workers
    return float(np.sqrt(np.mean(motivation.var(axis=1, ddof=1))))


def measure(m: MagnitudeSpec, spec: ExperimentSpec, results: pd.DataFrame) -> Magnitude | None:
    """The model's figure from a fact's stored results (None if a cell has fewer than 2 runs)."""
    rows = results[results["output"] == m.output]
    treated, control = _cell(rows, m.treated), _cell(rows, m.control)
    if len(treated) < 2 or len(control) < 2:
        return None
    diff, low, high = welch_interval(treated, control, 0.95)
    sd = 1.0
    if m.scale == "worker_sd":
        sd = worker_motivation_sd(spec, m.control, m.sd_step, max(2, min(spec.replications, 8)))
    return Magnitude(spec=m, figure=diff / sd, low=low / sd, high=high / sd, sd=sd)
