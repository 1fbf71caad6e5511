"""The explorer's causal loop diagram page, without Streamlit: the diagram and its loops in words.

:func:`build` does what ``hlssim diagram`` does (:mod:`hlssim.stockflow.loops`: the graph from the stock-flow
model's own equations, every feedback loop, the named loops of the model's ``.loops.toml``) and
returns the PNG as bytes with the counts and named loops, so the app can cache it once per server
(building it runs PySD and takes seconds). :func:`loop_words` says what each named loop is, as
found in the model (its polarity is computed, not copied from the sidecar); :data:`KIND_MEANING`
what a loop of each kind means for someone commissioning a service.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hlssim.ui.loop_circles import simplify
from hlssim.stockflow.commissioning import DEFAULT_MODEL, model_path
from hlssim.stockflow.loops import (
    NamedLoop,
    causal_graph,
    draw,
    feedback_loops,
    loop_names,
    name_loops,
)

KIND_WORDS = {"R": "reinforcing", "B": "balancing", "?": "of a sign that depends on the state"}

#: What a loop of each kind means for a commissioner.
KIND_MEANING = {
    "R": ("A reinforcing loop amplifies whatever sets it going: it is a virtuous circle when it "
          "turns the right way and a vicious circle when it turns the wrong way, and either way "
          "it speeds up, so early small changes in it matter most."),
    "B": ("A balancing loop pulls back towards a level: it steadies the system and resists a push, "
          "so pressing harder on it brings less than expected."),
    "?": ("One of its links works one way in some states and the other way in others, so whether "
          "it amplifies or steadies depends on where the service is."),
}


@dataclass(frozen=True)
class Diagram:
    """A model's causal loop diagram, drawn, with what was found in it."""

    model: str  # the model file's name
    png: bytes
    variables: int
    links: int
    kinds: dict[str, int]  # loops found by kind: "R", "B", "?"
    named: tuple[NamedLoop, ...]
    circles: tuple = ()  # the named loops as small circles (hlssim.ui.loop_circles.Circle)

    @property
    def loops(self) -> int:
        return sum(self.kinds.values())


def build(model: str | Path = DEFAULT_MODEL, max_length: int | None = None) -> Diagram:
    """Build and draw the diagram of ``model`` (as ``hlssim diagram --out FILE.png``)."""
    path = model_path(model)
    graph = causal_graph(path)
    loops = feedback_loops(graph, max_length)
    named = name_loops(loops, loop_names(path))
    with tempfile.TemporaryDirectory(prefix="hlssim-cld-") as tmp:
        png = draw(graph, loops, Path(tmp) / "cld.png", named=named).read_bytes()
    kinds = Counter(lp.kind for lp in loops)
    polarity = {(a, b): d.get("polarity", 0) for a, b, d in graph.edges(data=True)}
    circles = tuple(c for c in (simplify(n, polarity) for n in named) if c is not None)
    return Diagram(path.name, png, graph.number_of_nodes(), graph.number_of_edges(),
                   {k: kinds.get(k, 0) for k in ("R", "B", "?")}, tuple(named), circles)


def loop_words(named: NamedLoop) -> str:
    """One named loop in plain words (Markdown): its kind as found and what it does (what a
    kind means is :data:`KIND_MEANING`), with a note if the model's structure differs from the
    theory's expectation."""
    spec, loop = named.spec, named.loop
    title = f"**{spec.name[:1].upper() + spec.name[1:]}**"
    if loop is None:
        return (f"{title}: not found in the model's equations (the theory expects a "
                f"{KIND_WORDS[spec.kind]} loop through {', '.join(spec.through)}).")
    text = f"{title} ({KIND_WORDS[loop.kind]}): {spec.about}"
    if not named.as_expected:
        text += (f" *The theory expects a {KIND_WORDS[spec.kind]} loop here; the model's equations "
                 f"make it {KIND_WORDS[loop.kind]}.*")
    return text


def loop_path(named: NamedLoop) -> str:
    """The variables the found loop passes, in order and back to the first ("" if not found)."""
    if named.loop is None:
        return ""
    return " → ".join(n.replace("_", " ") for n in named.loop.nodes + named.loop.nodes[:1])
