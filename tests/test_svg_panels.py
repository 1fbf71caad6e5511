"""The explorer's chart panels as SVG pictures (:mod:`hlssim.figures.svg_panels`): each regime's
line and band where the numbers put them, told apart without colour, on an axis from zero, with
the switch and its marks; valid SVG; the same bytes for the same numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hlssim.figures.explorer_charts import LABELS, MARKS, TITLE_LINE, regime_styles
from hlssim.figures.svg_panels import (
    LEFT,
    PLOT_HEIGHT,
    RIGHT,
    WIDTH,
    nice_step,
    panel_svg,
    series_from_table,
    y_range,
)

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["Targets", "Learning"]


def series(levels=(0.3, 0.6), months=24, half=0.05):
    years = np.arange(1, months + 1) / 12
    return {name: {"years": years, "mean": np.full(months, level),
                   "low": np.full(months, level - half), "high": np.full(months, level + half)}
            for name, level in zip(NAMES, levels)}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def points(element: ET.Element) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in element.get("points").split()])


def plot_box(root: ET.Element) -> tuple[float, float]:
    """The plot's top and bottom in SVG units: the highest and lowest horizontal grid lines."""
    ys = [float(line.get("y1")) for line in root.iter(f"{SVG}line")
          if line.get("y1") == line.get("y2")]
    return min(ys), max(ys)


def value_at(root: ET.Element, y: float) -> float:
    """The y axis's value at SVG height ``y``, read from the axis's own tick labels."""
    ticks = [(float(t.get("y")) - 4, float(t.text)) for t in root.iter(f"{SVG}text")
             if t.get("text-anchor") == "end"]
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    return v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def test_each_regime_is_a_line_over_its_band_in_its_own_colour_and_dash():
    root = parse(panel_svg(series(), NAMES, "wellbeing_mean"))
    lines, bands = list(root.iter(f"{SVG}polyline")), list(root.iter(f"{SVG}polygon"))
    assert len(lines) == len(bands) == 2
    for line, band, (colour, dash) in zip(lines, bands, regime_styles(NAMES)):
        assert line.get("stroke") == band.get("fill") == colour
        assert line.get("stroke-dasharray") == (None if dash == [1, 0] else ",".join(map(str, dash)))
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")  # not by colour alone


def test_lines_and_bands_sit_at_their_values_on_an_axis_from_zero():
    """The axis starts at 0 (so 0.3 against 0.6 is drawn to scale), and each line and band edge
    is at its value as the axis's own labels read."""
    root = parse(panel_svg(series(), NAMES, "wellbeing_mean"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert labels[0] == "0"
    for line, band, level in zip(root.iter(f"{SVG}polyline"), root.iter(f"{SVG}polygon"),
                                 (0.3, 0.6)):
        assert np.allclose([value_at(root, y) for y in points(line)[:, 1]], level, atol=2e-3)
        edges = sorted({round(value_at(root, y), 3) for y in points(band)[:, 1]})
        assert np.allclose(edges, [level - 0.05, level + 0.05], atol=2e-3)
    xs = points(next(root.iter(f"{SVG}polyline")))[:, 0]
    assert xs[0] == LEFT and xs[-1] == WIDTH - RIGHT and np.all(np.diff(xs) > 0)


def test_the_switch_and_its_marks_are_drawn_where_they_happened():
    events = [{"years": 1.5, "value": 0.25, "event": meaning} for meaning, _, _ in MARKS]
    root = parse(panel_svg(series(), NAMES, "wellbeing_mean", switch_step=12, events=events))
    rule = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray") == "4,4"]
    assert len(rule) == 1
    first = points(next(root.iter(f"{SVG}polyline")))
    at_year_1 = first[np.argmin(np.abs(np.arange(1, 25) / 12 - 1.0)), 0]
    assert abs(float(rule[0].get("x1")) - at_year_1) < 0.2
    titles = [e.findtext(f"{SVG}title") for e in root if e.tag in (f"{SVG}path", f"{SVG}circle")]
    assert titles == [f"{meaning} (year 1.5)" for meaning, _, _ in MARKS]
    assert root.find(f"{SVG}circle") is not None  # each kind its own shape


def test_a_long_title_wraps_and_a_measure_below_zero_says_so():
    root = parse(panel_svg(series(), NAMES, "wellbeing_p10"))
    bold = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert len(bold) >= 2 and all(len(line) <= TITLE_LINE for line in bold)
    assert " ".join(bold) == LABELS["wellbeing_p10"]
    gap = panel_svg(series((-0.2, 0.1)), NAMES, "goodhart_gap")
    assert "the axis goes below zero" in gap
    assert value_at(parse(gap), plot_box(parse(gap))[1]) < -0.2  # the axis reaches the data
    assert "below zero" not in panel_svg(series(), NAMES, "wellbeing_mean")


def test_the_same_numbers_give_the_same_bytes_and_text_is_escaped():
    assert panel_svg(series(), NAMES, "cost_total") == panel_svg(series(), NAMES, "cost_total")
    odd = {"A & <B>": series()["Targets"]}
    svg = panel_svg(odd, ["A & <B>"], "cost_total")
    assert parse(svg).find(f"{SVG}polyline").findtext(f"{SVG}title") == "A & <B>"


def test_series_from_a_long_table_keeps_each_regime_s_rows():
    import pandas as pd

    rows = pd.DataFrame({"regime": ["b", "a", "b", "a"], "years": [0.1, 0.1, 0.2, 0.2],
                         "mean": [1.0, 2.0, 3.0, 4.0], "low": 0.0, "high": 5.0})
    found = series_from_table(rows)
    assert list(found) == ["b", "a"]
    assert found["a"]["mean"].tolist() == [2.0, 4.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-3, 1e4, allow_nan=False), min_size=2, max_size=30),
       st.floats(0, 50))
def test_every_line_and_band_stays_inside_the_plot(values, spread):
    """Whatever the numbers: the axis covers them from zero, so nothing is drawn outside."""
    n = len(values)
    years = np.arange(1, n + 1) / 12
    mean = np.array(values)
    data = {"One": {"years": years, "mean": mean, "low": mean - spread, "high": mean + spread}}
    root = parse(panel_svg(data, ["One"], "cost_total"))
    top, bottom = plot_box(root)
    for shape in (*root.iter(f"{SVG}polyline"), *root.iter(f"{SVG}polygon")):
        xy = points(shape)
        assert np.all(xy[:, 1] >= top - 0.06) and np.all(xy[:, 1] <= bottom + 0.06)
        assert np.all(xy[:, 0] >= LEFT - 0.06) and np.all(xy[:, 0] <= WIDTH - RIGHT + 0.06)
    assert float(root.get("height")) >= PLOT_HEIGHT


@given(st.floats(1e-6, 1e6))
def test_a_tick_step_is_one_two_or_five_times_a_power_of_ten(span):
    step = nice_step(span)
    mantissa = float(re.sub(r"e.*", "", f"{step:e}"))
    assert mantissa in (1.0, 2.0, 5.0) and span / step <= 5


def test_a_share_s_axis_stops_at_one():
    assert y_range([0.2, 0.93], "wellbeing_mean")[:2] == (0.0, 1.0)
    assert y_range([0.2, 0.41], "wellbeing_mean")[:2] == (0.0, 0.5)
