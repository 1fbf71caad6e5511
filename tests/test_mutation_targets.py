"""The mutation driver's targets (tests/mutation/mutations.py) still exist, each exactly once, so
``python tests/mutation/run_mutations.py`` mutates what it says it mutates."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "mutation"))

import mutations as M  # noqa: E402


def test_every_mutation_finds_its_source_once():
    missing = [(m.name, m.path) for m in M.MUTATIONS
               if (ROOT / m.path).read_text(encoding="utf-8").count(m.old) != 1]
    assert not missing, missing
