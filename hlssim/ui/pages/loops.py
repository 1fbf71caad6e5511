"""The feedback loops: for commissioners, the main loops each as a small circle in plain words;
for modellers, on request, the full causal loop diagram (of the project's model or their own)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hlssim import HlssimError
from hlssim.ui.loop_circles import circle_png
from hlssim.ui.loop_diagram import KIND_MEANING, KIND_WORDS, Diagram, loop_path, loop_words
from hlssim.ui.pages.state import PERSIST, server_limits


#: The largest model file a hosted server takes for the diagram, in MB.
MODEL_UPLOAD_MB = 2


@st.cache_resource(show_spinner=False, max_entries=8)
def loop_diagram(model: str = "", signature: tuple = ()) -> Diagram:
    """A stock-flow model's diagram (the project's, or the Vensim file at ``model``), built once
    per server and version of the file (``signature``; it runs PySD: seconds, not ms)."""
    from hlssim.ui.loop_diagram import build

    return build(model) if model else build()


@st.cache_resource(show_spinner=False, max_entries=64)
def circle_image(circle) -> bytes:
    return circle_png(circle)


def file_signature(path: str) -> tuple:
    """What changes when the file at ``path`` does (size and time), so its cached diagram is
    redrawn after an edit; empty if there is no such file (the diagram then says so)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return ()
    return (stat.st_size, stat.st_mtime_ns)


def loops_page() -> None:
    st.title("The feedback loops")
    st.markdown(
        "Why do the two ways of commissioning drift apart over the years? Because causes form "
        "circles: a change goes round and comes back to itself. Below are the main circles in "
        "the model, each on its own. An arrow marked **+** means *more of this brings more of "
        "that*; **−** means *more of this brings less of that*. A **reinforcing** circle "
        "amplifies whatever sets it going (a virtuous or a vicious circle); a **balancing** "
        "circle pulls back towards a level. The signs are read from the model's own equations.")
    try:
        with st.spinner("Reading the loops from the model's equations (once per server; it takes "
                        "some seconds)..."):
            diagram = loop_diagram()
    except HlssimError as err:
        st.error(f"The loops can't be drawn: {err}")
        return
    gaming = [c for c in diagram.circles if c.role]
    if gaming:
        st.markdown("**Gaming** sits on several circles: " + "; ".join(
            f"the *{c.name}* {c.role}" for c in gaming) + ".")
    with st.container(horizontal=True, gap="large"):
        for circle in diagram.circles:
            with st.container(width=330):
                st.markdown(f"**{circle.name[:1].upper() + circle.name[1:]}** "
                            f"({KIND_WORDS[circle.kind]})"
                            + (f" — *{circle.role}*" if circle.role else ""))
                st.image(circle_image(circle), width=300)
                st.caption(circle.about)
    st.markdown("\n\n".join(f"**{KIND_WORDS[k].capitalize()}.** {KIND_MEANING[k]}"
                             for k in ("R", "B")))
    if st.toggle("Show the full diagram (for modellers)", key="loops:full",
                 persist_state=PERSIST):
        full_diagram(diagram)


def own_model() -> str:
    """The path of the user's own Vensim model to draw instead, or "" for the project's.

    Locally it is a typed path. On a hosted server no typed path is read: if the operator allows
    user models (``HLSSIM_ALLOW_USER_MODELS``), the model is uploaded, size-limited
    (:func:`hlssim.ui.uploads.save_model`); otherwise the option is not offered, because drawing a
    model translates it into a program and runs it.
    """
    lim = server_limits()
    if not lim.allow_user_models:
        st.caption("Drawing your own model is switched off on this server: it would translate "
                   "the model's file into a program and run it.")
        return ""
    with st.expander("Draw your own stock-flow model instead"):
        if not lim.hosted:
            return st.text_input(
                "Vensim model (.mdl)", key="loops:model", persist_state=PERSIST,
                placeholder="tests/sd_test_models/SIR/SIR.mdl",
                help="A path relative to where the app was started, or absolute; empty for the "
                     "project's model. The command `hlssim diagram --model FILE --out cld.png` "
                     "draws the same.").strip()
        from hlssim.ui.uploads import save_model

        upload = st.file_uploader(f"Vensim model (.mdl, up to {MODEL_UPLOAD_MB} MB)",
                                  type=["mdl"], key="loops:upload")
        if upload is None:
            return ""
        try:
            return str(save_model(upload.name, upload.getvalue(),
                                  min(MODEL_UPLOAD_MB, lim.max_upload_mb)))
        except HlssimError as err:
            st.error(f"Can't use this upload. {err}")
            return ""


def full_diagram(diagram: Diagram) -> None:
    """Every variable and link of the model, its loops counted, and a model of one's own."""
    st.markdown("### The full diagram")
    model = own_model()
    if model:
        try:
            with st.spinner("Drawing the diagram from the model's equations..."):
                diagram = loop_diagram(model, file_signature(model))
        except HlssimError as err:
            st.error(f"The diagram can't be drawn: {err}")
            return
    st.image(diagram.png, caption=(
        f"{diagram.model}: {diagram.variables} variables, {diagram.links} links, "
        f"{diagram.loops} feedback loops ({diagram.kinds['R']} reinforcing, "
        f"{diagram.kinds['B']} balancing, {diagram.kinds['?']} with a link whose sign depends on "
        "the state). Open it full screen with the button at its top right corner."),
        width="stretch")
    st.download_button("Diagram (PNG)", diagram.png, "hlssim_causal_loops.png", "image/png",
                       key="download:loops:png", on_click="ignore")
    if not diagram.named:
        st.info("This model names no loops (a file NAME.loops.toml beside it would).")
    for named in diagram.named:
        st.markdown(loop_words(named))
        if path := loop_path(named):
            st.caption(f"Path: {path}")
