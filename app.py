"""hlssim explorer: what target-driven and learning-led commissioning do over time, and why.

    streamlit run app.py              (HLSSIM_HOSTED=1 for a public server: see README)
    hlssim serve                      (one server process per core: docs/hosting.md)

For commissioners and funders who have never seen a simulation: pick a situation like yours, see
two ways of commissioning side by side over the years, read why one came out ahead (computed by
switching each mechanism off in turn), switch regime part way, and take a one-page brief to a
meeting. The address bar holds the view's settings, so a link reproduces it.

This file only assembles the pages. Each page is a module of :mod:`hlssim.ui.pages` (Streamlit),
drawing logic that lives beside it in :mod:`hlssim.ui` and is tested without Streamlit. Adding a
page: write its module, then add ``st.Page(function, title=..., url_path=...)`` to ``PAGES``.
"""

from __future__ import annotations

import streamlit as st

from hlssim.ui.pages import state
from hlssim.ui.pages.about import about_page, modellers_page
from hlssim.ui.pages.common import sidebar, sidebar_boxes
from hlssim.ui.pages.compare import compare_page
from hlssim.ui.pages.frontier import frontier_page
from hlssim.ui.pages.loops import loops_page
from hlssim.ui.pages.switch import switch_page
from hlssim.ui.pages.sweep import sweep_page

st.set_page_config(page_title="Target-driven or learning-led commissioning?", layout="wide",
                   menu_items={"Get help": None, "Report a bug": None, "About": None})

PAGES = {
    "compare": st.Page(compare_page, title="Compare regimes", url_path="compare", default=True),
    "switch": st.Page(switch_page, title="Switch regime at year N", url_path="switch"),
    "frontier": st.Page(frontier_page, title="Could better targets do as well?",
                        url_path="frontier"),
    "about": st.Page(about_page, title="How the model works", url_path="about"),
    "loops": st.Page(loops_page, title="The feedback loops", url_path="loops"),
    "modellers": st.Page(modellers_page, title="For modellers", url_path="modellers"),
    "sweep": st.Page(sweep_page, title="Browse a sweep's results", url_path="sweep"),
}
state.PAGES.update(PAGES)

navigation = st.navigation(list(PAGES.values()))
state.ensure_settings()
state.SIDEBAR.update(sidebar_boxes())
navigation.run()
# The sidebar's controls are sent after the page, into the boxes made before it (so they sit
# where they always do): their values are in the session already, and the browser, which draws
# what it gets in order, draws the summary and the charts first.
sidebar(state.SIDEBAR)
state.sync_link()
