"""The explorer's figures: the right numbers, colour-blind-safe styling, a PNG for download."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hlssim.figures.explorer_charts import (
    COMPARE_PANELS,
    LABELS,
    LINE_STYLES,
    bands_long,
    mean_band,
    png_bytes,
    time_panels,
)
from hlssim.model.metrics import METRIC_NAMES
from conftest import drawn_figure


@pytest.fixture
def trajectories() -> pd.DataFrame:
    """Two regimes, three runs, 24 steps; every metric = level + rep offset (+ a trend)."""
    rows = []
    for regime, level in (("a", 0.3), ("b", 0.6)):
        for rep in range(3):
            for step in range(1, 25):
                value = level + 0.01 * step / 24 + 0.05 * (rep - 1)
                rows.append({"regime": regime, "rep": rep, "step": step}
                            | {m: value for m in METRIC_NAMES})
    return pd.DataFrame(rows)


def test_mean_band_is_the_mean_with_a_student_t_interval(trajectories):
    band = mean_band(trajectories, "a", "wellbeing_mean")
    assert list(band.index) == list(range(1, 25))
    assert band["mean"].iloc[0] == pytest.approx(0.3 + 0.01 / 24)
    # three values 0.05 apart: sd 0.05, t(0.975, 2) = 4.303
    assert (band["high"] - band["mean"]).iloc[0] == pytest.approx(4.303 * 0.05 / np.sqrt(3),
                                                                   rel=1e-3)


def test_a_share_s_band_stays_within_its_range(trajectories):
    wide = trajectories.assign(wellbeing_mean=trajectories["rep"] * 0.5)  # 0, 0.5, 1
    band = mean_band(wide, "a", "wellbeing_mean")
    assert band["low"].min() >= 0 and band["high"].max() <= 1
    cost = mean_band(wide.assign(cost_total=wide["rep"] * 50.0), "a", "cost_total")
    assert cost["high"].max() > 100  # unbounded above: not clipped


def test_bands_long_holds_the_same_numbers_for_every_panel(trajectories):
    data = bands_long(trajectories, ["a", "b"], {"a": "Targets"})
    assert set(data["regime"]) == {"Targets", "b"}
    assert set(data["measure"]) == {LABELS[m] for m in COMPARE_PANELS}
    for regime, label in (("a", "Targets"), ("b", "b")):
        for metric in COMPARE_PANELS:
            ref = mean_band(trajectories, regime, metric)
            got = data[(data["regime"] == label) & (data["measure"] == LABELS[metric])]
            # rounded to 4 decimals for the browser (smaller data, short tooltips)
            for column in ("mean", "low", "high"):
                np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=5e-5)
            np.testing.assert_allclose(got["years"], ref.index / 12.0, rtol=0, atol=5e-5)


def test_time_panels_png(trajectories):
    fig = time_panels(trajectories, ["a", "b"], {"a": "Targets", "b": "Learning"},
                      switch_step=12)
    lines = [ax.get_lines() for ax in fig.axes if ax.get_lines()]
    assert len(lines) == len(COMPARE_PANELS)
    styles = [line.get_linestyle() for line in lines[0][:2]]
    assert styles == [LINE_STYLES[0], LINE_STYLES[1]]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Targets", "Learning", "switch (year 1)"]
    image = Image.open(io.BytesIO(png_bytes(fig)))
    assert image.format == "PNG" and image.width > 1000
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0x00, 0x72, 0xB2) in colours and (0xD5, 0x5E, 0x00) in colours  # Okabe-Ito lines


# --- `hlssim compare` and the report's trajectory figures: labelled axes, intervals in range ---


def _near_zero_runs() -> pd.DataFrame:
    """Two regimes, three runs each, a share that sits near 0: a t band reaches below 0."""
    rows = []
    for regime in ("npm_targets", "hls"):
        for rep, value in enumerate((0.0, 0.02, 0.3)):
            for step in (1, 2, 3):
                rows.append({"regime": regime, "rep": rep, "step": step, "gaming_share": value})
    return pd.DataFrame(rows)


def test_compare_trajectories_label_time_and_value_and_keep_bands_in_range(monkeypatch, tmp_path):
    from hlssim.figures.report_figures import trajectories_figure

    fig = drawn_figure(monkeypatch, lambda: trajectories_figure(_near_zero_runs(), tmp_path / "t.png",
                                                          ["gaming_share"]))
    ax = fig.axes[0]
    assert ax.get_title() == "Share of effort that is gaming"
    assert ax.get_xlabel() == "time (years)" and ax.get_ylabel() == "mean over runs (0 to 1)"
    ys = np.concatenate([p.vertices[:, 1] for c in ax.collections for p in c.get_paths()])
    assert ys.min() >= 0.0


def test_compare_summary_labels_value_and_regime_and_clips_intervals(monkeypatch, tmp_path):
    from hlssim.figures.report_figures import summary_figure

    summary = pd.DataFrame({"regime": ["npm_targets", "hls"], "metric": ["gaming_share"] * 2,
                            "mean": [0.05, 0.97], "ci_low": [-0.2, 0.9], "ci_high": [0.3, 1.1]})
    fig = drawn_figure(monkeypatch, lambda: summary_figure(summary, tmp_path / "s.png", ["gaming_share"]))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "mean over runs (0 to 1)" and ax.get_ylabel() == "regime"
    xs = np.concatenate([seg[:, 0] for c in ax.collections if hasattr(c, "get_segments")
                         for seg in c.get_segments()])
    assert xs.min() == pytest.approx(0.0) and xs.max() == pytest.approx(1.0)


def test_envelope_names_time_and_metric_or_the_user_s_variable(monkeypatch, tmp_path):
    from hlssim.figures.report_figures import envelope_figure

    rows = pd.DataFrame({"point": 0, "replicate": np.repeat([0, 1], 3), "step": [1, 2, 3] * 2,
                         "value": [0.0, 0.9, 0.5, 0.4, 1.0, 0.5], "complexity": 0.5})
    ax = drawn_figure(monkeypatch, lambda: envelope_figure(rows, "wellbeing_mean", ["complexity"],
                                                     tmp_path / "e.png")).axes[0]
    assert ax.get_xlabel() == "time (month)"
    assert ax.get_ylabel() == "True wellbeing (mean), 0 to 1"
    ax = drawn_figure(monkeypatch, lambda: envelope_figure(rows, "Recovered", [], tmp_path / "e2.png",
                                                     own_model=True)).axes[0]
    assert ax.get_xlabel() == "saved time step" and ax.get_ylabel() == "Recovered"


def test_legend_draws_each_regime_line_without_svg():
    """Streamlit's st.html removes SVG, so the legend's lines are CSS backgrounds: each regime's
    colour and dash pattern, as the panels draw them."""
    from hlssim.figures.explorer_charts import dash_css, legend_html, regime_styles

    names = ["Targets", "Learning", "Third"]
    html = legend_html(names, "the switch (year 5)")
    assert "<svg" not in html
    for name, (colour, dash) in zip(names, regime_styles(names)):
        assert name in html and dash_css(colour, dash) in html
    assert html.count('class="hlssim-swatch"') == 4  # three regimes and the switch
    assert dash_css("#0072B2", [8, 4]) == ("repeating-linear-gradient(90deg,#0072B2 0px 8px,"
                                           "transparent 8px 12px)")
    assert dash_css("#000", [1, 0]).startswith("repeating-linear-gradient(90deg,#000 0px 1px")
