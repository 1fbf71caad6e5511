"""The package's layers (docs/architecture.md): each subpackage imports only the layers below it,
no module imports another's private name, and there is no import cycle, counting the imports
made inside functions (a lazy import hides a cycle from Python, not from this test)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hlssim"

#: Each layer and the layers it may import (besides itself and ``compat``, the old import paths
#: that a package ``__init__`` forwards). ``facade`` is the package's own ``__init__`` and
#: ``__main__``: the public face, which may import any layer.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "common": {"errors"},
    "model": {"common", "errors"},
    "stockflow": {"model", "common", "errors"},
    "engines": {"stockflow", "model", "common", "errors"},
    "figures": {"model", "common", "errors"},
    "experiments": {"engines", "stockflow", "figures", "model", "common", "errors"},
    "validation": {"experiments", "engines", "stockflow", "figures", "model", "common", "errors"},
    "ui": {"validation", "experiments", "engines", "stockflow", "figures", "model", "common",
           "errors", "facade"},
    "app": {"ui", "validation", "experiments", "engines", "stockflow", "figures", "model",
            "common", "errors", "facade"},
    "compat": set(),
    "facade": {"errors", "common", "model", "stockflow", "engines", "figures", "experiments",
               "validation", "ui"},
}


def module_name(path: Path) -> str:
    if path == ROOT / "app.py":
        return "app"
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module == "app":
        return "app"
    parts = module.split(".")
    if module == "hlssim._compat":
        return "compat"
    if len(parts) == 1 or parts[1] in {"__init__", "__main__"}:
        return "facade"
    return parts[1]


def sources() -> dict[str, Path]:
    files = [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts] + [ROOT / "app.py"]
    return {module_name(p): p for p in files}


MODULES = sources()


def resolve(module: str) -> str | None:
    """The hlssim module an imported dotted name refers to (a module, or the module holding it)."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


def imports(module: str) -> list[tuple[str, int, str | None]]:
    """(imported module, line, private name or None) for every hlssim import in ``module``,
    at any depth (module level or inside a function)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
    found = []
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in typing_only:  # imports for type checkers only: never run
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "hlssim":
                    found.append((resolve(alias.name), node.lineno, None))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.split(".")[0] != "hlssim":
                continue
            for alias in node.names:
                target = resolve(f"{base}.{alias.name}")
                private = alias.name if (alias.name.startswith("_")
                                         and not alias.name.startswith("__")) else None
                if f"{base}.{alias.name}" in MODULES:  # a submodule, not a name in it
                    private = None
                found.append((target, node.lineno, private))
    return [f for f in found if f[0] is not None]


def private_attribute_uses(module: str) -> list[tuple[int, str]]:
    """``alias._name`` where ``alias`` is an imported hlssim module (``K._jit``, say)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hlssim"):
            aliases |= {a.asname or a.name for a in node.names
                        if f"{node.module}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.asname and a.name in MODULES}
    return [(node.lineno, f"{node.value.id}.{node.attr}") for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in aliases and node.attr.startswith("_")
            and not node.attr.startswith("__")]


def test_every_subpackage_says_what_it_owns_and_may_import():
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module.count(".") == 1:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "Imports:" in doc or module in {"hlssim.experiments"}, module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    layer = layer_of(module)
    upward = [f"line {line}: {target} ({layer_of(target)})" for target, line, _ in imports(module)
              if layer_of(target) not in ALLOWED[layer] | {layer, "compat"}]
    assert not upward, f"{module} ({layer}) imports a layer above or beside it: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_crosses_a_module(module):
    crossing = [f"line {line}: from {target} import {name}"
                for target, line, name in imports(module) if name and target != module]
    crossing += [f"line {line}: {name}" for line, name in private_attribute_uses(module)]
    assert not crossing, f"{module} uses another module's private names: {crossing}"


def test_no_import_cycles_even_through_lazy_imports():
    graph = nx.DiGraph()
    for module in MODULES:
        for target, _, _ in imports(module):
            if target != module:
                graph.add_edge(module, target)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """The guard fails when a model module imports an engine (checked on a planted module)."""
    planted = PACKAGE / "model" / "rules.py"
    fake = tmp_path / "rules.py"
    fake.write_text(planted.read_text(encoding="utf-8")
                    + "\n\ndef _f():\n    from hlssim.engines.batch import kernels  # noqa\n")
    monkeypatch.setitem(MODULES, "hlssim.model.rules", fake)
    with pytest.raises(AssertionError, match="layer above"):
        test_imports_only_go_down("hlssim.model.rules")
    fake.write_text("from hlssim.model.metrics import _pairwise_sum  # noqa\n")
    with pytest.raises(AssertionError, match="private"):
        test_no_private_name_crosses_a_module("hlssim.model.rules")


def test_a_regime_is_entered_in_one_place():
    """Only hlssim.model.regime.enter_regime sets an engine's regime in force (``.regime``,
    ``.rp``, ``.signals``): the Mesa engine, the batch engine and the hybrid all call it."""
    setters = []
    for module, path in MODULES.items():
        if module == "hlssim.model.regime":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            setters += [f"{module}:{node.lineno}" for t in targets if isinstance(t, ast.Attribute)
                        and t.attr in {"regime", "rp", "signals"}]
    assert not setters, f"a regime set outside enter_regime: {setters}"
    for module in ("hlssim.engines.mesa.model", "hlssim.engines.batch.model",
                   "hlssim.engines.hybrid"):
        assert "enter_regime(" in MODULES[module].read_text(encoding="utf-8"), module


def test_commands_live_in_the_ui():
    """Library modules offer typed functions; only hlssim.ui turns parsed arguments into calls
    (no ``cmd_*`` function below the ui layer)."""
    stray = [f"{module}.{node.name}" for module, path in MODULES.items()
             if layer_of(module) not in {"ui", "app", "facade"}
             for node in ast.parse(path.read_text(encoding="utf-8")).body
             if isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_")]
    assert not stray, f"argparse commands in library modules: {stray}"
