"""The examples of docs/python_api.md run, in order, as written (with OUT a fresh folder)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_python_api_examples_run(tmp_path):
    text = (ROOT / "docs" / "python_api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 3
    scope = {"OUT": str(tmp_path / "results")}
    for block in blocks:
        exec(compile(block, "docs/python_api.md", "exec"), scope)  # noqa: S102 - our own docs
