"""The explorer's glossary: the words a commissioner meets on its pages, in plain language.

Shown on the "How the model works" page; a test checks that every term the pages lean on is here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

GLOSSARY: Mapping[str, str] = {
    "New Public Management (NPM)": (
        "Commissioning through targets, key performance indicators and sometimes payment by "
        "results: the commissioner specifies the service, buys it by competitive tender, checks "
        "reported figures and rewards or sanctions on them."),
    "Human Learning Systems (HLS)": (
        "Learning-led commissioning: long-term, trust-based funding without output targets; "
        "workers get time to reflect and learn with peers; the commissioner looks after the "
        "health of the whole system and removes barriers that learning brings to light."),
    "Regime": "A way of commissioning a service, such as targets and KPIs or HLS grant funding.",
    "Situation": (
        "A kind of service and setting drawn from a real case, with the two ways of "
        "commissioning it compares; picking one sets every control to its values."),
    "True wellbeing": (
        "How well people's lives are actually going in the model, from 0 to 1: the part no "
        "report can inflate."),
    "Worst-off tenth": (
        "The wellbeing of the person a tenth of the way up from the bottom: whether anyone is "
        "left behind."),
    "Reported indicator": (
        "The share of people reported as over the outcome line: what the commissioner sees."),
    "Gap between reported and true": (
        "The reported indicator minus the true share over the line. Gaming widens it; so do "
        "outside forces and measurement noise, which no one controls."),
    "Gaming": (
        "Effort spent on looking good rather than doing good: cream-skimming easy cases, parking "
        "hard ones, shifting effort to what is counted, aiming just over the line, misreporting."),
    "Self-interested staff": (
        "Workers who are not driven by the work itself and neglect cases unless watched (the "
        "literature calls them 'knaves', against 'knights')."),
    "Complexity": (
        "How far what helps differs from person to person and shifts over time, how strongly "
        "life problems interact, and how much of an outcome lies outside the service's reach."),
    "Mechanism": (
        "One of the causal processes the model contains (gaming, trust, learning, staff "
        "turnover...). Each can be switched off to see what it does."),
    "Run": (
        "One simulation of the service over the years, with its own luck (who needs what, who "
        "leaves, which report is audited)."),
    "95% interval": (
        "The range that the average over many more runs would fall in, 19 times out of 20. "
        "When the interval of a difference excludes zero, the difference is larger than luck; "
        "only then does the explorer say 'clearly'."),
    "Failure demand": (
        "People coming back because the help they got did not fit: work created by the service "
        "itself."),
    "System barriers": (
        "Rules and policies upstream of the service (a debt-recovery policy, an eligibility "
        "threshold) that make needs worse for many people at once."),
    "Feedback loop": (
        "A circle of causes: a change goes round and comes back to itself. A reinforcing loop "
        "amplifies (virtuous or vicious circle); a balancing loop pulls back towards a level."),
}


def plain_source(text: str) -> str:
    """A case's source line without file names or document codes ("CASES.md: ...",
    "seed 003"), which mean nothing to a reader outside the project.

    >>> plain_source("CASES.md: Scottish Borders HLS grant scheme (seed 003, slides on HLS grant funding)")
    'Scottish Borders HLS grant scheme (slides on HLS grant funding)'
    >>> plain_source("Seed 001: an £80m, 10-year system")
    'An £80m, 10-year system'
    """
    text = re.sub(r"^CASES\.md:\s*", "", text)
    text = re.sub(r"^[Ss]eeds? \d{3}:\s*", "", text)
    text = re.sub(r"\b[Ss]eeds? \d{3}(?:,\s*|;\s*)?", "", text)
    text = re.sub(r"\(\s*\)", "", text).replace("( ", "(").replace(" )", ")")
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text[:1].upper() + text[1:]


def plain_text(text: str) -> str:
    """A model description for a commissioner: code names (words joined by underscores) spaced
    out, and the literature's "knave" said plainly.

    >>> plain_text("Share of people whose worker is a knave (neglect).")
    'Share of people whose worker is self-interested (neglect).'
    >>> plain_text("reported_indicator minus the true share")
    'reported indicator minus the true share'
    """
    text = re.sub(r"\b([a-z]+(?:_[a-z0-9]+)+)\b", lambda m: m.group(1).replace("_", " "),
                  " ".join(text.split()))
    text = re.sub(r"\bis a knave\b", "is self-interested", text)
    return re.sub(r"\bknaves\b", "self-interested staff", text)
