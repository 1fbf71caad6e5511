"""``hlssim calibrate``: fit free parameters of a regime to target statistics; write a preset.

A calibration problem is a TOML file (``experiments/calibration/*.toml``)::

    name = "hls_grant_borders"      # the preset written: models/presets/NAME.toml
    description = "..."
    preset = "hls_grant"            # the regime fitted: its other settings are kept
    baseline = "npm_targets"        # targets are relative changes against this regime
    world = {complexity = 0.5}      # settings shared by both (sizes, the world)
    replications = 8                # runs per parameter draw (the batch engine, one pass)
    draws = 256                     # prior draws (Latin hypercube over the box)
    accept = 0.1                    # share of draws kept as the posterior sample
    root_seed = 2026

    [free]                          # the parameters fitted, each with its prior range
    indicators = [0.0, 4.0]

    [[target]]
    name = "recipients' target-monitoring time up to 90% lower"
    quantity = "admin_time_share"   # a metric (its mean over the last 12 months), or a
                                    # derived quantity (DERIVED below)
    change = -0.9                   # (regime - baseline) / baseline
    tolerance = 0.1                 # how far off counts as one unit of distance

    [[holdout]]                     # figures held out of the fit and predicted (out of sample):
    name = "funder monitoring time up to 80% lower"   # same fields as a target, no tolerance
    quantity = "funder_monitoring"
    change = -0.8

    [[unmatched]]                   # figures with no honest counterpart in the model: reported
    name = "claims-staff time up to 50% lower"
    why = "..."

    [quick]                         # --quick: a smaller version (draws, replications, world)
    draws = 32

The method is rejection approximate Bayesian computation (ABC) over the batch engine: draws from
a uniform prior over the box (scipy's Latin hypercube, seeded), each simulated with
``hlssim.run_many`` under the same seeds as the baseline (common random numbers), the distance
is the root mean square of (simulated change - target) / tolerance over targets, and the
``accept`` share of draws nearest the targets is the posterior sample. The fit is the posterior
median; its uncertainty the posterior's 5-95% range and SD (against the prior's, to show what the
targets pin down and what they leave open). The fitted point is then run again with fresh seeds
and twice the replications, and each target's achieved change is reported with a 95% interval.
A held-out figure plays no part in the fit: it is predicted, with the posterior predictive 95%
range (its change at every accepted draw, each over the fit's replications) and its change at the
fitted point with fresh seeds, and shown beside the observed figure.
Calibration writes a new preset; it never changes defaults or the declared presets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from hlssim.common.files import write_text
from hlssim.common.stats import mean_interval
from hlssim.errors import HlssimError
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.parameters import PARAMETERS, PRESET_NAMES
from hlssim.model.scenario import Scenario, load_preset_values, preset_names, presets_dir, read_toml

_KEYS = ("name", "description", "preset", "baseline", "world", "replications", "draws", "accept",
         "root_seed", "free", "target", "holdout", "unmatched", "quick", "sources")
_QUICK_KEYS = ("draws", "replications", "world", "accept")
LAST_MONTHS = 12


#: Quantities that are not run metrics: name -> (description, function of the scenario). None
#: today: the funder's monitoring, once a formula of the regime's settings, is now a run metric
#: (``funder_monitoring``: reports read, audits held and claims checked, hlssim.model.costs).
DERIVED: dict[str, tuple[str, Callable[[Scenario], float]]] = {}


@dataclass(frozen=True)
class Target:
    name: str
    quantity: str
    change: float
    tolerance: float
    source: str = ""


@dataclass(frozen=True)
class Problem:
    """A validated calibration problem."""

    name: str
    description: str
    preset: str
    baseline: str
    world: Mapping[str, Any]
    free: Mapping[str, tuple[float, float]]
    targets: tuple[Target, ...]
    replications: int = 8
    draws: int = 256
    accept: float = 0.1
    root_seed: int = 0
    unmatched: tuple[tuple[str, str], ...] = ()
    holdouts: tuple[Target, ...] = ()
    sources: str = ""
    source: str = "calibration"
    quick: Mapping[str, Any] = field(default_factory=dict)

    def quick_version(self) -> Problem:
        from dataclasses import replace

        q = self.quick
        return replace(self, draws=q.get("draws", self.draws),
                       replications=q.get("replications", self.replications),
                       accept=q.get("accept", self.accept), world=dict(self.world) | dict(q.get("world", {})))


def _err(source: str, message: str) -> HlssimError:
    return HlssimError(f"{source}: {message}")


def _number(value: Any, source: str, field_: str, low: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (low is not None and value <= low):
        raise _err(source, f"{field_}: {value!r} is not allowed; expected a number"
                   + (f" above {low:g}" if low is not None else ""))
    return float(value)


def _int(value: Any, source: str, field_: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _err(source, f"{field_}: {value!r} is not allowed; expected a whole number from {low}")
    return value


def _check_world(world: Any, source: str, field_: str) -> dict[str, Any]:
    if not isinstance(world, Mapping):
        raise _err(source, f"{field_}: expected a table of parameter = value")
    for key in world:
        if key not in PARAMETERS:
            raise _err(source, f"{field_}.{key}: not a parameter; see hlssim params")
    return dict(world)


def parse_problem(data: Mapping[str, Any], source: str = "calibration") -> Problem:
    """Validate a calibration problem (a parsed TOML file); one clear error naming the field."""
    for key in data:
        if key not in _KEYS:
            raise _err(source, f"{key}: not a setting; expected one of {', '.join(_KEYS)}")
    for key in ("name", "preset", "baseline", "free", "target"):
        if key not in data:
            raise _err(source, f"{key}: missing")
    name = data["name"]
    if not isinstance(name, str) or not name.isidentifier():
        raise _err(source, f"name: {name!r} is not allowed; expected a preset name (letters, digits, _)")
    if name in PRESET_NAMES:
        raise _err(source, f"name: {name!r} is a declared preset; calibration writes a new preset, "
                   "never a declared one")
    for key in ("preset", "baseline"):
        if data[key] not in preset_names():
            raise _err(source, f"{key}: {data[key]!r} is not allowed; expected one of "
                       f"{', '.join(preset_names())}")
    world = _check_world(data.get("world", {}), source, "world")
    free_raw = data["free"]
    if not isinstance(free_raw, Mapping) or not free_raw:
        raise _err(source, "free: expected a table of parameter = [low, high]")
    free: dict[str, tuple[float, float]] = {}
    for key, bounds in free_raw.items():
        param = PARAMETERS.get(key)
        if param is None or param.kind is not float:
            raise _err(source, f"free.{key}: not allowed; expected a parameter with a number value")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
                or not param.low <= bounds[0] < bounds[1] <= param.high):
            raise _err(source, f"free.{key}: {bounds!r} is not allowed; expected [low, high] within "
                       f"[{param.low:g}, {param.high:g}] with low < high")
        if key in world:
            raise _err(source, f"free.{key}: also set in world; set it in one place")
        free[key] = (float(bounds[0]), float(bounds[1]))
    raw_targets = data["target"]
    if not isinstance(raw_targets, list) or not raw_targets:
        raise _err(source, "target: expected one or more [[target]] tables")
    targets = [_target(t, source, f"target[{i}]", True) for i, t in enumerate(raw_targets)]
    raw_holdouts = data.get("holdout", [])
    if not isinstance(raw_holdouts, list):
        raise _err(source, "holdout: expected [[holdout]] tables")
    holdouts = [_target(t, source, f"holdout[{i}]", False) for i, t in enumerate(raw_holdouts)]
    unmatched = []
    for i, u in enumerate(data.get("unmatched", [])):
        if not isinstance(u, Mapping) or set(u) != {"name", "why"}:
            raise _err(source, f"unmatched[{i}]: expected a table with name and why")
        unmatched.append((str(u["name"]), " ".join(str(u["why"]).split())))
    quick = data.get("quick", {})
    if not isinstance(quick, Mapping) or any(k not in _QUICK_KEYS for k in quick):
        raise _err(source, f"quick: expected a table of {', '.join(_QUICK_KEYS)}")
    problem = Problem(
        name=name, description=" ".join(str(data.get("description", "")).split()),
        preset=data["preset"], baseline=data["baseline"], world=world, free=free,
        targets=tuple(targets),
        replications=_int(data.get("replications", 8), source, "replications", 2),
        draws=_int(data.get("draws", 256), source, "draws", 4),
        accept=_number(data.get("accept", 0.1), source, "accept", 0.0),
        root_seed=_int(data.get("root_seed", 0), source, "root_seed", 0),
        unmatched=tuple(unmatched), holdouts=tuple(holdouts), sources=str(data.get("sources", "")),
        source=source, quick=dict(quick))
    for p in (problem, problem.quick_version()):
        if not 0 < p.accept <= 1 or p.accept * p.draws < 2:
            raise _err(source, f"accept: {p.accept:g} of {p.draws} draws keeps fewer than 2; expected "
                       "a share in (0, 1] keeping 2 or more")
        _check_world(p.world, source, "quick.world")
        _scenario(p, p.preset, {k: lo for k, (lo, _) in p.free.items()})  # valid at the corners
        _scenario(p, p.preset, {k: hi for k, (_, hi) in p.free.items()})
        _scenario(p, p.baseline, {})
    return problem


def _target(t: Any, source: str, at: str, fitted: bool) -> Target:
    """One [[target]] (fitted: it has a tolerance) or [[holdout]] (predicted, none)."""
    keys = ("name", "quantity", "change", "tolerance", "source") if fitted else (
        "name", "quantity", "change", "source")
    if not isinstance(t, Mapping):
        raise _err(source, f"{at}: expected a table")
    for key in t:
        if key not in keys:
            raise _err(source, f"{at}.{key}: not a setting; expected {', '.join(keys)}")
    quantity = t.get("quantity")
    if quantity not in METRIC_NAMES and quantity not in DERIVED:
        raise _err(source, f"{at}.quantity: {quantity!r} is not allowed; expected a metric "
                   f"(hlssim metrics) or one of {', '.join(DERIVED)}")
    change = _number(t.get("change"), source, f"{at}.change")
    if change <= -1:
        raise _err(source, f"{at}.change: {change:g} is not allowed; expected a relative change above -1")
    tolerance = _number(t.get("tolerance"), source, f"{at}.tolerance", 0.0) if fitted else 0.0
    return Target(str(t.get("name", quantity)), quantity, change, tolerance, str(t.get("source", "")))


def load_problem(path: str | Path) -> Problem:
    path = Path(path)
    source = f"calibration '{path}'"
    return parse_problem(read_toml(path, source, HlssimError), source)


# --- simulating ---------------------------------------------------------------------------------

def _scenario(problem: Problem, preset: str, values: Mapping[str, float]) -> Scenario:
    return Scenario.from_preset(preset, **(dict(problem.world) | dict(values)))


def _seeds(root_seed: int, stream: int, n: int) -> list[np.random.SeedSequence]:
    return [np.random.SeedSequence(root_seed, spawn_key=(stream, i)) for i in range(n)]


def quantities(scenario: Scenario, seeds: Sequence[Any], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Each quantity per replication: a metric's mean over the last 12 months, or a derived one."""
    from hlssim.engines.registry import run_many

    metrics = [n for n in names if n not in DERIVED]
    out: dict[str, np.ndarray] = {}
    if metrics:
        table = run_many(scenario, seeds)
        last = table[table["step"] > table["step"].max() - LAST_MONTHS]
        means = last.groupby("replication")[metrics].mean()
        out.update({n: means[n].to_numpy(float) for n in metrics})
    for n in names:
        if n in DERIVED:
            out[n] = np.full(len(seeds), DERIVED[n][1](scenario))
    return out


