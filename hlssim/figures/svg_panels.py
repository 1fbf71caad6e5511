"""The explorer's panels as small SVG pictures, made on the server: one measure over time.

Each panel shows every regime's mean over runs as a line (its colour and dash, as the legend)
over its 95% band, on a y axis that starts at zero, with an optional dashed line at a regime
switch and marks at events (the low after a switch, and when a measure was back).

Why pictures and not charts the browser draws: the explorer's twelve Vega-Lite panels took a
browser about a second of its CPU to draw on a first visit and again on every slider move
(``benchmarks/bench_panels_floor.py`` measures both ways), and a meeting-room laptop is no faster
than this 2-core machine. A panel here is a few hundred lines of SVG made in about a millisecond
from numbers the server has already; the browser shows it as an image. Matplotlib's SVG of the
same panel took about 47 ms here (0.6 s of the server's CPU a page, in every session), which is
why this writes the few shapes itself. What is lost is hovering for exact numbers: the page's
text gives the figures that matter, and the CSV download every number.

Pure functions of their arguments with fixed formatting, so the same numbers give the same bytes
on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from hlssim.figures.explorer_charts import BOUNDS, LABELS, MARKS, regime_styles, title_lines

#: A panel's size in SVG units; the page shows it at :data:`hlssim.ui.pages.common.PANEL_WIDTH`
#: pixels wide (the picture scales, its proportions kept).
WIDTH, PLOT_HEIGHT = 265, 150
LEFT, RIGHT, BOTTOM = 44, 10, 40
TITLE_SIZE, LABEL_SIZE = 15, 13
FONT = "Source Sans Pro, Source Sans, Helvetica, Arial, sans-serif"
SWITCH_COLOUR, GRID_COLOUR, AXIS_COLOUR, TEXT_COLOUR = "#444444", "#e6e6e6", "#888888", "#262730"

#: How each kind of event is marked, by its name (the legend's key says the same).
EVENT_SHAPES = {meaning: shape for meaning, shape, _ in MARKS}


def nice_step(span: float, most: int = 5) -> float:
    """A tick spacing of 1, 2 or 5 times a power of ten giving at most ``most`` intervals over
    ``span`` (computed with :mod:`math`, so it is the same on every machine)."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / most))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if span / (factor * power) <= most:
            return factor * power
    return 10.0 * power


def ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` (both already multiples of it)."""
    count = int(round((high - low) / step))
    return [round(low + k * step, 10) for k in range(count + 1)]


def tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as ``step`` needs (0.25 -> 2, 5 -> 0), no "-0"."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def y_range(values: Sequence[float], metric: str) -> tuple[float, float, float]:
    """The y axis (bottom, top, tick step): from zero (or the measure's lower bound when that is
    below zero and the data go there) to a round number at or above the data, so that a gap
    between lines is drawn to scale."""
    finite = [v for v in values if math.isfinite(v)]
    data_low = min(finite, default=0.0)
    data_high = max(finite, default=1.0)
    bottom = min(0.0, data_low)
    top = max(data_high, bottom + 1e-9)
    if top <= 0:
        top = 0.0
    step = nice_step(top - bottom)
    bottom = math.floor(bottom / step + 1e-9) * step
    top = math.ceil(top / step - 1e-9) * step
    if top <= bottom:
        top = bottom + step
    high_bound = BOUNDS.get(metric, (None, None))[1]
    if high_bound is not None and top > high_bound >= data_high:  # a share's axis stops at 1
        top = float(high_bound)
    return bottom, top, step


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist()))


def _marker(shape: str, x: float, y: float, label: str) -> str:
    title = f"<title>{escape(label)}</title>"
    style = 'fill="#000000" stroke="#ffffff" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" {style}>{title}</circle>'
    if shape == "triangle":  # pointing down: the low
        path = f"M{x - 6.5:.1f},{y - 5:.1f}L{x + 6.5:.1f},{y - 5:.1f}L{x:.1f},{y + 6:.1f}Z"
    else:
        path = f"M{x:.1f},{y - 7:.1f}L{x + 7:.1f},{y:.1f}L{x:.1f},{y + 7:.1f}L{x - 7:.1f},{y:.1f}Z"
    return f'<path d="{path}" {style}>{title}</path>'


def panel_svg(series: Mapping[str, Mapping[str, np.ndarray]], names: Sequence[str], metric: str,
              switch_step: int | None = None, events: Sequence[Mapping] = ()) -> str:
    """One measure over time as an SVG document.

    ``series`` maps each regime's plain name to its arrays ``years``, ``mean``, ``low`` and
    ``high`` (one entry per month, as :func:`hlssim.figures.explorer_charts.bands_long`);
    ``names`` gives the regimes' order, which fixes each one's colour and dash as in the legend.
    ``events`` are marks, dicts with ``years``, ``value`` and ``event`` (a key of
    :data:`EVENT_SHAPES`). The title says when the axis goes below zero.
    """
    title = title_lines(LABELS.get(metric, metric))
    lines = [title] if isinstance(title, str) else list(title)
    below_zero = (BOUNDS.get(metric, (0, None))[0] or 0) < 0
    top_margin = 8 + 19 * len(lines) + (16 if below_zero else 0) + 6
    height = top_margin + PLOT_HEIGHT + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    present = [n for n in names if n in series]
    all_x = np.concatenate([np.asarray(series[n]["years"], float) for n in present]) \
        if present else np.array([0.0, 1.0])
    x_low, x_high = float(all_x.min()), float(all_x.max())
    if x_high <= x_low:
        x_high = x_low + 1.0
    values: list[float] = []
    for n in present:
        for field in ("low", "high", "mean"):
            values.extend(np.asarray(series[n][field], float).tolist())
    values.extend(float(e["value"]) for e in events if "value" in e)
    bottom, top, step = y_range(values, metric)

    def sx(x):
        return LEFT + (np.asarray(x, float) - x_low) / (x_high - x_low) * plot_w

    def sy(y):
        return top_margin + (top - np.asarray(y, float)) / (top - bottom) * PLOT_HEIGHT

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" font-family="{FONT}" fill="{TEXT_COLOUR}">',
           f"<title>{escape(' '.join(lines))}</title>"]
    for k, line in enumerate(lines):
        out.append(f'<text x="2" y="{8 + 15 + 19 * k}" font-size="{TITLE_SIZE}" '
                   f'font-weight="bold">{escape(line)}</text>')
    if below_zero:
        out.append(f'<text x="2" y="{8 + 19 * len(lines) + 12}" font-size="12">the axis goes '
                   "below zero</text>")
    plot_bottom = top_margin + PLOT_HEIGHT
    for value in ticks(bottom, top, step) if top > bottom else []:
        y = float(sy(value))
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{AXIS_COLOUR if value == 0 else GRID_COLOUR}"/>')
        out.append(f'<text x="{LEFT - 5}" y="{y + 4:.1f}" font-size="{LABEL_SIZE}" '
                   f'text-anchor="end">{tick_label(value, step)}</text>')
    if top > bottom and not any(abs(v - top) < 1e-12 for v in ticks(bottom, top, step)):
        y = float(sy(top))  # an axis cut at 1 between two ticks still shows where it ends
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID_COLOUR}"/>')
    x_step = max(1.0, nice_step(x_high - x_low, 6))
    first_tick = math.ceil(x_low / x_step - 1e-9) * x_step
    for year in ticks(first_tick, math.floor(x_high / x_step + 1e-9) * x_step, x_step):
        x = float(sx(year))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{plot_bottom}" y2="{plot_bottom + 5}" '
                   f'stroke="{AXIS_COLOUR}"/>')
        out.append(f'<text x="{x:.1f}" y="{plot_bottom + 18}" font-size="{LABEL_SIZE}" '
                   f'text-anchor="middle">{tick_label(year, x_step)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{plot_bottom + 35}" font-size="12" '
               'text-anchor="middle">years</text>')
    for name, (colour, _) in zip(names, regime_styles(names)):
        if name not in series:
            continue
        s = series[name]
        xs = sx(s["years"])
        band = _points(np.concatenate([xs, xs[::-1]]),
                       np.concatenate([sy(s["high"]), sy(s["low"])[::-1]]))
        out.append(f'<polygon points="{band}" fill="{colour}" fill-opacity="0.18"/>')
    for name, (colour, dash) in zip(names, regime_styles(names)):
        if name not in series:
            continue
        s = series[name]
        pattern = "" if list(dash) == [1, 0] else f' stroke-dasharray="{",".join(map(str, dash))}"'
        out.append(f'<polyline points="{_points(sx(s["years"]), sy(s["mean"]))}" fill="none" '
                   f'stroke="{colour}" stroke-width="3" stroke-linejoin="round"{pattern}>'
                   f"<title>{escape(name)}</title></polyline>")
    if switch_step:
        x = float(sx(switch_step / 12.0))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_margin}" y2="{plot_bottom}" '
                   f'stroke="{SWITCH_COLOUR}" stroke-width="2" stroke-dasharray="4,4"/>')
    for event in events:
        if "value" not in event:
            continue
        shape = EVENT_SHAPES.get(event["event"], "diamond")
        out.append(_marker(shape, float(sx(event["years"])), float(sy(event["value"])),
                           f"{event['event']} (year {event['years']:.1f})"))
    out.append("</svg>")
    return "".join(out)


def series_from_table(table) -> dict[str, dict[str, np.ndarray]]:
    """A panel's rows (a pyarrow table or pandas frame with ``regime``, ``years``, ``mean``,
    ``low``, ``high``) as :func:`panel_svg`'s ``series``, in the rows' order of years."""
    frame = table.to_pandas() if hasattr(table, "to_pandas") else table
    return {str(regime): {field: rows[field].to_numpy(float)
                          for field in ("years", "mean", "low", "high")}
            for regime, rows in frame.groupby("regime", sort=False)}
