"""The causal loop diagram: links, their polarity and the feedback loops, read from a model."""

from __future__ import annotations

import pytest

from hlssim.stockflow.loops import causal_graph, feedback_loops, loop_names, name_loops
from hlssim.ui.cli import main
from hlssim.errors import HlssimError

# A hand-made model with three loops whose polarity is known: births (R), deaths (B), and crowding
# shortening lives (population -> crowding + -> lifetime - -> deaths - -> population -: B).
SMALL = """{UTF-8}
population = INTEG(births - deaths, 100)
\t~\tpeople\t~\tStock of people.\t|
births = population * birth_rate
\t~\tpeople/month\t~\tBirths.\t|
birth_rate = 0.03
\t~\t1/month\t~\tBirth rate.\t|
deaths = population / lifetime
\t~\tpeople/month\t~\tDeaths.\t|
lifetime = base_lifetime * (1 - 0.5 * MIN(1, crowding))
\t~\tmonth\t~\tAverage lifetime, shortened by crowding.\t|
base_lifetime = 50
\t~\tmonth\t~\tLifetime without crowding.\t|
crowding = population / capacity
\t~\tdmnl\t~\tCrowding.\t|
capacity = 1000
\t~\tpeople\t~\tCapacity.\t|
surplus = IF THEN ELSE(births > deaths, births - deaths, 0)
\t~\tpeople/month\t~\tA variable on no loop.\t|
FINAL TIME = 24\t~\tmonth\t~\tEnd.\t|
INITIAL TIME = 0\t~\tmonth\t~\tStart.\t|
SAVEPER = 1\t~\tmonth\t~\tSave.\t|
TIME STEP = 0.25\t~\tmonth\t~\tStep.\t|
\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
"""


@pytest.fixture
def small_model(tmp_path):
    path = tmp_path / "population.mdl"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_links_and_polarities_of_a_small_model(small_model):
    graph = causal_graph(small_model)
    polarity = {(a, b): d["polarity"] for a, b, d in graph.edges(data=True)}
    assert polarity == {
        ("population", "births"): 1, ("births", "population"): 1,
        ("population", "deaths"): 1, ("deaths", "population"): -1,
        ("population", "crowding"): 1, ("crowding", "lifetime"): -1, ("lifetime", "deaths"): -1,
        ("births", "surplus"): 1, ("deaths", "surplus"): -1,
    }  # constants (birth_rate, capacity...) are not nodes
    assert graph.nodes["population"]["stock"] and not graph.nodes["births"]["stock"]


def test_the_loop_finder_finds_the_loops_with_their_polarity(small_model):
    loops = feedback_loops(causal_graph(small_model))
    assert {(lp.nodes, lp.kind) for lp in loops} == {
        (("births", "population"), "R"),
        (("deaths", "population"), "B"),
        (("crowding", "lifetime", "deaths", "population"), "B"),
    }
    assert str(loops[-1]) == "B: crowding -> lifetime -> deaths -> population -> crowding"
    assert len(feedback_loops(causal_graph(small_model), max_length=2)) == 2


def test_names_with_spaces_any_case_and_underscores():
    """Vensim names may hold spaces and are matched whatever their case or whether their words are
    joined by spaces or underscores: the SDXorg SIR model (``Total Population``, ``Contact
    Infectivity``) gives the epidemic's three loops: infection (R), depletion of the susceptible
    (B) and recovery (B)."""
    from pathlib import Path

    sir = Path(__file__).parent / "sd_test_models" / "SIR" / "SIR.mdl"
    loops = feedback_loops(causal_graph(sir))
    assert {(lp.nodes, lp.kind) for lp in loops} == {
        (("Infectious", "Succumbing"), "R"),
        (("Succumbing", "Susceptible"), "B"),
        (("Infectious", "Recovering"), "B"),
    }


@pytest.mark.parametrize("name, loops", [("teacup/teacup.mdl", 1), ("delays/test_delays.mdl", 0),
                                         ("lookups/test_lookups.mdl", 0)])
def test_diagram_of_each_sdxorg_model(name, loops, tmp_path, capsys):
    """Delays (``DELAY N(...)``), ``STEP``, lookup calls and ``Time`` do not stop the diagram:
    functions are not causes, and a link through a function not evaluated here has no sign."""
    from pathlib import Path

    model = Path(__file__).parent / "sd_test_models" / name
    assert main(["diagram", "--model", str(model), "--out", str(tmp_path / "d.png")]) == 0
    printed = capsys.readouterr().out
    assert f"{loops} feedback loop" in printed and (tmp_path / "d.png").stat().st_size > 0


def test_a_name_written_another_way_is_the_same_variable(tmp_path):
    text = SMALL.replace("crowding = population / capacity", "crowding = Population / CAPACITY")
    text = text.replace("births = population * birth_rate", "births = population * Birth Rate")
    path = tmp_path / "spelled.mdl"
    path.write_text(text, encoding="utf-8")
    polarity = {(a, b): d["polarity"] for a, b, d in causal_graph(path).edges(data=True)}
    assert polarity[("population", "crowding")] == 1 and polarity[("population", "births")] == 1


