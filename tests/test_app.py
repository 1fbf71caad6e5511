"""The Streamlit explorer (AppTest): every case, preset and page runs, and controls change results.

Most tests start the app in a small world (set through Session State, as a user would through
the advanced settings) so the whole file runs in seconds; one test runs the embedded default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hlssim.model.cases import load_cases, preset_label
from hlssim.model.scenario import preset_names

APP = str(Path(__file__).resolve().parent.parent / "app.py")

#: A small, quick world; these keys are the app's own widget keys.
SMALL = {"shared:n_people": 40, "shared:n_workers": 4, "shared:n_providers": 2,
         "shared:steps": 36, "run:reps": 2}


def start(small: bool = True, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in ((SMALL if small else {}) | state).items():
        at.session_state[key] = value
    return at.run()


def panels(at: AppTest) -> list[str]:
    """The chart panels on the page: each an SVG picture (its markup, decoded)."""
    import base64

    prefix = "data:image/svg+xml;base64,"
    return [base64.b64decode(img.url[len(prefix):]).decode()
            for image in at.get("image") for img in image.proto.imgs if img.url.startswith(prefix)]


def summary(at: AppTest) -> str:
    """The generated summary: the markdown from 'What happened' up to the downloads."""
    texts = [m.value for m in at.markdown]
    first = next(i for i, t in enumerate(texts) if t.startswith("### What happened"))
    last = next(i for i, t in enumerate(texts) if t.startswith("### Download"))
    return "\n".join(texts[first:last])


def assert_shown(at: AppTest) -> None:
    """No exception, no error message, a summary and the main chart on the page."""
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert summary(at)
    assert len(panels(at)) >= 8, "the main chart is missing"


def test_the_embedded_default_opens_on_the_first_case():
    at = start(small=False)
    assert_shown(at)
    first = next(iter(load_cases().values()))
    assert any(m.value.startswith(f"### {first.title}") for m in at.markdown)
    assert at.slider(key="run:reps").value == 5
    assert any(c.value.startswith("From 5 runs of each") for c in at.caption)
    assert "After 10 years" in summary(at)


@pytest.mark.parametrize("case", [*load_cases(), "custom"])
def test_every_case_runs(case):
    at = start()
    at.radio(key="case").set_value(case).run()
    assert_shown(at)
    if case != "custom":
        title = load_cases()[case].title
        assert any(m.value.startswith(f"### {title}") for m in at.markdown)
        for regime in load_cases()[case].regimes:
            assert f"**{regime.label}**" in summary(at)


def test_every_preset_runs_as_a_chosen_regime():
    presets = list(preset_names())
    at = start()
    at.radio(key="case").set_value("custom").run()
    for first, second in zip(presets[0::2], presets[1::2]):
        at.selectbox(key="custom:0").set_value(first)
        at.selectbox(key="custom:1").set_value(second)
        at.run()
        assert_shown(at)
        text = summary(at)
        assert f"**{preset_label(first)}**" in text and f"**{preset_label(second)}**" in text


def test_choosing_a_situation_sets_every_control_to_its_values():
    """Issue 21 item 2: no setting of the previous situation stays behind (only runs and seed)."""
    at = start()
    at.radio(key="case").set_value("simple_service").run()
    assert at.slider(key="shared:complexity").value == pytest.approx(0.1)
    assert at.session_state["shared:n_people"] == 200  # the explorer's size, not the test's 40
    at.slider(key="shared:knave_share").set_value(1.0).run()
    at.slider(key="regime:0:target_pressure").set_value(0.0).run()
    at.radio(key="case").set_value("gateshead").run()
    at.radio(key="case").set_value("simple_service").run()
    assert at.slider(key="shared:knave_share").value == pytest.approx(0.1)
    assert at.slider(key="regime:0:target_pressure").value > 0
    at.radio(key="case").set_value("gateshead").run()
    assert at.slider(key="shared:complexity").value == pytest.approx(0.85)
    assert at.slider(key="regime:0:target_pressure").value == pytest.approx(0.8)
    assert at.slider(key="run:reps").value == 2  # the run settings are the user's


def test_a_changed_setting_is_named_under_the_situation_and_can_be_undone():
    at = start(small=False)
    assert not any("You have changed" in m.value for m in at.markdown)
    at.slider(key="shared:knave_share").set_value(1.0).run()
    note = next(m.value for m in at.markdown if "You have changed" in m.value)
    assert "Share of self-interested staff: **1.00** (the situation: 0.10)" in note
    at.button(key="compare:reset").click().run()
    assert at.slider(key="shared:knave_share").value == pytest.approx(0.1)
    assert not any("You have changed" in m.value for m in at.markdown)


def test_the_link_reproduces_the_view():
    """The query parameters written on one visit, opened in a new session, give the same page."""
    at = start()
    at.radio(key="case").set_value("gateshead").run()
    at.slider(key="shared:complexity").set_value(0.95).run()
    at.slider(key="regime:1:reflection_time").set_value(0.2).run()
    at.slider(key="run:reps").set_value(3).run()
    link = dict(at.query_params)
    assert link["case"] == "gateshead" and link["shared:complexity"] == "0.95"
    assert "shared:knave_share" not in link  # only what differs from the situation
    fresh = AppTest.from_file(APP, default_timeout=120)
    for key, value in link.items():
        fresh.query_params[key] = value
    fresh.run()
    assert_shown(fresh)
    assert fresh.radio(key="case").value == "gateshead"
    assert fresh.slider(key="shared:complexity").value == pytest.approx(0.95)
    assert fresh.slider(key="regime:1:reflection_time").value == pytest.approx(0.2)
    assert summary(fresh) == summary(at)


def test_a_bad_link_is_named_not_obeyed():
    fresh = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"case": "gateshead", "shared:complexity": "7", "shared:nope": "1",
                       "run:reps": "2"}.items():
        fresh.query_params[key] = value
    fresh.run()
    assert_shown(fresh)
    assert fresh.slider(key="shared:complexity").value == pytest.approx(0.85)
    assert "2 setting(s)" in fresh.warning[0].value


def test_the_tables_are_drawn_only_in_an_open_box():
    """The compare page's two tables are sent only once their box is opened (they held the first
    load's charts back in the browser); opened, they show the computed numbers."""
    at = start()
    assert_shown(at)
    assert not at.dataframe  # closed: nothing sent
    labels = [e.label for e in at.expander]
    assert "What each mechanism did to the gap (table)" in labels
    assert "Final-year numbers, with 95% intervals" in labels
    at.session_state["compare:why_table"] = True
    at.run()
    assert_shown(at)
    assert len(at.dataframe) == 1
    mechanisms = at.dataframe[0].value
    assert "contribution" in mechanisms.columns and len(mechanisms) > 5
    at.session_state["compare:finals"] = True
    at.run()
    assert len(at.dataframe) == 2
    assert len(at.dataframe[1].value) > 5  # the final-year numbers, one row per measure


