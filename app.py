"""hlssim explorer: what target-driven and learning-led commissioning do over time, and why.

    streamlit run app.py

For commissioners and funders who have never seen a simulation: pick a situation like yours,
see two ways of commissioning side by side over the years, read a plain-English summary written
from the numbers, switch regime part way, and download the data and figures.

This file is presentation only. The logic lives in small modules that are tested on their own:
``hlssim.model.cases`` (the situations, from ``models/cases/*.toml``), ``hlssim.ui.explorer`` (which
controls, the scenarios they describe, running a comparison), ``hlssim.ui.narrative`` (the summaries),
``hlssim.figures.explorer_charts`` (the figures), ``hlssim.ui.loop_diagram`` (the causal loop diagram of the stock-flow
model and its named loops in words) and ``hlssim.ui.sweep_browser`` (reading a sweep's results
folder: the chart of an output against a factor, the per-point table, the saved analysis).

Adding a page: write a function that draws it
and add ``st.Page(function, title=..., url_path=...)`` to ``PAGES`` at the bottom. The sidebar's
situation, world and run settings are shared by every page (``shared_values(st.session_state)``);
a page may add its own sidebar controls to ``SIDEBAR["page"]``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import streamlit as st

from hlssim import METRIC_NAMES, METRICS, PARAMETERS, PUBLIC_METRICS, HlssimError
from hlssim.model.cases import Case, custom_case, load_cases, preset_label
from hlssim.figures.explorer_charts import (
    COMPARE_PANELS,
    SWITCH_PANELS,
    bands_long,
    png_bytes,
    time_panels,
    vega_lite_spec,
)
from hlssim.experiments.comparison import Comparison
from hlssim.experiments.analysis.report import describe_output
from hlssim.ui.explorer import (
    DEFAULT_REPS,
    DEFAULT_SEED,
    HEADLINE_REGIME,
    HEADLINE_WORLD,
    advanced_regime,
    advanced_shared,
    case_scenarios,
    case_settings,
    control,
    fastest_engine,
    final_table,
    friendly_error,
    regime_key,
    run_comparison,
    run_regime,
    shared_key,
    shared_values,
    switch_scenarios,
)
from hlssim.ui.loop_diagram import KIND_MEANING, KIND_WORDS, Diagram, loop_path, loop_words
from hlssim.ui.narrative import compare_story, switch_story
from hlssim.model.scenario import preset_description, preset_names
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

st.set_page_config(page_title="hlssim: target-driven or learning-led?", layout="wide")

CUSTOM = "custom"
#: Widgets whose values must survive a visit to another page.
PERSIST = "session"


# --- data and runs ------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def all_cases() -> dict[str, Case]:
    """The cases, read once per server (they are immutable, so every session can share them)."""
    return load_cases()


@st.cache_data(max_entries=512, show_spinner=False)
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


def simulate(scenarios: Mapping, reps: int, seed: int, paired: bool = False) -> Comparison:
    """Run (or fetch from the cache) every regime's replications, and time it for the sidebar."""
    start = time.perf_counter()
    with st.spinner(simulating_message()):
        comparison = run_comparison(scenarios, reps, seed, fastest_engine(), paired,
                                    runner=cached_regime)
    st.session_state["_last_seconds"] = time.perf_counter() - start
    return comparison


def run_note(reps: int) -> str:
    """The caption over a summary."""
    return (f"From {reps} runs of each, with different luck; values are means over each run's "
            "final year. A model for exploring mechanisms, not a forecast.")


# --- settings -----------------------------------------------------------------------------------

def current_case() -> Case:
    name = st.session_state.get("case")
    if name == CUSTOM:
        return custom_case(st.session_state.get("custom:0", "npm_targets"),
                           st.session_state.get("custom:1", "hls"))
    return all_cases().get(name) or next(iter(all_cases().values()))


