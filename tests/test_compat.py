"""Module paths from before the package was layered (hlssim.batch, hlssim.rules, hlssim.sd...)
still import for one release, as the moved module itself, with a DeprecationWarning naming the
new path (hlssim/_compat.py)."""

import importlib
import subprocess
import sys

import pytest

from hlssim._compat import OLD_PATHS


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_path_is_the_moved_module_with_a_warning(old):
    code = (f"import warnings, importlib\nimport hlssim\n"
            f"with warnings.catch_warnings(record=True) as seen:\n"
            f"    warnings.simplefilter('always')\n"
            f"    module = importlib.import_module({old!r})\n"
            f"print(module.__name__)\n"
            f"print(*[str(w.message) for w in seen if w.category is DeprecationWarning], sep='\\n')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name, *messages = out.stdout.splitlines()
    assert name == OLD_PATHS[old]
    assert any(old in m and OLD_PATHS[old] in m and "deprecated" in m for m in messages), messages


def test_old_and_new_paths_give_one_module_object():
    with pytest.warns(DeprecationWarning):
        old = importlib.import_module("hlssim.compare")
    assert old is importlib.import_module("hlssim.experiments.comparison")
    with pytest.warns(DeprecationWarning):
        from hlssim.batch import BatchModel
    from hlssim.engines.batch.model import BatchModel as new
    assert BatchModel is new


def test_names_of_modules_that_became_packages_still_resolve():
    with pytest.warns(DeprecationWarning, match="hlssim.validation.facts.run_facts"):
        import hlssim.validation as v

        assert v.run_facts is importlib.import_module("hlssim.validation.facts").run_facts
    from hlssim.engines import run, run_many  # the registry's public names: no warning

    assert callable(run) and callable(run_many)