def test_changing_a_control_changes_the_results_shown():
    at = start(**{"compare:why_table": True})  # the mechanisms' table, opened
    before_text, before_table = summary(at), at.dataframe[0].value.copy()
    at.slider(key="shared:complexity").set_value(0.95).run()
    assert_shown(at)
    assert summary(at) != before_text
    assert not at.dataframe[0].value.equals(before_table)

    before_text = summary(at)
    at.slider(key="regime:0:target_pressure").set_value(1.0).run()  # one regime's lever
    assert_shown(at)
    assert summary(at) != before_text


def test_any_other_measure_can_be_drawn():
    at = start()
    charts = len(panels(at))
    at.selectbox(key="compare:other").set_value("neglect_share").run()
    assert_shown(at)
    assert len(panels(at)) == charts + 1
    assert "People with a neglecting worker" in panels(at)[-1]
    captions = " ".join(c.value for c in at.caption)
    assert "self-interested" in captions and "knave" not in captions


def test_replications_reach_the_summary():
    at = start()
    at.slider(key="run:reps").set_value(4).run()
    assert_shown(at)
    assert "across 4 runs of each" in summary(at)
    assert any(c.value.startswith("From 4 runs of each") for c in at.caption)


def test_switch_page_and_back():
    at = start()
    at.button(key="goto:switch").click().run()
    assert_shown(at)
    assert at.title[0].value == "Switch regime at year N"
    text = summary(at)
    assert "Before the switch at year 2.5" in text  # year 4 by default; the run here is 3 years
    assert "In the 6 months after the switch, trust" in text  # not "the first year"
    at.slider(key="switch:year").set_value(1.0).run()
    assert_shown(at)
    assert "Before the switch at year 1" in summary(at) and summary(at) != text
    assert "In the first year after the switch, trust" in summary(at)
    assert "**True wellbeing (mean)**" in summary(at)  # the recovery of each measure
    at.button(key="goto:compare").click().run()
    assert_shown(at)
    assert at.title[0].value == "Target-driven or learning-led commissioning?"


@pytest.mark.parametrize("case", list(load_cases()))
def test_the_switch_page_uses_the_situation_s_two_regimes(case):
    at = start()
    at.radio(key="case").set_value(case).run()
    at.button(key="goto:switch").click().run()
    assert_shown(at)
    first, second = (r.label for r in load_cases()[case].regimes)
    assert f"**{first} throughout**" in summary(at)
    assert f"**Switch to {second} at year " in summary(at)
    at.radio(key="switch:reverse").set_value(True).run()
    assert_shown(at)
    assert f"**{second} throughout**" in summary(at)
    assert f"**Switch to {first} at year " in summary(at)