def model_simulator(problem: Problem, stream: int = 1) -> tuple[Callable[[Mapping[str, float]], np.ndarray],
                                                                   dict[str, np.ndarray]]:
    """A simulator for :func:`abc_fit`: parameter values -> the targets' relative changes against
    the baseline, both run under the same seeds (common random numbers). Also the baseline."""
    names = [t.quantity for t in problem.targets]
    seeds = _seeds(problem.root_seed, stream, problem.replications)
    base = quantities(_scenario(problem, problem.baseline, {}), seeds, names)
    base_mean = {n: float(v.mean()) for n, v in base.items()}
    for n, v in base_mean.items():
        if v == 0:
            raise HlssimError(f"{problem.source}: target quantity {n} is 0 under the baseline "
                              f"{problem.baseline}; a relative change is undefined")

    def simulate(values: Mapping[str, float]) -> np.ndarray:
        q = quantities(_scenario(problem, problem.preset, values), seeds, names)
        return np.array([q[n].mean() / base_mean[n] - 1 for n in names])

    return simulate, base


@dataclass(frozen=True)
class Fit:
    """An ABC fit: the posterior sample and its summary."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    draws: np.ndarray  # every draw, draws x parameters
    distances: np.ndarray
    accepted: np.ndarray  # the posterior sample, accepted x parameters
    simulated: np.ndarray  # the accepted draws' simulated statistics

    @property
    def estimate(self) -> dict[str, float]:
        """The posterior median of each parameter."""
        return {n: float(np.median(self.accepted[:, i])) for i, n in enumerate(self.names)}

    def summary(self) -> list[dict[str, float | str]]:
        """Per parameter: prior range, posterior median, SD, 5-95% range, SD over prior SD."""
        rows = []
        for i, n in enumerate(self.names):
            lo, hi = self.bounds[i]
            post = self.accepted[:, i]
            prior_sd = (hi - lo) / np.sqrt(12)
            rows.append({"parameter": n, "prior": f"[{lo:g}, {hi:g}]", "median": float(np.median(post)),
                         "sd": float(post.std(ddof=1)), "q05": float(np.quantile(post, 0.05)),
                         "q95": float(np.quantile(post, 0.95)),
                         "sd_over_prior_sd": float(post.std(ddof=1) / prior_sd)})
        return rows


def abc_fit(simulate: Callable[[Mapping[str, float]], np.ndarray], bounds: Mapping[str, tuple[float, float]],
            targets: np.ndarray, tolerances: np.ndarray, draws: int, accept: float,
            seed: int | np.random.SeedSequence = 0) -> Fit:
    """Rejection ABC: Latin-hypercube draws from the uniform prior over ``bounds``; keep the
    ``accept`` share nearest ``targets`` (RMS of (simulated - target) / tolerance)."""
    names = tuple(bounds)
    box = np.array([bounds[n] for n in names], float)
    sampler = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed))
    theta = qmc.scale(sampler.random(draws), box[:, 0], box[:, 1])
    sims = np.array([simulate(dict(zip(names, row))) for row in theta], float)
    dist = np.sqrt(np.mean(((sims - targets) / tolerances) ** 2, axis=1))
    keep = np.argsort(dist, kind="stable")[:max(2, round(accept * draws))]
    return Fit(names, tuple(map(tuple, box)), theta, dist, theta[keep], sims[keep])


@dataclass(frozen=True)
class Calibration:
    problem: Problem
    fit: Fit
    achieved: tuple[tuple[float, float, float], ...]  # per target: change, low, high (95%)
    baseline: dict[str, float]
    quick: bool
    #: per held-out figure: (posterior predictive median, 2.5%, 97.5%), then the change at the
    #: fitted point with fresh seeds (mean, low, high)
    predicted: tuple[tuple[tuple[float, float, float], tuple[float, float, float]], ...] = ()


def calibrate(problem: Problem, quick: bool = False, progress: bool = False) -> Calibration:
    """Fit ``problem`` by ABC, then check the fit with fresh seeds and twice the replications."""
    p = problem.quick_version() if quick else problem
    simulate, _ = model_simulator(p, stream=1)
    count = [0]

    def counted(values):
        count[0] += 1
        if progress and count[0] % max(1, p.draws // 10) == 0:
            print(f"calibrate: {count[0]}/{p.draws} draws", file=sys.stderr)
        return simulate(values)

    fit = abc_fit(counted, p.free, np.array([t.change for t in p.targets]),
                  np.array([t.tolerance for t in p.targets]), p.draws, p.accept,
                  np.random.SeedSequence(p.root_seed, spawn_key=(0,)))
    names = [t.quantity for t in p.targets]
    held = [t.quantity for t in p.holdouts]
    seeds = _seeds(p.root_seed, 2, 2 * p.replications)
    b = quantities(_scenario(p, p.baseline, {}), seeds, names + held)
    f = quantities(_scenario(p, p.preset, fit.estimate), seeds, names + held)
    achieved = [_change_interval(f[n], b[n]) for n in names]
    return Calibration(p, fit, tuple(achieved), {n: float(b[n].mean()) for n in names}, quick,
                       predict_holdouts(p, fit, [_change_interval(f[n], b[n]) for n in held]))


def _change_interval(regime: np.ndarray, baseline: np.ndarray) -> tuple[float, float, float]:
    """The relative change per replication (paired by seed), its mean and 95% interval."""
    ratio = regime / baseline - 1
    if np.ptp(ratio) == 0:
        return (float(ratio[0]),) * 3
    return mean_interval(ratio, 0.95)


def predict_holdouts(p: Problem, fit: Fit, at_fit: Sequence[tuple[float, float, float]]
                     ) -> tuple[tuple[tuple[float, float, float], tuple[float, float, float]], ...]:
    """Each held-out figure's posterior predictive change: at every accepted draw, over the fit's
    seeds (stream 3, apart from the fit's), against the baseline under the same seeds; its median
    and 2.5-97.5% range, beside ``at_fit`` (the fitted point's change with fresh seeds)."""
    if not p.holdouts:
        return ()
    held = [t.quantity for t in p.holdouts]
    seeds = _seeds(p.root_seed, 3, p.replications)
    base = quantities(_scenario(p, p.baseline, {}), seeds, held)
    for n in held:
        if base[n].mean() == 0:
            raise HlssimError(f"{p.source}: held-out quantity {n} is 0 under the baseline "
                              f"{p.baseline}; a relative change is undefined")
    changes = np.array([[quantities(_scenario(p, p.preset, dict(zip(fit.names, row))), seeds,
                                    held)[n].mean() / base[n].mean() - 1 for n in held]
                        for row in fit.accepted])
    return tuple(((float(np.median(changes[:, j])), float(np.quantile(changes[:, j], 0.025)),
                   float(np.quantile(changes[:, j], 0.975))), at_fit[j]) for j in range(len(held)))


# --- reporting and the preset --------------------------------------------------------------------

def report_text(c: Calibration) -> str:
    """The fit in words and tables (plain text, printed and written into the preset)."""
    from tabulate import tabulate

    p, fit = c.problem, c.fit
    lines = [_wrap(f"Calibration of {p.preset} against {p.baseline} ({'quick' if c.quick else 'full'} "
                   f"form): rejection ABC, {p.draws} draws from a uniform prior, {len(fit.accepted)} "
                   f"accepted ({p.accept:.0%}), {p.replications} replications per draw, root seed "
                   f"{p.root_seed}; world {dict(p.world)}.")]
    rows = [[r["parameter"], r["prior"], f"{r['median']:.4g}", f"{r['sd']:.3g}",
             f"[{r['q05']:.4g}, {r['q95']:.4g}]", f"{r['sd_over_prior_sd']:.2f}"] for r in fit.summary()]
    lines.append(tabulate(rows, headers=["parameter", "prior", "fit (median)", "posterior SD",
                                         "5-95%", "SD / prior SD"], tablefmt="simple"))
    rows = []
    for t, (est, low, high) in zip(p.targets, c.achieved):
        rows.append([t.name, t.quantity, f"{t.change:+.0%}", f"{est:+.1%} [{low:+.1%}, {high:+.1%}]",
                     f"{t.tolerance:.0%}"])
    lines.append(tabulate(rows, headers=["target", "model quantity", "figure", "fitted (95%)", "tolerance"],
                          tablefmt="simple", maxcolwidths=[44, 22, 8, 26, 9]))
    if p.holdouts:
        rows = []
        for t, ((med, lo, hi), (est, low, high)) in zip(p.holdouts, c.predicted):
            inside = "yes" if lo <= t.change <= hi else "no"
            rows.append([t.name, t.quantity, f"{t.change:+.0%}",
                         f"{med:+.1%} [{lo:+.1%}, {hi:+.1%}]", f"{est:+.1%} [{low:+.1%}, {high:+.1%}]",
                         inside])
        lines.append(_wrap("Held out of the fit and predicted (out of sample): the posterior "
                           "predictive median and 95% range over the accepted draws, and the "
                           "fitted point's change with fresh seeds (95% interval)."))
        lines.append(tabulate(rows, headers=["held-out figure", "model quantity", "observed",
                                             "predicted (95% range)", "at the fit (95%)",
                                             "observed in range"],
                              tablefmt="simple", maxcolwidths=[40, 18, 8, 24, 24, 8]))
    for name, why in p.unmatched:
        lines.append(_wrap(f"Not fitted: {name}: {why}"))
    return "\n".join(lines)


def preset_toml(c: Calibration) -> str:
    """The fitted preset: the fitted regime's own settings, the fitted parameters replaced."""
    p = c.problem
    values = dict(load_preset_values(p.preset)) | {k: round(v, 4) for k, v in c.fit.estimate.items()}
    comment = "\n".join("# " + line if line else "#" for line in report_text(c).splitlines())
    description = (f"{p.description} Fitted by hlssim calibrate ({p.source.split(chr(39))[1] if chr(39) in p.source else p.source}) "
                   f"from the {p.preset} preset: {', '.join(f'{k} = {v:.4g}' for k, v in c.fit.estimate.items())}.")
    lines = ["# Written by `hlssim calibrate`; do not edit by hand (re-run it).", comment, "",
             f'description = """\n{_wrap(description)}\n"""',
             f'sources = "{p.sources or "hlssim calibrate"}"', "", "[parameters]"]
    for key in PARAMETERS:
        if key in values and PARAMETERS[key].group != "world":
            value = values[key]
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 98) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def write_preset(c: Calibration, path: str | Path | None = None) -> Path:
    """Write the fitted preset atomically (default ``models/presets/NAME.toml``); never a
    declared preset; the result is read back as a scenario before it replaces anything."""
    path = Path(path) if path is not None else presets_dir() / f"{c.problem.name}.toml"
    if path.suffix != ".toml":
        raise HlssimError(f"--out '{path}': expected a file name ending .toml")
    if path.stem in PRESET_NAMES and path.resolve().parent == presets_dir().resolve():
        raise HlssimError(f"--out '{path}': a declared preset; calibration writes a new preset, never "
                          "a declared one")
    if not path.parent.is_dir():
        raise HlssimError(f"--out '{path}': folder '{path.parent}' does not exist")
    text = preset_toml(c)
    import tomllib

    Scenario(dict(_flatten_preset(tomllib.loads(text))))  # valid, or nothing is written
    return write_text(text, path)


def _flatten_preset(data: Mapping[str, Any]) -> dict[str, Any]:
    return dict(data.get("parameters", {}))


__all__ = ["DERIVED", "Calibration", "Fit", "Problem", "abc_fit", "calibrate", "load_problem",
           "parse_problem", "write_preset"]
