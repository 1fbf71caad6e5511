"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

import numpy as np
import pytest

import hlssim
from hlssim import Scenario

#: A small world that keeps tests fast but still has several providers and full caseloads.
SMALL = {"n_people": 200, "n_workers": 10, "n_providers": 2, "steps": 60}


def small(preset: str = "hls", **overrides) -> Scenario:
    return Scenario.from_preset(preset, **(SMALL | overrides))


def final_mean(scenario: Scenario, metric: str, seeds=range(4), window: int = 12) -> float:
    """Mean over seeds of a metric averaged over the last ``window`` steps."""
    values = [hlssim.run(scenario, seed=s)[metric].iloc[-window:].mean() for s in seeds]
    return float(np.mean(values))


def finals(scenario: Scenario, metric: str, seeds=range(4), window: int = 12) -> np.ndarray:
    return np.array([hlssim.run(scenario, seed=s)[metric].iloc[-window:].mean() for s in seeds])


@pytest.fixture
def tiny() -> Scenario:
    return Scenario.from_preset("hls", n_people=40, n_workers=4, n_providers=2, steps=8)


def drawn_figure(monkeypatch, draw):
    """The matplotlib Figure ``draw()`` hands to ``report_figures.save_figure`` (not written to
    disk), so a test can read its axes."""
    from hlssim.figures import report_figures

    figures = []
    monkeypatch.setattr(report_figures, "save_figure", lambda fig, path: figures.append(fig) or path)
    draw()
    assert len(figures) == 1
    return figures[0]
