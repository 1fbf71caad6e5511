"""How the model works (for commissioners: plain words and a glossary) and the page for modellers
(code names, every setting, the documents and commands behind the model)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hlssim import METRICS, PARAMETERS
from hlssim.model.cases import preset_label
from hlssim.model.scenario import preset_description, preset_names
from hlssim.ui.explorer import plain_label
from hlssim.ui.glossary import GLOSSARY, plain_source, plain_text
from hlssim.ui.pages.state import all_cases, go


def about_page() -> None:
    st.title("How the model works")
    st.markdown(
        "The model simulates people with several interacting life problems, the frontline "
        "workers who support them, the organisations that employ the workers and the "
        "commissioner who funds them, month by month. Nothing in it says which way of "
        "commissioning should win: the results come from mechanisms (gaming, trust, motivation, "
        "learning, system barriers, tendering) whose strength depends on the world, above all on "
        "how complex people's lives are. Where lives are simple, targets can and do win. It is "
        "for exploring and explaining how these mechanisms play out, not for forecasting a real "
        "service.")
    st.markdown("### The ways of commissioning")
    for name in preset_names():
        st.markdown(f"**{preset_label(name)}**: {plain_text(preset_description(name))}")
    st.markdown("### Glossary")
    st.markdown("\n".join(f"- **{term}**: {meaning}" for term, meaning in GLOSSARY.items()))
    st.markdown("### The measures")
    st.dataframe(pd.DataFrame([{"measure": m.label, "what it is": plain_text(m.description)}
                               for m in METRICS[:20]]).set_index("measure"), width="stretch")
    st.markdown("### The situations and their sources")
    for case in all_cases().values():
        st.markdown(f"**{case.title}**: " + "; ".join(plain_source(s) for s in case.sources))
    cols = st.columns(3)
    if cols[0].button("Back to the side-by-side comparison", key="goto:compare"):
        go("compare")
    if cols[1].button("The feedback loops behind it", key="goto:loops"):
        go("loops")
    if cols[2].button("For modellers: every setting, code names, sweeps", key="goto:modellers"):
        go("modellers")


def modellers_page() -> None:
    st.title("For modellers")
    st.markdown(
        "The explorer's pages speak plainly; this one keeps the model's own names. The model is "
        "described in full in `docs/ODD.md`; the command `hlssim` runs the same comparisons, "
        "sweeps and explanations (`hlssim compare`, `hlssim sweep`, `hlssim explain`...).")
    st.markdown("### The presets")
    for name in preset_names():
        st.markdown(f"**{preset_label(name)}** (`{name}`): {preset_description(name)}")
    st.markdown("### The measures")
    st.dataframe(pd.DataFrame([{"measure": m.label, "name": m.name, "what it is": m.description}
                               for m in METRICS]).set_index("measure"), width="stretch")
    st.markdown("### The settings")
    st.dataframe(pd.DataFrame([{"setting": plain_label(p), "name": p.name, "group": p.group,
                                "allowed": p.allowed(), "unit": p.unit, "meaning": p.help}
                               for p in PARAMETERS.values()]).set_index("setting"),
                 width="stretch")
    st.markdown("### The situations' files and sources")
    for case in all_cases().values():
        st.markdown(f"**{case.title}** (`models/cases/{case.name}.toml`, presets "
                    + ", ".join(f"`{r.preset}`" for r in case.regimes) + "): "
                    + "; ".join(case.sources))
    cols = st.columns(3)
    if cols[0].button("Back to the side-by-side comparison", key="goto:compare"):
        go("compare")
    if cols[1].button("The full causal loop diagram", key="goto:loops"):
        st.session_state["loops:full"] = True
        go("loops")
    if cols[2].button("Browse a sweep's results", key="goto:sweep"):
        go("sweep")