def apply_case() -> None:
    """On a change of situation: the case's world and its regimes' settings replace the old.

    Settings the case does not speak to (the number of people, the mechanisms, the calibration,
    the run length) stay as the user left them.
    """
    case = current_case()
    settings = case_settings(case)
    for key, value in settings.items():
        is_regime = key.startswith("regime:")
        is_case_world = key.startswith("shared:") and key.split(":", 1)[1] in case.world
        if is_regime or is_case_world or key not in st.session_state:
            st.session_state[key] = value
    st.session_state["switch:start"] = case.regimes[0].preset
    st.session_state["switch:target"] = case.regimes[1].preset


def ensure_settings() -> None:
    """First visit: start from the first case. Later: fill in any setting not yet set."""
    if "case" not in st.session_state:
        st.session_state["case"] = next(iter(all_cases()))
        apply_case()
    for key, value in case_settings(current_case()).items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault("run:reps", DEFAULT_REPS)
    st.session_state.setdefault("run:seed", DEFAULT_SEED)
    st.session_state.setdefault("switch:start", current_case().regimes[0].preset)
    st.session_state.setdefault("switch:target", current_case().regimes[1].preset)
    st.session_state.setdefault("switch:year", 4.0)


def widget(container, name: str, key: str, advanced: bool = False):
    """Draw the control for parameter ``name`` (generated from its declaration) in ``container``."""
    spec = control(name, advanced)
    return getattr(container, spec.widget)(key=key, persist_state=PERSIST, **spec.kwargs)


# --- the sidebar, shared by every page ----------------------------------------------------------

