"""Every canonical experiment spec (experiments/*.toml) runs at its smoke size and gets its report.

Parametrized over the folder, so a spec added there is checked without editing this file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from hlssim.cli import main
from hlssim.experiments import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "experiments").glob("*.toml"))


def test_there_are_canonical_specs():
    assert len(SPECS) >= 2


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_smoke_sweep_produces_its_report(path, tmp_path, capsys):
    out = tmp_path / path.stem
    assert main(["sweep", str(path), "--out", str(out), "--smoke", "--workers", "0"]) == 0
    assert main(["report", str(out)]) == 0
    capsys.readouterr()

    spec = load_spec(path, smoke=True)
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    assert manifest["status"] == "complete"
    assert (counts["points"], counts["replications"]) == (spec.n_points(), spec.replications)
    assert counts["runs"] == counts["runs_done"] == spec.n_runs()
    rows = pd.read_parquet(out / "results")
    scalar = [o for o in spec.outputs if not getattr(o, "is_trajectory", False)]
    assert len(rows) == counts["rows"] == spec.n_runs() * len(scalar)
    assert rows["run_id"].nunique() == spec.n_runs()

    report = out / "report" / "report.md"
    text = report.read_text()
    assert text.startswith(f"# Experiment: {spec.name}")
    figures = list((out / "report" / "figures").glob("*.png"))
    assert len(figures) >= 1
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links and all((report.parent / link).is_file() for link in links)
    assert (out / "analysis" / "analysis.json").is_file()
