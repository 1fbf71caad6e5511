"""The Streamlit view runs (AppTest) and responds to its controls."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_app_runs_and_responds_to_complexity():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    at.sidebar.slider[1].set_value(2)  # replications
    at.sidebar.select_slider[0].set_value(100)
    at.run()
    assert not at.exception
    first = at.dataframe[0].value.copy()
    at.sidebar.slider[0].set_value(0.1)
    at.run()
    assert not at.exception
    assert not first.equals(at.dataframe[0].value)
