"""A stored frontier (``hlssim frontier``) in plain words for a commissioner: "could better targets
do as well?". The explorer's frontier page draws what this returns; nothing here runs a model.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from hlssim.experiments.frontier import FAMILIES, read_frontier, verdicts
from hlssim.model.parameters import PARAMETERS
from hlssim.ui.explorer import plain_label

#: The precomputed frontier shipped with the package (made by the full ``hlssim frontier``).
STORED_FRONTIER = Path(__file__).resolve().parents[2] / "docs" / "frontier"


def stored_frontier() -> Path:
    """The folder the explorer shows: ``HLSSIM_FRONTIER_DIR`` if set, else
    :data:`STORED_FRONTIER`."""
    return Path(os.environ.get("HLSSIM_FRONTIER_DIR") or STORED_FRONTIER)

FAMILY_WORDS = {"npm": "target-driven commissioning", "hls": "learning-led commissioning"}


def complexity_words(c: float) -> str:
    """How complex people's lives are, in words, for a complexity from 0 to 1."""
    for top, words in ((0.1, "very simple"), (0.3, "fairly simple"), (0.5, "middling"),
                       (0.7, "complex"), (0.9, "very complex")):
        if c < top:
            return words
    return "extremely complex"


def lever_words(lever: str, value: float) -> str:
    """One lever's value for a commissioner: its plain label and the value."""
    label = plain_label(PARAMETERS[lever])
    if lever == "retender_interval":
        shown = "never" if int(value) == 0 else f"every {int(value)} months"
        return f"{label.lower()}: {shown}" if "months" not in label.lower() else \
            f"re-tendering: {shown}"
    return f"{label.rstrip('?').lower()}: {value:.2f}"


def design_words(row: pd.Series, family: str) -> str:
    return "; ".join(lever_words(lv, row[lv]) for lv in FAMILIES[family][1])


def headline(differences: pd.DataFrame) -> list[str]:
    """One sentence per complexity: which best design came out ahead on wellbeing, and by how
    much, or that the two cannot be told apart."""
    lines = []
    for _, v in verdicts(differences, "wellbeing").iterrows():
        c, d, lo, hi = v["complexity"], v["hls_minus_npm"], v["ci_low"], v["ci_high"]
        where = f"Where lives are {complexity_words(c)} (complexity {c:g})"
        if v["ahead"] == "NPM":
            text = (f"{where}, **yes**: the best target-driven design does better than the best "
                    f"learning-led one, by {-d:.3f} on the wellbeing scale (95% interval "
                    f"{-hi:.3f} to {-lo:.3f}).")
        elif v["ahead"] == "HLS":
            text = (f"{where}, **no**: even the best target-driven design found falls short of "
                    f"the best learning-led one, by {d:.3f} on the wellbeing scale (95% interval "
                    f"{lo:.3f} to {hi:.3f}).")
        else:
            text = (f"{where}, **about as well**: the two best designs cannot be told apart "
                    f"(learning-led minus target-driven {d:+.3f}, 95% interval {lo:+.3f} to "
                    f"{hi:+.3f}).")
        lines.append(text)
    return lines


def gap_closed(table: pd.DataFrame, differences: pd.DataFrame) -> list[str]:
    """How much of the presets' gap the better designs close, at each complexity."""
    lines = []
    for c in table["complexity"].drop_duplicates():
        at = differences[(differences["complexity"] == c) & (differences["measure"] == "wellbeing")]
        preset = float(at.loc[at["design"] == "preset", "hls_minus_npm"].iloc[0])
        best = float(at.loc[at["design"] == "wellbeing", "hls_minus_npm"].iloc[0])
        lines.append(f"complexity {c:g}: the presets' gap {preset:+.3f}, the best designs' gap "
                     f"{best:+.3f}")
    return lines


def better_targets(table: pd.DataFrame) -> str:
    """What the best target-driven designs do with targets and specification, across
    complexity, against the standard design's values."""
    best = table[(table["family"] == "npm") & (table["design"] == "wellbeing")]
    preset = table[(table["family"] == "npm") & (table["design"] == "preset")].iloc[0]
    best = best.sort_values("complexity")

    def series(lever: str) -> str:
        return ", ".join(f"{v:.2f} at complexity {c:g}"
                         for c, v in zip(best["complexity"], best[lever]))

    return ("What the best target-driven designs look like: targets pressed "
            f"{series('target_pressure')} (the standard design: "
            f"{preset['target_pressure']:.2f}); the intervention specified "
            f"{series('standardisation')} (the standard design: "
            f"{preset['standardisation']:.2f}). Where the best design presses targets far less "
            "than the standard one, better targets means fewer targets; it still keeps none of "
            "the learning-led levers, which are not target-driven commissioning's to move.")


def results_table(table: pd.DataFrame, differences: pd.DataFrame, objective: str = "wellbeing"
                  ) -> pd.DataFrame:
    """A table for the page: per complexity, the best of each and the two presets, with
    intervals, and who is ahead."""
    value, low, high = (("wellbeing", "wellbeing_ci_low", "wellbeing_ci_high")
                        if objective == "wellbeing"
                        else ("wellbeing_per_cost", "per_cost_ci_low", "per_cost_ci_high"))
    rows = []
    for _, v in verdicts(differences, objective).iterrows():
        c = v["complexity"]
        at = table[table["complexity"] == c].set_index(["family", "design"])

        def cell(family, design):
            r = at.loc[(family, design)]
            return f"{r[value]:.3f} ({r[low]:.3f} to {r[high]:.3f})"

        rows.append({"complexity": f"{c:g} ({complexity_words(c)})",
                     "best target-driven": cell("npm", objective),
                     "best learning-led": cell("hls", objective),
                     "ahead": {"NPM": "target-driven", "HLS": "learning-led",
                               "neither": "can't tell"}[v["ahead"]],
                     "target-driven preset": cell("npm", "preset"),
                     "learning-led preset": cell("hls", "preset")})
    return pd.DataFrame(rows).set_index("complexity")


def designs(table: pd.DataFrame, objective: str = "wellbeing") -> list[str]:
    """The best designs found, in words, one line per complexity and family."""
    lines = []
    for c in table["complexity"].drop_duplicates():
        for family in FAMILIES:
            row = table[(table["complexity"] == c) & (table["family"] == family)
                        & (table["design"] == objective)].iloc[0]
            lines.append(f"Complexity {c:g}, best {FAMILY_WORDS[family]}: "
                         f"{design_words(row, family)}")
    return lines


def load(folder: str | Path | None = None):
    """The stored frontier (:func:`stored_frontier` unless ``folder``): (table, differences,
    manifest)."""
    return read_frontier(stored_frontier() if folder is None else folder)