def test_settings_survive_a_visit_to_another_page():
    at = start()
    at.radio(key="case").set_value("gateshead").run()
    at.slider(key="regime:0:target_pressure").set_value(1.0).run()
    at.toggle(key="advanced").set_value(True).run()
    at.checkbox(key="shared:mech_trust").uncheck().run()
    before = summary(at)
    at.button(key="goto:about").click().run()
    at.button(key="goto:compare").click().run()
    assert_shown(at)
    assert at.radio(key="case").value == "gateshead"
    assert at.slider(key="regime:0:target_pressure").value == 1.0
    assert at.checkbox(key="shared:mech_trust").value is False
    assert summary(at) == before


def test_about_page():
    at = start()
    at.button(key="goto:about").click().run()
    assert not at.exception
    assert at.title[0].value == "How the model works"
    assert len(at.dataframe) == 1  # the measures, in plain words
    text = "\n".join(m.value for m in at.markdown)
    assert "### Glossary" in text
    at.button(key="goto:modellers").click().run()
    assert not at.exception
    assert at.title[0].value == "For modellers"
    assert len(at.dataframe) == 2  # the measures and the settings, with their code names


def test_bad_input_shows_a_friendly_message_not_a_traceback():
    at = start()
    at.toggle(key="advanced").set_value(True).run()
    at.number_input(key="shared:n_people").set_value(0).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "People supported" in at.error[0].value and "0 is not allowed" in at.error[0].value
    assert not panels(at)
    at.number_input(key="shared:n_people").set_value(40).run()
    assert_shown(at)


def test_bad_input_on_the_switch_page():
    at = start()
    at.button(key="goto:switch").click().run()
    at.toggle(key="advanced").set_value(True).run()
    at.number_input(key="shared:n_workers").set_value(100).run()
    assert not at.exception
    assert "Frontline workers" in at.error[0].value
    at.number_input(key="shared:n_workers").set_value(4).run()
    assert_shown(at)


def test_a_run_too_short_for_a_switch_says_so():
    at = start(**{"shared:steps": 12})
    at.button(key="goto:switch").click().run()
    assert not at.exception
    assert "at least 24 months" in at.info[0].value


# --- every page, the feedback loops and the sweep browser --------------------------------------

#: How a user reaches each page from the first one: the buttons to click, in order.
ROUTES = {"compare": [], "switch": ["goto:switch"], "frontier": ["goto:frontier"],
          "about": ["goto:about"],
          "loops": ["goto:about", "goto:loops"], "modellers": ["goto:about", "goto:modellers"],
          "sweep": ["goto:about", "goto:modellers", "goto:sweep"]}


def visit(page: str, **state) -> AppTest:
    at = start(**state)
    for key in ROUTES[page]:
        at.button(key=key).click().run()
    return at


def test_every_page_is_reachable():
    import re

    source = Path(APP).read_text(encoding="utf-8")
    pages = re.findall(r'^\s+"(\w+)": st\.Page\(', source, flags=re.MULTILINE)
    assert pages and set(pages) == set(ROUTES)


@pytest.mark.parametrize("page", list(ROUTES))
def test_every_page_runs(page):
    at = visit(page, **{"sweep:folder": ""})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_loops_page_shows_each_main_loop_as_a_circle_in_plain_words():
    from hlssim.stockflow.loops import loop_names

    at = visit("loops")
    assert not at.exception and not at.error
    assert at.title[0].value == "The feedback loops"
    names = loop_names()
    assert 5 <= len(names) <= 9
    assert len(at.image) == len(names)  # one small circle each; no full diagram by default
    text = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    for name in names:
        assert f"**{name.name[:1].upper() + name.name[1:]}** (" in text
    assert "drives gaming inside the service" in text and "holds gaming back" in text
    for code in ("political_response", "trust_mw", "_"):
        assert code not in text, code
    assert "**Reinforcing.**" in text and "**Balancing.**" in text


def test_loops_page_full_diagram_on_request():
    at = visit("loops")
    at.toggle(key="loops:full").set_value(True).run()
    assert not at.exception and not at.error
    assert any(len(i.proto.imgs) and "feedback loops" in i.proto.imgs[0].caption for i in at.image)
    assert at.get("download_button")[0].proto.label == "Diagram (PNG)"
    text = "\n".join(m.value for m in at.markdown)
    assert "Path:" in "\n".join(c.value for c in at.caption) and text


