"""The sweep browser page: a sweep's results folder, an output against a setting, the per-point
table and the saved analysis. Locally the folder is typed as a path; on a hosted server
(:func:`hlssim.ui.pages.state.server_limits`) no typed path is read: the folder is uploaded as a
zip file, size-limited and unpacked safely (:func:`hlssim.ui.uploads.unpack_sweep`)."""

from __future__ import annotations

import streamlit as st

from hlssim import HlssimError
from hlssim.experiments.analysis.report import describe_output
from hlssim.ui.pages.state import PERSIST, server_limits
from hlssim.ui.sweep_browser import (
    SWEEP_HINT,
    chart_spec,
    csv_name,
    discovery_text,
    factor_label,
    factor_summary,
    find_sweeps,
    first_output,
    folder_signature,
    headline,
    indices_for,
    levels_of,
    open_sweep,
    point_table,
    region_figures,
    saved_analysis,
)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_sweep(folder: str, signature: tuple):
    """A sweep folder read once per version of its contents (``signature``)."""
    return open_sweep(folder)


def uploaded_folder() -> str:
    """Hosted: the uploaded zip of a sweep folder, unpacked ("" until one is uploaded)."""
    from hlssim.ui.uploads import unpack_sweep

    lim = server_limits()
    upload = st.file_uploader(f"A sweep folder, zipped (up to {lim.max_upload_mb} MB)",
                              type=["zip"], key="sweep:upload")
    if upload is None:
        st.info("Zip the folder `hlssim sweep` wrote (it holds manifest.json and results/) and "
                "upload it here. Nothing on this server is read from a typed path.")
        return ""
    try:
        return str(unpack_sweep(upload.getvalue(), lim.max_upload_mb))
    except HlssimError as err:
        st.error(f"Can't open this upload. {err}")
        return ""


def sweep_page() -> None:
    st.title("Browse a sweep's results")
    st.markdown("A sweep runs a model over many combinations of settings (`hlssim sweep SPEC.toml "
                "--out FOLDER`). Open its folder here to see how each output moves with each "
                "setting, under each regime, with the uncertainty across replications.")
    if server_limits().hosted:
        folder = uploaded_folder()
        if folder:
            show_sweep(folder, hosted=True)
        return
    if "sweep:folder" not in st.session_state:
        found = find_sweeps("results")
        st.session_state["sweep:folder"] = str(found[0]) if found else ""
    folder = st.text_input("Sweep folder", key="sweep:folder", persist_state=PERSIST,
                           placeholder="results/crossover",
                           help="A folder written by `hlssim sweep` (it holds manifest.json and "
                                "results/); a path relative to where the app was started, or "
                                "absolute. The newest one under results/ is filled in.")
    if not folder.strip():
        st.info("No sweep folder yet. " + SWEEP_HINT)
        return
    show_sweep(folder.strip())


def show_sweep(folder: str, hosted: bool = False) -> None:
    """The sweep in ``folder``: its chart, table and analysis."""
    try:
        data = cached_sweep(folder, folder_signature(folder))
    except HlssimError as err:
        st.error(f"Can't open this folder. {err}")
        st.info(SWEEP_HINT)
        return
    spec = data.spec
    st.markdown(f"## {spec.name}" + (" (smoke version)" if spec.is_smoke else ""))
    if spec.description:
        st.markdown(spec.description)
    st.markdown(headline(data))
    if not data.complete:
        st.warning("This sweep is not finished: what follows uses the runs stored so far "
                   "(`hlssim sweep` with the same spec and folder resumes it).")
    with st.expander("How it was run"):
        from hlssim.experiments.analysis.report import design_table

        if spec.model and not hosted:
            st.markdown(f"Model: `{spec.model}`")
        st.markdown(design_table(data))

    outputs, factors = data.outputs, data.factor_columns
    firsts = {"sweep:output": first_output(data),
              "sweep:factor": next((f for f in factors if f != "preset"), factors[0])}
    for key, options in (("sweep:output", outputs), ("sweep:factor", factors)):
        if st.session_state.get(key) not in options:  # another folder: start afresh
            st.session_state[key] = firsts[key]
    cols = st.columns(2)
    own_model = bool(spec.model)
    output = cols[0].selectbox("Output", outputs, key="sweep:output", format_func=lambda o:
                               f"{describe_output(o, own_model)} ({o})")
    factor = cols[1].selectbox("Against", factors, key="sweep:factor", format_func=factor_label)
    levels = levels_of(data, factor) is not None
    summary = factor_summary(data, output, factor)
    st.vega_lite_chart(summary, chart_spec(summary, factor, output, levels, own_model=own_model),
                       theme=None, key="sweep:chart")
    st.caption(("At each value of the setting: the mean over the runs there (and so over the "
                "other settings' values); bars or shading: its 95% interval." if levels else
                "Each design point: its mean over its replications, with the 95% interval when "
                "it has more than one.") + (" One colour and shape per regime." if
                                            summary["regime"].nunique() > 1 else ""))

    st.markdown("### Every design point")
    table = point_table(data, output)
    st.dataframe(table, width="stretch", hide_index=True)
    st.download_button("This table (CSV)", lambda: table.to_csv(index=False),
                       csv_name(data, output), "text/csv", key="download:sweep:csv",
                       on_click="ignore")

    st.markdown("### Sensitivity" + (" and where NPM beats HLS" if "preset" in factors else ""))
    analysis = saved_analysis(data)
    if analysis is None:
        st.info("No current analysis in this folder (`hlssim analyze FOLDER` makes one; it "
                "writes FOLDER/analysis/).")
        if not hosted and st.button("Run the analysis now", key="sweep:analyze"):
            from hlssim.experiments.analysis.analyze import analyze

            try:
                with st.spinner("Analysing..."):
                    analyze(data.folder)
            except (HlssimError, OSError) as err:  # OSError: e.g. a folder we may not write
                st.error(f"The analysis failed: {err}")
                return
            st.rerun()
        return
    st.caption(" ".join(analysis.get("notes") or []))
    indices = indices_for(analysis, output)
    if indices is not None:
        st.dataframe(indices, width="stretch", hide_index=True)
        st.caption("S1: the share of the output's variance due to the setting alone; ST: "
                   "including its interactions; mu_star: the mean absolute change when the "
                   "setting moves across its range (Morris); ± a 95% bootstrap interval.")
    else:
        st.markdown(f"No sensitivity indices for {output} in the analysis.")
    for text in discovery_text(analysis):
        st.markdown(text)
    for path in region_figures(data, analysis):
        st.image(str(path), width=760)
