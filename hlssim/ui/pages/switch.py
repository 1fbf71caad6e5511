"""The explorer's switch page: the chosen situation's service changing how it is commissioned part
way through, against staying put and against the new way all along."""

from __future__ import annotations

import streamlit as st

from hlssim import PARAMETERS, HlssimError
from hlssim.figures.explorer_charts import SWITCH_PANELS
from hlssim.model.cases import preset_label
from hlssim.ui.explorer import case_switch, shared_values
from hlssim.ui.pages.common import charts, downloads, run_note, runs_key, show_error, simulate
from hlssim.ui.pages.state import PERSIST, current_case, go
from hlssim.ui.switch_narrative import recoveries, recovery_sentence, switch_story


def chart_events(found, switch_step: int) -> dict:
    """Where to mark each measure's chart: the mean path's low after the switch, when it was back
    at its pre-switch level, and when it was level with the regime switched to."""
    events = {}
    for r in found:
        marks = []
        for step, what in ((r.mean_low_step, "lowest after the switch"),
                           (r.mean_back_step, "back to its pre-switch level"),
                           (r.mean_level_step if r.mean_level_step != switch_step else None,
                            "level with the new way all along")):
            if step is not None:
                marks.append({"years": step / 12.0, "event": what})
        events[r.metric] = marks
    return events


def _with_values(events: dict, comparison, switched: str) -> dict:
    """Each mark at the switched service's mean value at that time."""
    runs = comparison.trajectories[comparison.trajectories["regime"] == switched]
    for metric, marks in events.items():
        path = runs.groupby("step")[metric].mean().rolling(6, center=True, min_periods=1).mean()
        for mark in marks:
            mark["value"] = round(float(path.loc[round(mark["years"] * 12)]), 4)
    return events


def switch_page() -> None:
    case = current_case()
    st.title("Switch regime at year N")
    world = shared_values(st.session_state.to_dict())
    steps = int(world.get("steps", PARAMETERS["steps"].default))
    first, second = (r.label for r in case.regimes)
    st.markdown(f"### {case.title}\nWhat happens when this service changes how it is "
                "commissioned part way through? Three services in the same world: one keeps its "
                "way of commissioning, one switches, and one had the new way all along. All "
                "three see the same people and the same luck until the switch, so any difference "
                "after it comes from the switch.")
    if steps < 24:
        st.info("Simulate at least 24 months (in the sidebar) to watch a switch.")
        return
    cols = st.columns(2)
    cols[0].radio("Which way", [False, True], key="switch:reverse", persist_state=PERSIST,
                  format_func=lambda r: f"From {second} to {first}" if r
                  else f"From {first} to {second}")
    last = steps / 12 - 0.5
    st.session_state["switch:year"] = min(max(float(st.session_state["switch:year"]), 0.5), last)
    cols[1].slider("Switch at year", 0.5, last, step=0.5, format="%.1f", key="switch:year",
                   persist_state=PERSIST,
                   help="When the second service changes how it is commissioned.")
    try:
        design = case_switch(case, st.session_state, st.session_state["switch:year"],
                             st.session_state["switch:reverse"])
        reps, seed = st.session_state["run:reps"], st.session_state["run:seed"]
        comparison = simulate(design.scenarios, reps, seed, paired=True)
    except HlssimError as err:
        show_error(err)
        return
    new = design.labels[design.target].removesuffix(" throughout")
    if design.switched_to_nearest:
        st.caption(f"The model can switch only to one of its standard ways of commissioning, and "
                   f"{new} as fitted for this situation is not one of them: after the switch the "
                   f"service runs under the standard settings of "
                   f"{preset_label(design.switched_to_nearest)} (the nearest), and so does the "
                   "service that had it all along.")
    elif design.target_changed:
        st.caption(f"After the switch the service runs under the standard settings of {new} "
                   "(the model switches to a standard set of settings), and so does the service "
                   "that had it all along.")
    order = [design.stay, design.switched, design.target]
    st.markdown("### What happened")
    st.caption(run_note(reps))
    st.markdown("\n\n".join(switch_story(comparison.trajectories, comparison.finals, design.stay,
                                          design.switched, design.switch_step, design.target,
                                          design.labels)))
    found = recoveries(comparison.trajectories, design.switched, design.switch_step,
                       design.target)
    st.markdown("### Does it dip first, and how long until it recovers?")
    st.caption("Measured run by run (each run is compared with the same-luck runs of the other "
               "two services), then averaged, with 95% intervals; smoothed over 6 months so that "
               "one noisy month is not taken for a recovery.")
    st.markdown("\n".join(f"- {recovery_sentence(r, new)}" for r in found))
    st.markdown("### Around the switch")
    st.caption("Dashed vertical line: the switch. Marks on the switching service's line (their "
               "shapes are in the key above the panels): its lowest point after the switch, when "
               "it was back to its pre-switch level, and when it was level with the new way all "
               "along. Every axis starts at zero.")
    events = _with_values(chart_events(found, design.switch_step), comparison, design.switched)
    charts(comparison, order, design.labels, SWITCH_PANELS, design.switch_step, events,
           key="switch", runs=runs_key(design.scenarios, reps, seed, paired=True))
    downloads(comparison, order, design.labels, f"hlssim_switch_{case.name}", SWITCH_PANELS,
              switch_step=design.switch_step, title=design.labels[design.switched])
    if st.button("Back to the side-by-side comparison", key="goto:compare"):
        go("compare")


