"""The house follows the data flow: build (graph_builder) -> query and serve (maillage) -> viewer (app) -> tools
(maillage.cli, maillage.bench). No stage imports a later one, no module imports itself back through others, and
importing the query API loads neither the build nor pySHACL.

Imports are read from the code (ast), every one of them, lazy imports inside functions included."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from graph_builder.constants import PROJECT_ROOT

PACKAGES = ("graph_builder", "maillage", "app")
# Stages in the order of the data flow; a module belongs to the first stage whose prefix it has.
STAGES = [("tools", ("maillage.cli", "maillage.bench")), ("build", ("graph_builder",)), ("query", ("maillage",)),
          ("viewer", ("app",))]
ORDER = ["build", "query", "viewer", "tools"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str | None:
    for name, prefixes in STAGES:
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return name
    return None


def modules() -> dict[str, Path]:
    found = {module_name(path): path for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")}
    assert len(found) > 60 and "graph_builder.pipeline" in found and "app.viewer.model" in found
    return found


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that `module` imports (a name imported from a package counts as its module if it is
    one, else as the package)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names)
    return {name for name in names if name in known and name != module}


@pytest.fixture(scope="module")
def imports() -> nx.DiGraph:
    found = modules()
    graph = nx.DiGraph()
    for module, path in found.items():
        graph.add_node(module)
        graph.add_edges_from((module, target) for target in imported(module, path, set(found)))
    return graph


def test_every_module_has_a_stage(imports):
    assert [module for module in imports if stage(module) is None] == []


def test_no_stage_imports_a_later_one(imports):
    backwards = sorted(f"{a} ({stage(a)}) -> {b} ({stage(b)})" for a, b in imports.edges
                       if ORDER.index(stage(b)) > ORDER.index(stage(a)))
    assert backwards == []


def test_no_import_cycle(imports):
    # A package's __init__ that hands on its modules' names is no cycle with them.
    graph = imports.copy()
    graph.remove_edges_from([(a, b) for a, b in imports.edges if b.startswith(a + ".") or a.startswith(b + ".")])
    assert sorted(sorted(cycle) for cycle in nx.simple_cycles(graph)) == []


def test_the_checks_see_a_backward_import_and_a_cycle():
    graph = nx.DiGraph([("graph_builder.pipeline", "app.viewer.model"), ("maillage.stores", "maillage.sparql"),
                        ("maillage.sparql", "maillage.stores")])
    assert [(a, b) for a, b in graph.edges if ORDER.index(stage(b)) > ORDER.index(stage(a))] == [
        ("graph_builder.pipeline", "app.viewer.model")]
    assert list(nx.simple_cycles(graph)) != []
    relative = ast.parse("from ..stores import QueryStore")
    assert isinstance(relative.body[0], ast.ImportFrom) and relative.body[0].level == 2


@pytest.mark.parametrize("module", ["maillage", "app.viewer.model"])
def test_the_query_api_loads_neither_the_build_nor_pyshacl(module):
    code = (f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyshacl'"
            " or m in ('graph_builder.pipeline', 'graph_builder.validation.shacl', 'graph_builder.conversion.records')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert done.stdout.strip() == "[]"


def test_package_code_reads_nothing_under_tests():
    """The three stages run without the test suite's files (axe-core, for one, belongs to the browser test):
    no path into tests/ in their code."""
    found = sorted(f"{module}: {node.value!r}" for module, path in modules().items()
                   for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and re.fullmatch(r"tests(/\S*)?", node.value))
    assert found == []


def test_the_lazy_command_table_is_every_module_command():
    """maillage.cli.main imports a command's module only when it runs: its table must name every command of every
    module of maillage.cli, each with its own module, and nothing else."""
    import importlib

    from maillage.cli.main import COMMANDS, main

    defined = {}
    for path in sorted((PROJECT_ROOT / "maillage" / "cli").glob("*.py")):
        if path.stem == "main":  # the table itself
            continue
        module = importlib.import_module(f"maillage.cli.{path.stem}")
        defined.update({command.name: path.stem for command in getattr(module, "COMMANDS", ())})
    assert len(defined) > 20 and defined == COMMANDS
    assert all(main.get_command(None, name).name == name for name in COMMANDS)
    assert main.get_command(None, "nope") is None
