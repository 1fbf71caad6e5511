"""What every page of the explorer shares: the sidebar, the simulations (cached), the charts that
reflow to the screen's width, and the downloads."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from hlssim.errors import HlssimError
from hlssim.experiments.comparison import Comparison
from hlssim.figures.explorer_charts import LABELS, bands_long, legend_html, png_bytes, time_panels
from hlssim.figures.svg_panels import panel_svg, series_from_table
from hlssim.ui.explain import Explanation, explain
from hlssim.ui.explorer import (
    HEADLINE_WORLD,
    advanced_shared,
    control,
    fastest_engine,
    run_comparison,
    run_regime,
    scenario_items,
    shared_key,
)
from hlssim.ui.pages.state import CUSTOM, PERSIST, all_cases, apply_case, server_limits
from hlssim.ui.tables import runs_csv, summary_csv
from hlssim.model.cases import preset_label
from hlssim.model.scenario import Scenario, preset_names

#: Width of one chart panel on a wide screen, in pixels; on a narrower one a panel takes the
#: whole width, and panels wrap onto as many rows as the screen needs.
PANEL_WIDTH = 265


# --- running ------------------------------------------------------------------------------------

@st.cache_data(max_entries=1024, show_spinner=False)
def cached_regime(items: tuple, seed: int, spawn_keys: tuple, engine: str) -> pd.DataFrame:
    """One regime's replications, cached on its scenario's values, the seeds and the engine.

    A change to one regime's settings re-runs that regime only; going back to earlier settings
    re-runs nothing.
    """
    return run_regime(items, seed, spawn_keys, engine)


def simulating_message() -> str:
    """What the spinner says while a comparison runs: warns of the one-off compile (about half a
    minute after installing or after a change to the rules) so the wait is not taken for a hang."""
    if fastest_engine() == "batch":
        from hlssim.engines.batch.kernels import compiled_on_disk

        if not compiled_on_disk():
            return ("Preparing the simulation engine for this machine (once, about half a minute), "
                    "then simulating...")
    return "Simulating..."


def check_size(scenarios: Mapping[str, Scenario], reps: int) -> None:
    """Raise HlssimError if the runs are bigger than this server allows."""
    lim = server_limits()
    for scenario in scenarios.values():
        lim.check(dict(scenario.items()))


class CacheKey(tuple):
    """A tuple that the explorer's caches hash by its digest, worked out once per key.

    Streamlit hashes a cached function's arguments on every call, walking a tuple item by item in
    Python: a comparison's key (two scenarios' 60 values each) cost a page about 15 ms of the
    server's CPU per cached call, five calls a re-run, all under the one lock that every session
    of the server shares (Python's). Its digest (of its ``repr``: the values' exact text) is
    made once and hashed instead (``hash_funcs``, :data:`BY_DIGEST`)."""

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.blake2b(repr(tuple(self)).encode(), digest_size=16).hexdigest()


#: ``hash_funcs`` for caches whose arguments include a :class:`CacheKey`.
BY_DIGEST = {CacheKey: lambda key: key.digest}


def runs_key(scenarios: Mapping[str, Scenario], reps: int, seed: int,
             paired: bool = False) -> CacheKey:
    """What a comparison's runs depend on, hashable: each scenario's name and values, the runs,
    the seed, the engine and the pairing. Keys the caches of the runs and of what is drawn from
    them (:func:`cached_comparison`, :func:`cached_panel_images`)."""
    return CacheKey((tuple((name, scenario_items(s)) for name, s in scenarios.items()), reps,
                     seed, fastest_engine(), paired))


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_DIGEST)
def cached_comparison(key: CacheKey) -> Comparison:
    """The comparison for ``key`` (:func:`runs_key`): every regime's runs (each regime cached on
    its own in :func:`cached_regime`, so a change to one regime re-runs that regime only), joined
    and summarised once. A page opened again, or another session on the same settings, gets it
    without joining and summarising the runs again."""
    items, reps, seed, engine, paired = key
    scenarios = {name: Scenario(dict(values)) for name, values in items}
    return run_comparison(scenarios, reps, seed, engine, paired, runner=cached_regime)


def simulate(scenarios: Mapping[str, Scenario], reps: int, seed: int,
             paired: bool = False) -> Comparison:
    """Run (or fetch from the cache) every regime's replications, and time it for the sidebar."""
    check_size(scenarios, reps)
    start = time.perf_counter()
    with st.spinner(simulating_message()):
        comparison = cached_comparison(runs_key(scenarios, reps, seed, paired))
    st.session_state["_last_seconds"] = time.perf_counter() - start
    return comparison