def test_hlssim_diagram_draws_a_png(small_model, tmp_path, capsys):
    out = tmp_path / "cld.png"
    assert main(["diagram", "--model", str(small_model), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "3 feedback loops (1 reinforcing, 2 balancing" in printed
    assert main(["diagram", "--model", str(small_model), "--out", str(tmp_path / "x.jpg")]) == 2
    assert "expected a file name ending .png" in capsys.readouterr().err


@pytest.fixture(scope="module")
def project_graph():
    return causal_graph()


def test_the_project_models_diagram_has_the_mechanisms_loops(project_graph):
    graph = project_graph
    pol = {(a, b): d["polarity"] for a, b, d in graph.edges(data=True)}
    # hand-checked links of MODEL.md's mechanisms
    assert pol["gaming_norm", "trust_cp_change"] == -1      # detected gaming erodes trust
    assert pol["trust_manager_worker", "gaming_target"] == -1  # trust tempers gaming
    assert pol["motivation_mean", "gaming_target"] == -1    # motivation tempers gaming
    assert pol["trust_worker_person", "relationship_quality"] == 1
    assert pol["turnover_rate", "knowledge_change"] == -1   # leavers take learning with them
    assert pol["failure_demand", "capacity"] == -1
    assert pol["system_barriers", "barrier_pressure"] == 1
    loops = {(lp.nodes, lp.kind) for lp in feedback_loops(graph, max_length=8)}
    assert (("capacity", "help_rate", "needs_met", "failure_returns", "failure_demand_people",
             "failure_demand"), "B") in loops
    assert (("help_fit", "stress_mean", "turnover_rate", "knowledge_change", "knowledge_accuracy",
             "right_approach_share"), "R") in loops  # futility -> stress -> turnover -> lost learning


# --- named loops ----------------------------------------------------------------------------------

MAIN_LOOPS = {  # name -> polarity MODEL.md's theory expects
    "trust-learning virtuous circle": "R",
    "gaming-distrust vicious circle": "R",
    "gaming-distrust-control vicious circle": "R",
    "audit-deterrence loop": "B",
    "failure-demand vicious circle": "R",
    "failure-demand capacity loop": "B",
    "learning-turnover vicious circle": "R",
}


def test_the_main_loops_of_the_project_model_are_found_named_and_of_the_right_polarity(project_graph):
    loops = feedback_loops(project_graph, max_length=None)  # as `hlssim diagram` does
    named = {n.spec.name: n for n in name_loops(loops, loop_names())}
    for name, kind in MAIN_LOOPS.items():
        assert named[name].loop is not None, name
        assert named[name].loop.kind == kind, str(named[name])
        assert set(named[name].spec.through) <= set(named[name].loop.nodes)
    # the macro context closes the control loop: gaming -> public trust -> political pressure
    assert "seen_gaming" in named["gaming-distrust-control vicious circle"].loop.nodes
    assert {"public_trust", "political_pressure"} <= set(named["audit-deterrence loop"].loop.nodes)


def test_named_loops_report_the_polarity_found_not_the_one_expected(small_model):
    sidecar = small_model.with_name("population.loops.toml")
    sidecar.write_text("""
[[loop]]
name = "crowding"
kind = "R"
through = ["crowding", "deaths"]

[[loop]]
name = "growth"
kind = "R"
through = ["births"]

[[loop]]
name = "nowhere"
kind = "B"
through = ["surplus"]
""")
    named = name_loops(feedback_loops(causal_graph(small_model)), loop_names(small_model))
    crowding, growth, nowhere = named
    assert crowding.loop.kind == "B" and not crowding.as_expected  # the model says B: shown as such
    assert str(crowding).startswith("B crowding (expected R): crowding -> lifetime")
    assert growth.as_expected and growth.loop.nodes == ("births", "population")
    assert nowhere.loop is None and str(nowhere) == "nowhere (expected B): not found"


def test_a_bad_sidecar_is_one_clear_error(small_model):
    sidecar = small_model.with_name("population.loops.toml")
    sidecar.write_text('[[loop]]\nname = "x"\nkind = "Q"\nthrough = ["births"]\n')
    with pytest.raises(HlssimError, match="kind 'Q'; expected 'R' or 'B'"):
        loop_names(small_model)
    sidecar.write_text('[[loop]]\nname = "x"\nkind = "R"\nthrough = ["birthz"]\n')
    with pytest.raises(HlssimError, match="birthz not in the model"):
        loop_names(small_model)
    sidecar.unlink()
    assert loop_names(small_model) == []


def test_hlssim_diagram_prints_the_named_loops(small_model, tmp_path, capsys):
    small_model.with_name("population.loops.toml").write_text(
        '[[loop]]\nname = "crowding limit"\nkind = "B"\nthrough = ["crowding", "lifetime"]\n')
    assert main(["diagram", "--model", str(small_model), "--out", str(tmp_path / "c.png")]) == 0
    printed = capsys.readouterr().out
    assert ("main loops:\n  B crowding limit: crowding -> lifetime -> deaths -> population -> crowding"
            in printed)
    assert printed.count("crowding -> lifetime") == 1  # not listed again among the other loops


def test_an_xmile_model_is_refused_in_one_line(tmp_path, capsys):
    from pathlib import Path

    sir = Path(__file__).parent / "sd_test_models" / "SIR" / "SIR.xmile"
    assert main(["diagram", "--model", str(sir), "--out", str(tmp_path / "d.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "reads Vensim .mdl files only" in err
    assert not (tmp_path / "d.png").exists()
