"""The explorer in hosted mode (``HLSSIM_HOSTED=1``), through the app itself (AppTest): no page
reads a typed path, uploads take their place, a model of one's own is drawn only where the
operator allows it, and sizes are capped; plus the saving of an uploaded model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hlssim import HlssimError
from hlssim.ui.pages.state import server_limits
from hlssim.ui.uploads import save_model

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SMALL = {"shared:n_people": 40, "shared:n_workers": 4, "shared:n_providers": 2,
         "shared:steps": 36, "run:reps": 2}
#: The buttons that lead to each page (as in test_app).
ROUTES = {"compare": [], "loops": ["goto:about", "goto:loops"],
          "sweep": ["goto:about", "goto:modellers", "goto:sweep"]}


def start(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (SMALL | state).items():
        at.session_state[key] = value
    return at.run()


@pytest.fixture
def hosted(monkeypatch):
    """A hosted server (its limits are read once per server, so the cache is cleared)."""
    monkeypatch.setenv("HLSSIM_HOSTED", "1")
    monkeypatch.delenv("HLSSIM_ALLOW_USER_MODELS", raising=False)
    server_limits.clear()
    yield monkeypatch
    server_limits.clear()


def visit(page: str, **state):
    at = start(**state)
    for key in ROUTES[page]:
        at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def full_loops(at):
    at.toggle(key="loops:full").set_value(True).run()
    assert not at.exception, at.exception
    return at


def test_hosted_sweep_page_takes_an_upload_not_a_path(hosted):
    at = visit("sweep", **{"sweep:folder": "/etc"})
    assert not at.text_input, "a hosted server must not offer a typed path"
    uploaders = at.get("file_uploader")
    assert uploaders and "up to 20 MB" in uploaders[0].proto.label
    assert "Nothing on this server is read from a typed path" in "\n".join(i.value for i in at.info)


def test_hosted_loops_page_draws_no_model_of_one_s_own(hosted):
    at = full_loops(visit("loops", **{"loops:model": "/etc/passwd"}))
    assert not at.text_input and not at.get("file_uploader")
    assert any("Drawing your own model is switched off" in c.value for c in at.caption)


def test_hosted_loops_page_takes_an_uploaded_model_when_the_operator_allows(hosted):
    hosted.setenv("HLSSIM_ALLOW_USER_MODELS", "1")
    server_limits.clear()
    at = full_loops(visit("loops"))
    assert not at.text_input, "even when models are allowed, no typed path on a hosted server"
    uploaders = at.get("file_uploader")
    assert uploaders and "Vensim model (.mdl, up to 2 MB)" == uploaders[0].proto.label


def test_local_loops_page_still_takes_a_path(monkeypatch):
    monkeypatch.delenv("HLSSIM_HOSTED", raising=False)
    server_limits.clear()
    at = full_loops(visit("loops"))
    assert [t.key for t in at.text_input] == ["loops:model"]


def test_hosted_server_caps_the_model_s_size(hosted):
    at = start(**{"shared:n_people": 5000})
    errors = "\n".join(e.value for e in at.error)
    assert "People supported" in errors and "not allowed on this server" in errors
    assert not at.get("image"), "nothing is simulated beyond the cap: no chart panels"


def test_an_uploaded_model_is_kept_by_its_hash_and_checked(tmp_path):
    text = b"{UTF-8}\nStock = INTEG(1, 0)\n~ ~|\n"
    path = save_model("../../evil name.mdl", text, 1, root=tmp_path)
    assert path.read_bytes() == text and path.name == "model.mdl"
    assert path.is_relative_to(tmp_path / "hlssim-uploads" / "models")
    assert save_model("other.MDL", text, 1, root=tmp_path) == path
    with pytest.raises(HlssimError, match="not a Vensim model"):
        save_model("model.py", b"import os", 1, root=tmp_path)
    with pytest.raises(HlssimError, match="at most 1 MB"):
        save_model("big.mdl", b"x" * (2 * 1024 * 1024), 1, root=tmp_path)
