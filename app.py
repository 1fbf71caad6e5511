"""A first Streamlit view of hlssim: compare regimes over time for a chosen complexity.

    streamlit run app.py

This is the simple explorer that comes with the package; the full commissioners' app (cases,
plain-language controls, generated summaries, regime switching) is its own piece of work.
"""

from __future__ import annotations

import streamlit as st

from hlssim import PARAMETERS, Scenario, preset_names
from hlssim.compare import compare, summary_wide
from hlssim.plots import HEADLINE_METRICS, LABELS, OKABE_ITO

st.set_page_config(page_title="hlssim: NPM vs HLS", layout="wide")
st.title("Target-driven or learning-led commissioning?")

with st.sidebar:
    regimes = st.multiselect("Regimes", preset_names(), default=["npm_targets", "hls"])
    complexity = st.slider("How complex are people's lives?", 0.0, 1.0, 0.8, 0.05,
                           help=PARAMETERS["complexity"].help)
    reps = st.slider("Replications", 2, 10, 4)
    n_people = st.select_slider("People", [100, 200, 400], value=200)


@st.cache_data(show_spinner="Simulating...")
def simulate(regimes: tuple[str, ...], complexity: float, reps: int, n_people: int):
    scenarios = {r: Scenario.from_preset(r, complexity=complexity, n_people=n_people,
                                         n_workers=max(1, n_people // 20)) for r in regimes}
    result = compare(scenarios, reps, seed=0)
    return result.trajectories, result.summary


if not regimes:
    st.info("Pick at least one regime.")
    st.stop()

trajectories, summary = simulate(tuple(regimes), complexity, reps, n_people)
metric = st.selectbox("Metric", HEADLINE_METRICS, format_func=lambda m: LABELS[m])
means = trajectories.groupby(["step", "regime"])[metric].mean().unstack("regime")[regimes]
means.index = means.index / 12.0
st.line_chart(means, x_label="years", y_label=LABELS[metric],
              color=list(OKABE_ITO[: len(regimes)]))
st.subheader("Final year: mean and 95% interval across replications")
st.dataframe(summary_wide(summary), use_container_width=True)
st.download_button("Download the runs (CSV)", trajectories.to_csv(index=False), "hlssim_runs.csv")
