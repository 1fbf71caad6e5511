"""The frontier page: "could better targets do as well?". It shows the frontier stored with the
package (``docs/frontier``, made by the full ``hlssim frontier``) in plain words; it runs no
search (a search takes minutes to hours)."""

from __future__ import annotations

import streamlit as st

from hlssim import HlssimError
from hlssim.ui.frontier_text import (better_targets, designs, gap_closed, headline, load,
                                     results_table, stored_frontier)
from hlssim.ui.pages.state import go


def frontier_page() -> None:
    st.title("Could better targets do as well?")
    st.markdown(
        "The side-by-side comparison pits one target-driven design (targets pressed hard, a "
        "specified intervention, re-tendering every three years) against one learning-led "
        "design. A commissioner may fairly ask: what if targets were set more wisely? Here each "
        "way of commissioning was given its best chance. A computer search tried many designs of "
        "each, moving only that way's own levers within their allowed ranges: for target-driven "
        "commissioning how hard targets are pushed, how often reports are audited, how often "
        "contracts are re-tendered, how far the intervention is specified and how much pay rides "
        "on results; for learning-led commissioning time for reflection, system stewardship, "
        "asking people what matters, accountability for learning and working as an alliance. "
        "The best designs were then run again on fresh runs the search never saw, so a lucky "
        "design is not mistaken for a good one.")
    try:
        table, differences, manifest = load()
    except HlssimError as err:
        st.error(f"No stored frontier to show. {err}")
        return
    st.markdown("### The answer, by how complex people's lives are")
    st.markdown("\n".join(f"- {line}" for line in headline(differences)))
    st.image(str(stored_frontier() / "frontier.png"),
             caption="Left: wellbeing after ten years under the best design of each way and under "
                     "the two standard designs, with 95% intervals. Middle: learning-led minus "
                     "target-driven on the same runs (above the line: learning-led ahead). Right: "
                     "wellbeing for each £1,000 a month spent per person, for the designs best "
                     "at that.")
    st.markdown("### Wellbeing after ten years")
    st.dataframe(results_table(table, differences, "wellbeing"), width="stretch")
    st.markdown("Learning-led minus target-driven, the standard designs against the best designs: "
                + "; ".join(gap_closed(table, differences)) + ".")
    st.markdown(better_targets(table))
    with st.expander("The best designs found"):
        st.markdown("\n".join(f"- {line}" for line in designs(table, "wellbeing")))
    st.markdown("### Wellbeing for the money")
    st.markdown("Designs searched for the most wellbeing per £1,000 spent a month per person "
                "(staff, oversight, audits, claims, tendering, recruitment).")
    st.dataframe(results_table(table, differences, "wellbeing_per_cost"), width="stretch")
    with st.expander("The designs best for the money"):
        st.markdown("\n".join(f"- {line}" for line in designs(table, "wellbeing_per_cost")))
    s = manifest.get("settings", {})
    st.caption(f"These are the model's results, not a forecast for a real service. Made by "
               f"`{manifest.get('command', 'hlssim frontier')}` (root seed {s.get('seed')}, "
               f"{s.get('reps')} fresh runs of each design judged); the method is in "
               "docs/frontier.md.")
    if st.button("Back to the side-by-side comparison", key="goto:compare"):
        go("compare")