def sidebar() -> dict:
    """The situation, the world, room for page controls, advanced settings and run settings."""
    bar = st.sidebar
    boxes = {name: bar.container() for name in ("case", "world", "page", "advanced", "run")}
    cases = all_cases()
    with boxes["case"]:
        st.header("Your situation")
        st.selectbox("Pick a situation like yours", [*cases, CUSTOM], key="case",
                     on_change=apply_case, persist_state=PERSIST,
                     format_func=lambda n: "Choose two regimes yourself" if n == CUSTOM
                     else cases[n].title)
        if st.session_state["case"] == CUSTOM:
            for i, default in enumerate(("npm_targets", "hls")):
                st.session_state.setdefault(f"custom:{i}", default)
                st.selectbox(("First" if i == 0 else "Second") + " regime", preset_names(),
                             key=f"custom:{i}", format_func=preset_label, on_change=apply_case,
                             persist_state=PERSIST)
    with boxes["world"]:
        st.subheader("The world the service works in")
        for name in HEADLINE_WORLD:
            widget(st, name, shared_key(name))
    with boxes["advanced"]:
        advanced = st.toggle("Show every setting (advanced)", key="advanced", persist_state=PERSIST,
                             help="Every other parameter of the model: the size of the system, "
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
        st.slider("Replications (runs of each regime)", 2, 20, key="run:reps",
                  persist_state=PERSIST,
                  help="Each regime is run this many times with different luck; the summary's "
                       "95% intervals come from the spread between runs. More runs narrow them "
                       "and take longer.")
        st.number_input("Random seed", min_value=0, step=1, key="run:seed", persist_state=PERSIST,
                        help="The same settings and seed always give the same results.")
        if "_last_seconds" in st.session_state:
            st.caption(f"Last simulation took {st.session_state['_last_seconds']:.2f} s "
                       f"(engine: {fastest_engine()}).")
    return boxes


# --- page: compare ------------------------------------------------------------------------------

def regime_controls(case: Case, box) -> None:
    advanced = st.session_state.get("advanced", False)
    with box:
        st.subheader("How each regime commissions")
        for i, regime in enumerate(case.regimes):
            with st.expander(regime.label, expanded=i == 0):
                st.caption(f"Starts from the preset `{regime.preset}`"
                           + (" with this case's changes." if regime.overrides else "."))
                for name in HEADLINE_REGIME:
                    widget(st, name, regime_key(i, name))
                if advanced:
                    for name in advanced_regime():
                        widget(st, name, regime_key(i, name), advanced=True)


def chart(comparison: Comparison, regimes, labels, metrics=COMPARE_PANELS, switch_step=None,
          cols: int = 4) -> None:
    data = bands_long(comparison.trajectories, regimes, labels, metrics)
    st.vega_lite_chart(data, vega_lite_spec(regimes, labels, metrics, cols, switch_step),
                       theme=None, key=None)


def compare_page() -> None:
    case = current_case()
    regime_controls(case, SIDEBAR["page"])
    first, second = (r.key for r in case.regimes)
    labels = {r.key: r.label for r in case.regimes}
    st.title("Target-driven or learning-led commissioning?")
    st.markdown(f"### {case.title}\n{case.description}")
    if case.sources:
        with st.expander("Where this case comes from"):
            st.markdown("\n".join(f"- {s}" for s in case.sources))
    reps, seed = st.session_state["run:reps"], st.session_state["run:seed"]
    try:
        scenarios = case_scenarios(case, st.session_state)
        comparison = simulate(scenarios, reps, seed)
    except HlssimError as err:
        st.error(friendly_error(err))
        return
    story = compare_story(comparison.finals, first, second, labels, scenarios[first].steps / 12,
                          comparison.trajectories)
    st.markdown(f"### What happened\n#### {story[0]}")
    st.caption(run_note(reps))
    st.markdown("\n\n".join(story[1:3]))  # wellbeing and the worst-off
    st.markdown("### Over time")
    st.caption("Lines: mean over runs; shaded: 95% interval of that mean. Wellbeing, trust, "
               "motivation and stress run from 0 to 1; shares are fractions.")
    chart(comparison, [first, second], labels)
    st.markdown("### Why: the indicator, gaming, staff, trust and cost")
    st.markdown("\n\n".join(story[3:]))

    with st.expander("Final-year numbers, with 95% intervals"):
        st.dataframe(final_table(comparison, first, second, labels, PUBLIC_METRICS),
                     width="stretch")
    with st.expander("Any other measure over time"):
        metric = st.selectbox("Measure", METRIC_NAMES, index=None, key="compare:other",
                              placeholder="Choose one of the model's measures",
                              format_func=lambda m: LABELS[m])
        if metric:  # drawn only when asked for, to keep every other re-draw quick
            st.caption(DESCRIPTIONS[metric])
            chart(comparison, [first, second], labels, metrics=(metric,), cols=1)

    downloads(comparison, [first, second], labels, f"hlssim_{case.name}", COMPARE_PANELS,
              title=case.title)
    left, right = st.columns(2)
    targets = [r.preset for r in case.regimes]
    if left.button(f"Watch a switch from {preset_label(targets[0])} to {preset_label(targets[1])} "
                   "part way through", key="goto:switch"):
        st.session_state["switch:start"], st.session_state["switch:target"] = targets
        st.switch_page(PAGES["switch"])
    if right.button("How does the model work?", key="goto:about"):
        st.switch_page(PAGES["about"])


def downloads(comparison: Comparison, regimes, labels, stem: str, metrics, title: str = "",
              switch_step: int | None = None) -> None:
    """Buttons for the data (CSV) and the figure (PNG); each file is made only when clicked."""
    st.markdown("### Download")
    cols = st.columns(3)
    cols[0].download_button(
        "Every run, month by month (CSV)", lambda: comparison.trajectories.to_csv(index=False),
        f"{stem}_runs.csv", "text/csv", key=f"download:{stem}:runs", on_click="ignore")
    cols[1].download_button(
        "Final-year summary (CSV)", lambda: comparison.summary.to_csv(index=False),
        f"{stem}_summary.csv", "text/csv", key=f"download:{stem}:summary", on_click="ignore")
    cols[2].download_button(
        "Figure (PNG)", lambda: png_bytes(time_panels(comparison.trajectories, regimes, labels,
                                                      metrics, switch_step=switch_step,
                                                      title=title)),
        f"{stem}.png", "image/png", key=f"download:{stem}:png", on_click="ignore")


# --- page: switch regime ------------------------------------------------------------------------

def switch_page() -> None:
    st.title("Switch regime at year N")
    st.markdown("What happens when a service changes how it is commissioned part way through? "
                "Three services in the same world: one keeps its regime, one switches, and one "
                "had the new regime all along. All three see the same people and the same luck "
                "until the switch, so any difference after it comes from the switch. The "
                "regimes here are the standard presets; the world and the runs are set in the "
                "sidebar.")
    world = shared_values(st.session_state)
    steps = int(world.get("steps", PARAMETERS["steps"].default))
    if steps < 24:
        st.info("Simulate at least 24 months (in the sidebar) to watch a switch.")
        return
    presets = list(preset_names())
    cols = st.columns(3)
    cols[0].selectbox("Start with", presets, key="switch:start", format_func=preset_label,
                      persist_state=PERSIST)
    cols[1].selectbox("Switch to", presets, key="switch:target", format_func=preset_label,
                      persist_state=PERSIST)
    last = steps / 12 - 0.5
    st.session_state["switch:year"] = min(max(float(st.session_state["switch:year"]), 0.5), last)
    cols[2].slider("Switch at year", 0.5, last, step=0.5, format="%.1f", key="switch:year",
                   persist_state=PERSIST,
                   help="When the second service changes regime (the model's `switch_step` is "
                        "12 times this, in months). The new regime's settings are its preset's.")
    start, target = st.session_state["switch:start"], st.session_state["switch:target"]
    try:
        design = switch_scenarios(start, target, st.session_state["switch:year"], world,
                                  {p: preset_label(p) for p in presets})
    except HlssimError as err:
        st.error(friendly_error(err))
        return
    order = [design.stay, design.switched, design.target]
    reps, seed = st.session_state["run:reps"], st.session_state["run:seed"]
    try:
        comparison = simulate(design.scenarios, reps, seed, paired=True)
    except HlssimError as err:
        st.error(friendly_error(err))
        return
    st.markdown("### What happened")
    st.caption(run_note(reps))
    st.markdown("\n\n".join(switch_story(comparison.trajectories, comparison.finals, design.stay,
                                          design.switched, design.switch_step, design.target,
                                          design.labels)))
    st.markdown("### Around the switch")
    st.caption("Dashed vertical line: the switch. Lines: mean over runs; shaded: 95% interval of "
               "that mean.")
    chart(comparison, order, design.labels, SWITCH_PANELS, design.switch_step)
    downloads(comparison, order, design.labels, f"hlssim_switch_{start}_to_{target}",
              SWITCH_PANELS, switch_step=design.switch_step,
              title=design.labels[design.switched])
    if st.button("Back to the side-by-side comparison", key="goto:compare"):
        st.switch_page(PAGES["compare"])


# --- page: about --------------------------------------------------------------------------------

def about_page() -> None:
    st.title("How the model works")
    st.markdown(
        "hlssim is an agent-based model: it simulates people with several interacting life "
        "problems, the frontline workers who support them, the provider organisations that employ "
        "the workers and the commissioner who funds them, month by month. Nothing in it says "
        "which regime should win: the results come from mechanisms (gaming, trust, motivation, "
        "learning, system barriers, tendering) whose strength depends on the world, above all on "
        "how complex people's lives are. It is for exploring and explaining how these mechanisms "
        "play out, not for forecasting a real service. The full description is `docs/ODD.md`.")
    st.markdown("### The regimes")
    for name in preset_names():
        st.markdown(f"**{preset_label(name)}** (`{name}`): {preset_description(name)}")
    st.markdown("### The measures")
    st.dataframe(pd.DataFrame([{"measure": m.label, "name": m.name, "what it is": m.description}
                               for m in METRICS]).set_index("measure"), width="stretch")
    st.markdown("### The settings")
    st.dataframe(pd.DataFrame([{"setting": p.label, "name": p.name, "group": p.group,
                                "allowed": p.allowed(), "unit": p.unit, "meaning": p.help}
                               for p in PARAMETERS.values()]).set_index("setting"),
                 width="stretch")
    st.markdown("### The situations and their sources")
    for case in all_cases().values():
        st.markdown(f"**{case.title}**: " + "; ".join(case.sources))
    cols = st.columns(3)
    if cols[0].button("Back to the side-by-side comparison", key="goto:compare"):
        st.switch_page(PAGES["compare"])
    if cols[1].button("The feedback loops behind it (causal loop diagram)", key="goto:loops"):
        st.switch_page(PAGES["loops"])
    if cols[2].button("Browse a sweep's results", key="goto:sweep"):
        st.switch_page(PAGES["sweep"])


# --- page: causal loop diagram ------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=8)
def loop_diagram(model: str = "", signature: tuple = ()) -> Diagram:
    """A stock-flow model's diagram (the project's, or the Vensim file at ``model``), built once
    per server and version of the file (``signature``; it runs PySD: seconds, not ms)."""
    from hlssim.ui.loop_diagram import build

    return build(model) if model else build()


def _file_signature(path: str) -> tuple:
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
        "The same mechanisms as the simulation, written as a stock-flow model "
        "(`models/hls_commissioning.mdl`) and drawn from its own equations: an arrow runs from a "
        "cause to what it changes, **blue +** when more of the cause means more of the effect, "
        "**vermillion (orange-red) −** when it means less. Boxes are stocks, the things that build up over time (trust, "
        "motivation, knowledge, wellbeing). Where arrows close a circle there is a feedback loop, "
        "and the loops are why the two regimes drift apart over the years.")
    with st.expander("Draw your own stock-flow model instead"):
        model = st.text_input(
            "Vensim model (.mdl)", key="loops:model", persist_state=PERSIST,
            placeholder="tests/sd_test_models/SIR/SIR.mdl",
            help="A path relative to where the app was started, or absolute; empty for the "
                 "project's model. The command `hlssim diagram --model FILE --out cld.png` "
                 "draws the same.").strip()
    try:
        with st.spinner("Drawing the diagram from the model's equations (once per server; it "
                        "takes some seconds)..."):
            diagram = loop_diagram(model, _file_signature(model) if model else ())
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
    st.markdown("### The main loops, in plain words")
    st.markdown("\n\n".join(f"**{KIND_WORDS[k].capitalize()}.** {KIND_MEANING[k]}"
                             for k in ("R", "B")))
    if not diagram.named:
        st.info("This model names no loops (a file NAME.loops.toml beside it would).")
    for named in diagram.named:
        st.markdown(loop_words(named))
        if path := loop_path(named):
            st.caption(f"Path: {path}")
    st.caption("Each loop's kind is found from the equations (the product of its links' signs), "
               "not copied from the theory; the command `hlssim diagram --out cld.png` draws the "
               "same diagram and lists the loops.")


