"""The session's settings: the situation, every control's value, the shareable link, the limits.

Choosing a situation sets every control to that situation's values (:func:`apply_case`); a link
with query parameters (written on every run by :func:`sync_link`) reproduces the same view when
opened in a new session (:func:`ensure_settings`). The logic is :mod:`hlssim.ui.explorer_state`;
this module only moves it in and out of ``st.session_state`` and ``st.query_params``.

``PAGES`` and ``SIDEBAR`` are filled by ``app.py`` (the pages, and the sidebar's boxes), so a page
can send the user to another (:func:`go`) or add its own controls to the sidebar.
"""

from __future__ import annotations

import os
import threading

import streamlit as st

from hlssim.model.cases import Case, custom_case, load_cases
from hlssim.ui.explorer_state import (
    CASE,
    RUN_SETTINGS,
    Limits,
    from_query,
    limits,
    situation_settings,
    to_query,
)

#: The "choose two regimes yourself" entry of the situation box.
CUSTOM = "custom"
#: Widgets whose values must survive a visit to another page.
PERSIST = "session"
#: The pages, by name (filled by app.py).
PAGES: dict = {}


class RunLocal(threading.local):
    """What one run of the page script owns: the sidebar's boxes it made.

    Streamlit runs every session's script in the same process, each run on its own thread, so a
    module-level dict of boxes was shared by every session: a box made by one session's run and
    written to by another's moved the first's elements to the wrong places (seen with six
    sessions at once: a sidebar's heading drawn third instead of first, sliders displaced, a
    browser's redraw that never finished). Each thread sees only its own run's boxes."""

    def __init__(self) -> None:
        self.boxes: dict = {}


_RUN = RunLocal()


class SidebarBoxes:
    """The sidebar's boxes, by name, of the run on this thread (filled by app.py on every run,
    read by a page that adds its controls to the ``"page"`` box)."""

    def update(self, boxes: dict) -> None:
        _RUN.boxes = dict(boxes)

    def __getitem__(self, name: str):
        return _RUN.boxes[name]

    def __contains__(self, name: str) -> bool:
        return name in _RUN.boxes


#: The sidebar's boxes of the current run (each session's run its own).
SIDEBAR = SidebarBoxes()


@st.cache_resource(show_spinner=False)
def all_cases() -> dict[str, Case]:
    """The cases, read once per server (they are immutable, so every session can share them)."""
    return load_cases()


@st.cache_resource(show_spinner=False)
def server_limits() -> Limits:
    """This server's limits: hosted (``HLSSIM_HOSTED=1`` or the secret ``hosted``) or local."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets file: Streamlit raises its own error type  # noqa: BLE001
        secrets = {}
    return limits(os.environ, secrets)


def current_case() -> Case:
    name = st.session_state.get(CASE)
    if name == CUSTOM:
        return custom_case(st.session_state.get("custom:0", "npm_targets"),
                           st.session_state.get("custom:1", "hls"))
    return all_cases().get(name) or next(iter(all_cases().values()))


#: Each situation's control values, by the situation's full text (``repr``: its regimes,
#: presets and overrides): worked out from the preset files once per server, not several times
#: on every re-run of every page (each reads and validates two presets).
_SITUATION_SETTINGS: dict[str, dict] = {}


def situation_defaults() -> dict:
    """Every control's value for the current situation (a copy: the caller's to change)."""
    case = current_case()
    key = repr(case)
    settings = _SITUATION_SETTINGS.get(key)
    if settings is None:
        settings = situation_settings(case)
        if len(_SITUATION_SETTINGS) >= 64:  # custom pairs of presets: keep it bounded
            _SITUATION_SETTINGS.clear()
        _SITUATION_SETTINGS[key] = settings
    return dict(settings)


def apply_case() -> None:
    """On a change of situation: every control takes the new situation's value (only the number
    of runs and the seed stay as the user left them)."""
    for key, value in situation_defaults().items():
        st.session_state[key] = value
    st.session_state["switch:reverse"] = False


def go(page: str) -> None:
    """Send the user to another page (by its name in ``PAGES``)."""
    st.switch_page(PAGES[page])


def ensure_settings() -> None:
    """First visit: the situation and settings of the link, if it has any, else the first
    situation. Later visits: fill in any setting not yet set."""
    if CASE not in st.session_state:
        query = dict(st.query_params)
        reverse = query.pop("switch:reverse", None) == "1"
        wanted = query.get(CASE)
        st.session_state[CASE] = (wanted if wanted in all_cases() or wanted == CUSTOM
                                  else next(iter(all_cases())))
        for i in (0, 1):
            if f"custom:{i}" in query:
                st.session_state[f"custom:{i}"] = query[f"custom:{i}"]
        for key, value in situation_defaults().items():  # (a test may have set some already)
            st.session_state.setdefault(key, value)
        values, dropped = from_query({k: v for k, v in query.items()
                                      if not k.startswith("custom:")}, situation_defaults())
        for key, value in values.items():
            st.session_state[key] = value
        if wanted is not None and wanted not in all_cases() and wanted != CUSTOM:
            dropped.insert(0, CASE)
        st.session_state["switch:reverse"] = reverse
        st.session_state["_link_dropped"] = dropped
    for key, value in situation_defaults().items():
        st.session_state.setdefault(key, value)
    for key, (default, _, _) in RUN_SETTINGS.items():
        st.session_state.setdefault(key, default)
    st.session_state.setdefault("switch:reverse", False)


def sync_link() -> None:
    """Write the view's settings into the address bar, so the link reproduces this view."""
    state = st.session_state.to_dict()  # read once (each read of the session's state is slow)
    query = to_query(state[CASE], situation_defaults(), state)
    if state[CASE] == CUSTOM:
        query |= {f"custom:{i}": state.get(f"custom:{i}", d)
                  for i, d in enumerate(("npm_targets", "hls"))}
    if state.get("switch:reverse"):
        query["switch:reverse"] = "1"
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)