def test_loops_page_draws_a_users_own_model():
    """A Vensim model of one's own: its diagram and loop counts; a bad path or an XMILE file is
    one clear message, not a traceback."""
    sir = Path(APP).parent / "tests" / "sd_test_models" / "SIR"
    at = visit("loops")
    at.toggle(key="loops:full").set_value(True).run()
    at.text_input(key="loops:model").input(str(sir / "SIR.mdl")).run()
    assert not at.exception and not at.error
    captions = [i.proto.imgs[0].caption for i in at.image if i.proto.imgs[0].caption]
    assert any("SIR.mdl: 5 variables, 7 links, 3 feedback loops (1 reinforcing, 2 balancing" in c
               for c in captions), captions
    assert any("names no loops" in i.value for i in at.info)
    for bad, words in ((sir / "nope.mdl", "no such file"), (sir / "SIR.xmile", ".mdl files only")):
        at.text_input(key="loops:model").input(str(bad)).run()
        assert not at.exception
        assert len(at.error) == 1 and words in at.error[0].value, [e.value for e in at.error]


@pytest.fixture(scope="module")
def crossover_sweep(tmp_path_factory) -> Path:
    """The crossover experiment's smoke version, run serially (a few seconds)."""
    from hlssim.experiments import load_spec, sweep

    out = tmp_path_factory.mktemp("sweeps") / "crossover"
    sweep(load_spec(Path(APP).parent / "experiments" / "crossover.toml", smoke=True), out)
    return out


def chart_data(at: AppTest) -> tuple:
    """The sweep chart's spec and data, as the browser would receive them."""
    proto = at.get("vega_lite_chart")[0].proto
    return proto.spec, proto.data.data


def test_sweep_page_shows_a_real_sweep(crossover_sweep):
    at = visit("sweep", **{"sweep:folder": str(crossover_sweep)})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    texts = [m.value for m in at.markdown]
    assert "## crossover (smoke version)" in texts
    assert any(t.startswith("Does learning-led commissioning (HLS) overtake") for t in texts)
    assert any(t.startswith("12 design points x 16 replications of hlssim's model, sampler grid, "
                            "engine batch, root seed 20261123: 192 of 192 runs stored") for t in texts)
    assert len(at.get("vega_lite_chart")) == 1
    assert at.selectbox(key="sweep:output").value == "wellbeing_mean:mean_last_12"
    assert at.selectbox(key="sweep:factor").value == "complexity"
    table = at.dataframe[0].value
    assert len(table) == 12 and {"preset", "complexity", "mean", "95% low"} <= set(table.columns)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "This table (CSV)" in labels
    assert "No current analysis" in at.info[0].value

    at.button(key="sweep:analyze").click().run()  # writes crossover_sweep/analysis/
    assert not at.exception and not at.error
    assert (crossover_sweep / "analysis" / "analysis.json").is_file()
    assert len(at.dataframe) == 2  # the points and the sensitivity indices
    text = "\n".join(m.value for m in at.markdown)
    assert "NPM ahead at" in text and "paired points" in text
    assert len(at.image) == 1  # where NPM beats HLS, as a figure


def test_sweep_page_output_and_factor_change_the_chart(crossover_sweep):
    at = visit("sweep", **{"sweep:folder": str(crossover_sweep)})
    first = chart_data(at)
    table = at.dataframe[0].value.copy()
    at.selectbox(key="sweep:output").set_value("gaming_share:mean_last_12").run()
    assert not at.exception
    second = chart_data(at)
    assert second[1] != first[1]
    assert not at.dataframe[0].value.equals(table)
    at.selectbox(key="sweep:factor").set_value("preset").run()
    assert not at.exception
    third = chart_data(at)
    assert third[1] != second[1] and '"type": "nominal"' in third[0]


def test_sweep_page_over_a_users_own_model(tmp_path):
    from hlssim.experiments import load_spec, sweep

    out = tmp_path / "sir"
    sweep(load_spec(Path(APP).parent / "docs" / "examples" / "sir_sensitivity.toml", smoke=True), out)
    at = visit("sweep", **{"sweep:folder": str(out)})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "## sir_sensitivity (smoke version)" in [m.value for m in at.markdown]
    assert at.selectbox(key="sweep:factor").options == ["Contact Infectivity", "Duration"]
    assert len(at.get("vega_lite_chart")) == 1 and len(at.dataframe[0].value) == 24


@pytest.mark.parametrize("folder", ["nowhere", ".", "manifest"])
def test_a_bad_sweep_folder_shows_a_friendly_message(tmp_path, folder):
    path = {"nowhere": tmp_path / "nowhere", ".": tmp_path, "manifest": tmp_path / "m"}[folder]
    if folder == "manifest":
        (path / "results").mkdir(parents=True)
        (path / "manifest.json").write_text("{}")
    at = visit("sweep", **{"sweep:folder": str(path)})
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("Can't open this folder.")
    assert "hlssim sweep experiments/crossover.toml" in at.info[0].value
    assert not at.get("vega_lite_chart")
