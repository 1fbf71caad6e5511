"""The documentation matches the code: generated tables are current, every name is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hlssim import METRIC_NAMES, PARAMETERS

ROOT = Path(__file__).resolve().parent.parent


def test_generated_tables_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "make_tables.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_parameter_and_metric_is_documented():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    metrics = (ROOT / "docs" / "metrics.md").read_text()
    assert [p for p in PARAMETERS if f"`{p}`" not in odd] == []
    assert [m for m in METRIC_NAMES if f"`{m}`" not in metrics] == []


def test_readme_names_the_two_setup_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()
