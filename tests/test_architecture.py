"""The house's shape, checked by reading every import (top-level and inside functions).

* ``query_engine`` stands alone: it imports nothing from the app (``analytics``,
  ``access_control``, ``tenancy``, ``insights_api``), nor DRF, nor the ORM.
* No import loop anywhere: the module graph of the project's packages has no cycle.
"""

from __future__ import annotations

import ast
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("query_engine", "analytics", "access_control", "tenancy", "insights_api")
ENGINE_MAY_NOT_IMPORT = (
    "analytics",
    "access_control",
    "tenancy",
    "insights_api",
    "rest_framework",
    "django.db",
)


@cache
def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # generated; they import models by app label, not by module
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, absolute, whether at the top or inside a function."""
    modules = project_modules()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from package import module`` imports the module, not just the package.
                submodule = f"{source}.{alias.name}"
                names.add(submodule if submodule in modules else source)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", sorted(m for m in project_modules() if _within(m, "query_engine")))
def test_the_engine_imports_nothing_from_the_app(module):
    imported = imported_names(module, project_modules()[module])
    outward = sorted(n for n in imported if any(_within(n, p) for p in ENGINE_MAY_NOT_IMPORT))
    assert outward == [], f"{module} imports {outward}"


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {
        module: {name for name in imported_names(module, path) if name in modules and name != module}
        for module, path in modules.items()
    }


def test_no_import_loop_anywhere():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        pytest.fail(f"import loop: {' -> '.join(error.args[1])}")


def test_a_loop_would_be_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    with pytest.raises(CycleError):
        TopologicalSorter(graph).prepare()


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path):
    # The checks above would pass vacuously if the walker missed these forms.
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from analytics.models import Team\n\nfrom . import sibling\n")
    names = imported_names("query_engine.refresh.mod", source)
    assert "analytics.models" in names and "query_engine.refresh" in names
