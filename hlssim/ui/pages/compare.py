"""The explorer's first page: two ways of commissioning side by side in the chosen situation."""

from __future__ import annotations

import streamlit as st

from hlssim import METRIC_NAMES, METRICS, PUBLIC_METRICS, HlssimError
from hlssim.figures.explorer_charts import COMPARE_PANELS
from hlssim.model.cases import Case
from hlssim.ui.brief import brief_png
from hlssim.ui.explain import why_text
from hlssim.ui.glossary import plain_source, plain_text
from hlssim.ui.explorer import HEADLINE_REGIME, advanced_regime, case_scenarios, regime_key
from hlssim.ui.explorer_state import changed_from_situation, show_value
from hlssim.ui.narrative import compare_story
from hlssim.ui.pages.common import (
    BY_DIGEST,
    CacheKey,
    cached_comparison,
    charts,
    downloads,
    explain_gap,
    lazy_expander,
    run_note,
    runs_key,
    show_error,
    simulate,
    widget,
)
from hlssim.ui.pages.state import SIDEBAR, apply_case, current_case, go, situation_defaults
from hlssim.ui.tables import final_table

LABELS = {m.name: m.label for m in METRICS}
DESCRIPTIONS = {m.name: plain_text(m.description) for m in METRICS}


def regime_controls(case: Case) -> None:
    """Each regime's levers, in the sidebar's page box."""
    advanced = st.session_state.get("advanced", False)
    with SIDEBAR["page"]:
        st.subheader("How each way commissions")
        for i, regime in enumerate(case.regimes):
            with st.expander(regime.label, expanded=i == 0):
                for name in HEADLINE_REGIME:
                    widget(st, name, regime_key(i, name))
                if advanced:
                    for name in advanced_regime():
                        widget(st, name, regime_key(i, name), advanced=True)


def changes_note(case: Case) -> None:
    """Say which settings differ from the situation's, so its description is not misread."""
    changes = changed_from_situation(situation_defaults(), st.session_state.to_dict(),
                                     tuple(r.label for r in case.regimes))
    dropped = st.session_state.pop("_link_dropped", [])
    if dropped:
        st.warning(f"The link asked for {len(dropped)} setting(s) this explorer does not have or "
                   "does not allow; they were left at the situation's values.")
    if not changes:
        return
    listed = "; ".join(f"{c.label}: **{show_value(c.now)}** (the situation: "
                       f"{show_value(c.situation)})" for c in changes[:6])
    more = f"; and {len(changes) - 6} more" if len(changes) > 6 else ""
    box = st.container(border=True)
    box.markdown(f"**You have changed this situation's settings**, so the description above no "
                 f"longer fits exactly: {listed}{more}.")
    box.button("Back to the situation's own settings", key="compare:reset", on_click=apply_case)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_DIGEST)
def cached_story(key: CacheKey, first: str, second: str, labels: tuple) -> list[str]:
    """The page's paragraphs (:func:`compare_story`) for the runs of ``key``
    (:func:`hlssim.ui.pages.common.runs_key`): written once per settings."""
    comparison = cached_comparison(key)
    inputs = {name: dict(values) for name, values in key[0]}
    return compare_story(comparison.finals, first, second, dict(labels),
                         inputs[first]["steps"] / 12, comparison.trajectories, inputs)


def compare_page() -> None:
    case = current_case()
    first, second = (r.key for r in case.regimes)
    labels = {r.key: r.label for r in case.regimes}
    st.title("Target-driven or learning-led commissioning?")
    st.markdown(f"### {case.title}")
    with st.expander("What this situation is, and where it comes from"):
        st.markdown(case.description)
        st.markdown("\n".join(f"- {plain_source(s)}" for s in case.sources))
    changes_note(case)
    reps, seed = st.session_state["run:reps"], st.session_state["run:seed"]
    try:
        scenarios = case_scenarios(case, st.session_state.to_dict())  # one pass, not 200 reads
        comparison = simulate(scenarios, reps, seed)
    except HlssimError as err:
        regime_controls(case)  # the controls to put it right
        show_error(err)
        return
    runs = runs_key(scenarios, reps, seed)
    story = cached_story(runs, first, second, tuple(labels.items()))
    st.markdown(f"### What happened: {story[0]}")
    st.caption(run_note(reps))
    st.markdown("\n\n".join(story[1:3]))  # wellbeing and the worst-off
    st.markdown("### Over time")
    st.caption("Lines: mean over runs; shaded: 95% interval of that mean. Every axis starts at "
               "zero. Wellbeing, trust, motivation and stress run from 0 to 1; shares are "
               "fractions; costs are in £ thousand a month.")
    charts(comparison, [first, second], labels, COMPARE_PANELS, key="compare", runs=runs)
    # The regimes' levers (14 sliders, in the sidebar box made for them) are sent after the
    # headline and the chart: the browser draws what it gets in order, and drawing them first
    # held the chart back on a first load. Their values are in the session already, so the runs
    # above read the same settings either way.
    regime_controls(case)
    # after the chart: the page shows the headline and the chart first, then works out why
    # (about 20 more runs, each mechanism off in turn: most of a redraw's time)
    explanation = explain_gap(scenarios, reps, seed)
    why = why_text(explanation, labels)
    st.markdown("\n\n".join(["### Why", *why]))  # one element: each is one more for the browser
    # The two tables are made and sent only once their box is opened (a re-run, from the
    # cache): a table is the heaviest thing a browser draws on this page, and nobody sees it
    # closed. Sent in their closed boxes, they cost a first load about a second of the browser's
    # work before the charts were drawn (benchmarks/bench_first_load.py).
    mechanisms = lazy_expander("What each mechanism did to the gap (table)",
                               key="compare:why_table")
    if mechanisms.open:
        table = explanation.table(labels)
        mechanisms.dataframe(table.style.format(precision=3, na_rep=""), width="stretch",
                             hide_index=True)
        mechanisms.caption("Contribution: how much the gap in true wellbeing shrinks when that "
                           "mechanism is switched off in both ways of commissioning, over the "
                           "same runs; a negative contribution worked against the side that came "
                           "out ahead.")
    st.markdown("\n\n".join(["### The indicator, gaming, staff, trust and cost", *story[3:]]))

    finals = lazy_expander("Final-year numbers, with 95% intervals", key="compare:finals")
    if finals.open:
        finals.dataframe(final_table(comparison, first, second, labels, PUBLIC_METRICS),
                         width="stretch")
    with st.expander("Any other measure over time"):
        metric = st.selectbox("Measure", METRIC_NAMES, index=None, key="compare:other",
                              placeholder="Choose one of the model's measures",
                              format_func=lambda m: LABELS[m])
        if metric:  # drawn only when asked for, to keep every other re-draw quick
            st.caption(DESCRIPTIONS[metric])
            charts(comparison, [first, second], labels, (metric,), key="compare:other")

    brief = (lambda: brief_png(case.title, comparison, first, second, labels, story[0], why,
                               reps))
    downloads(comparison, [first, second], labels, f"hlssim_{case.name}", COMPARE_PANELS,
              title=case.title, brief=brief)
    left, middle, right = st.columns(3)
    if left.button(f"Watch a switch from {labels[first]} to {labels[second]} part way through",
                   key="goto:switch"):
        st.session_state["switch:reverse"] = False
        go("switch")
    if middle.button("Could better targets do as well?", key="goto:frontier"):
        go("frontier")
    if right.button("How does the model work?", key="goto:about"):
        go("about")