# --- page: browse a sweep -----------------------------------------------------------------------

@st.cache_data(max_entries=8, show_spinner=False)
def cached_sweep(folder: str, signature: tuple):
    """A sweep folder read once per version of its contents (``signature``)."""
    return open_sweep(folder)


def sweep_page() -> None:
    st.title("Browse a sweep's results")
    st.markdown("A sweep runs a model over many combinations of settings (`hlssim sweep SPEC.toml "
                "--out FOLDER`). Open its folder here to see how each output moves with each "
                "setting, under each regime, with the uncertainty across replications.")
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
    try:
        data = cached_sweep(folder.strip(), folder_signature(folder.strip()))
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

        if spec.model:
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
        if st.button("Run the analysis now", key="sweep:analyze"):
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


LABELS = {m.name: m.label for m in METRICS}
DESCRIPTIONS = {m.name: m.description for m in METRICS}

PAGES = {
    "compare": st.Page(compare_page, title="Compare regimes", url_path="compare", default=True),
    "switch": st.Page(switch_page, title="Switch regime at year N", url_path="switch"),
    "about": st.Page(about_page, title="How the model works", url_path="about"),
    "loops": st.Page(loops_page, title="The feedback loops", url_path="loops"),
    "sweep": st.Page(sweep_page, title="Browse a sweep's results", url_path="sweep"),
}

navigation = st.navigation(list(PAGES.values()))
ensure_settings()
SIDEBAR = sidebar()
navigation.run()
