"""The causal loop diagram: links, their polarity and the feedback loops, read from a model."""

from __future__ import annotations

import pytest

from hlssim.cld import causal_graph, feedback_loops
from hlssim.cli import main

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


def test_hlssim_diagram_draws_a_png(small_model, tmp_path, capsys):
    out = tmp_path / "cld.png"
    assert main(["diagram", "--model", str(small_model), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "3 feedback loops (1 reinforcing, 2 balancing" in printed
    assert main(["diagram", "--model", str(small_model), "--out", str(tmp_path / "x.jpg")]) == 2
    assert "expected a file name ending .png" in capsys.readouterr().err


def test_the_project_models_diagram_has_the_mechanisms_loops():
    graph = causal_graph()
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