@st.cache_data(max_entries=512, show_spinner=False, hash_funcs=BY_DIGEST)
def cached_explanation(items: CacheKey, reps: int, seed: int, metric: str,
                       engine: str) -> Explanation:
    """The explanation for two scenarios (``items``: each one's name and values as sorted
    items), cached on them, the runs, the seed and the engine: moving back to earlier settings,
    opening the page again, or another session on the same settings costs nothing."""
    scenarios = {name: Scenario(dict(values)) for name, values in items}
    return explain(scenarios, reps, seed, metric, engine)


def explain_gap(scenarios: Mapping[str, Scenario], reps: int, seed: int,
                metric: str = "wellbeing_mean") -> Explanation:
    """The gap decomposed by mechanism (:func:`hlssim.ui.explain.explain`), cached."""
    items = CacheKey((name, scenario_items(s)) for name, s in scenarios.items())
    with st.spinner("Working out why: each mechanism switched off in turn..."):
        return cached_explanation(items, reps, seed, metric, fastest_engine())


def run_note(reps: int) -> str:
    """The caption over a summary."""
    return (f"From {reps} runs of each, with different luck; values are means over each run's "
            "final year. A model for exploring mechanisms, not a forecast.")


def show_error(err: HlssimError) -> None:
    from hlssim.ui.explorer import friendly_error

    st.error(friendly_error(err))


def lazy_expander(label: str, key: str):
    """A closed box whose content is drawn only while it is open: opening or closing it re-runs
    the page, and ``.open`` says whether to draw the content. For content a browser takes long to
    draw (a table) that the first look at the page does not need.

    >>> box = lazy_expander("Final-year numbers", key="compare:finals")  # doctest: +SKIP
    >>> if box.open:  # doctest: +SKIP
    ...     box.dataframe(table)
    """
    return st.expander(label, key=key, on_change="rerun")


# --- controls -----------------------------------------------------------------------------------

def widget(container, name: str, key: str, advanced: bool = False):
    """Draw the control for parameter ``name`` (generated from its declaration) in ``container``."""
    spec = control(name, advanced)
    return getattr(container, spec.widget)(key=key, persist_state=PERSIST, **spec.kwargs)


def sidebar_boxes() -> dict:
    """The sidebar's boxes, empty, in their order: the situation, the world, the page's own
    controls, advanced settings and run settings. A page adds its controls to the ``"page"`` box;
    :func:`sidebar` fills the others."""
    bar = st.sidebar
    return {name: bar.container() for name in ("case", "world", "page", "advanced", "run")}


def sidebar(boxes: dict | None = None) -> dict:
    """The situation, the world, advanced settings and run settings, in ``boxes`` (made by
    :func:`sidebar_boxes` when not given); returns the boxes.

    ``app.py`` fills them after the page has run: every control's value is in the session
    already, so the page reads the same settings, and a first visit gets the summary and the
    charts before the sidebar's controls (the browser draws what it gets in order)."""
    boxes = boxes if boxes is not None else sidebar_boxes()
    cases = all_cases()
    with boxes["case"]:
        st.header("Your situation")
        st.radio("Pick a situation like yours", [*cases, CUSTOM], key="case",
                     on_change=apply_case, persist_state=PERSIST,
                     format_func=lambda n: "Choose two ways of commissioning yourself"
                     if n == CUSTOM else cases[n].title)
        if st.session_state["case"] == CUSTOM:
            for i, default in enumerate(("npm_targets", "hls")):
                st.session_state.setdefault(f"custom:{i}", default)
                st.selectbox(("First" if i == 0 else "Second") + " way of commissioning",
                             preset_names(), key=f"custom:{i}", format_func=preset_label,
                             on_change=apply_case, persist_state=PERSIST)
    with boxes["world"]:
        st.subheader("The world the service works in")
        for name in HEADLINE_WORLD:
            widget(st, name, shared_key(name))
    with boxes["advanced"]:
        advanced = st.toggle("Show every setting (advanced)", key="advanced", persist_state=PERSIST,
                             help="Every other setting of the model: the size of the system, "
                                  "each mechanism's switch and its calibration, and more of each "
                                  "regime's levers.")
        if advanced:
            titles = {"world": "Size of the system", "mechanism": "Mechanisms (switch off to see "
                      "what each does)", "calibration": "Calibration (rates and strengths)"}
            for group, names in advanced_shared().items():
                with st.expander(titles[group]):
                    for name in names:
                        widget(st, name, shared_key(name), advanced=True)
    with boxes["run"]:
        st.subheader("Runs")
        st.slider("How many runs of each (with different luck)", 2, 20, key="run:reps",
                  persist_state=PERSIST,
                  help="Each way of commissioning is simulated this many times with different "
                       "luck; the 95% intervals come from the spread between runs. More runs "
                       "narrow them and take longer.")
        st.number_input("Luck (a number that fixes the random events)", min_value=0, step=1,
                        key="run:seed", persist_state=PERSIST,
                        help="The same settings and number always give the same results; "
                             "another number gives other luck.")
        if "_last_seconds" in st.session_state:
            st.caption(f"Last simulation took {st.session_state['_last_seconds']:.2f} s.")
        st.caption("The address in your browser's bar reproduces this view: copy it to share.")
    return boxes


# --- charts -------------------------------------------------------------------------------------

def panel_series(data: pd.DataFrame) -> dict[str, dict]:
    """:func:`bands_long` data as each panel's arrays, by measure (its label) and regime: what
    :func:`panel_svg` draws."""
    return {measure: series_from_table(rows)
            for measure, rows in data.groupby("measure", sort=False)}


def events_key(events: Mapping[str, Sequence[Mapping]] | None) -> tuple:
    """The marks to draw, as a value the cache can hash (and compare): by measure, each mark's
    years, value and kind."""
    return tuple(sorted((metric, tuple((m["years"], m.get("value"), m["event"]) for m in marks))
                        for metric, marks in (events or {}).items()))


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_DIGEST)
def cached_panel_images(key: CacheKey, regimes: tuple[str, ...], labels: tuple,
                        metrics: tuple[str, ...], switch_step: int | None,
                        events: tuple) -> dict[str, str]:
    """Each panel's picture (:func:`panel_images`) for the runs of ``key`` (:func:`runs_key`):
    made once per settings, not on every re-run of the page."""
    return panel_images(cached_comparison(key), regimes, dict(labels), metrics, switch_step,
                        events)


def panel_images(comparison: Comparison, regimes: Sequence[str], labels: Mapping[str, str],
                 metrics: Sequence[str], switch_step: int | None, events: tuple) -> dict[str, str]:
    """One SVG picture per measure (:func:`panel_svg`), by metric: every regime's mean and 95%
    band, the switch and the ``events`` (:func:`events_key`) marked."""
    names = [labels.get(r, r) for r in regimes]
    series = panel_series(bands_long(comparison.trajectories, regimes, labels, metrics))
    marks = {metric: [{"years": y, "value": v, "event": e} for y, v, e in found]
             for metric, found in events}
    return {metric: panel_svg(series[LABELS.get(metric, metric)], names, metric, switch_step,
                              marks.get(metric, ()))
            for metric in metrics if LABELS.get(metric, metric) in series}


def charts(comparison: Comparison, regimes: Sequence[str], labels: Mapping[str, str],
           metrics: Sequence[str], switch_step: int | None = None,
           events: Mapping[str, Sequence[Mapping]] | None = None, key: str = "chart",
           runs: tuple | None = None) -> None:
    """One picture per measure in rows that wrap to the screen's width, under one legend.

    ``runs``, the comparison's :func:`runs_key`, lets the pictures come from the cache. They are
    SVG made on the server (:mod:`hlssim.figures.svg_panels`): a browser shows them at once,
    where drawing twelve Vega-Lite charts took it about a second on every visit and every slider
    move."""
    names = [labels.get(r, r) for r in regimes]
    switch = f"the switch (year {switch_step / 12:g})" if switch_step else None
    st.html(legend_html(names, switch, marks=bool(events)))
    wanted = events_key(events)
    if runs is not None:
        images = cached_panel_images(runs, tuple(regimes), tuple(labels.items()), tuple(metrics),
                                     switch_step, wanted)
    else:
        images = panel_images(comparison, regimes, labels, metrics, switch_step, wanted)
    with st.container(horizontal=True, gap="small", key=f"{key}:panels"):
        for metric in metrics:
            if metric in images:
                st.image(images[metric], width=PANEL_WIDTH)


def downloads(comparison: Comparison, regimes, labels, stem: str, metrics, title: str = "",
              switch_step: int | None = None, brief=None) -> None:
    """Buttons for the data (CSV), the figure (PNG) and, when given, the one-page brief (PNG);
    each file is made only when clicked."""
    st.markdown("### Download")
    cols = st.columns(4 if brief else 3)
    cols[0].download_button(
        "Every run, month by month (CSV)", lambda: runs_csv(comparison.trajectories, labels),
        f"{stem}_runs.csv", "text/csv", key=f"download:{stem}:runs", on_click="ignore")
    cols[1].download_button(
        "Final-year summary (CSV)", lambda: summary_csv(comparison.summary, labels),
        f"{stem}_summary.csv", "text/csv", key=f"download:{stem}:summary", on_click="ignore")
    cols[2].download_button(
        "Figure (PNG)", lambda: png_bytes(time_panels(comparison.trajectories, regimes, labels,
                                                      metrics, switch_step=switch_step,
                                                      title=title)),
        f"{stem}.png", "image/png", key=f"download:{stem}:png", on_click="ignore")
    if brief:
        cols[3].download_button("One-page brief for a meeting (PNG)", brief,
                                f"{stem}_brief.png", "image/png", key=f"download:{stem}:brief",
                                on_click="ignore", type="primary")
