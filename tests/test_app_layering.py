"""The Django apps stack in floors: ``tenancy`` at the bottom, ``access_control`` above it,
``analytics`` on top. A lower floor never imports a higher one (every import read, inside
functions too; migrations excepted, they name models by app label)."""

from __future__ import annotations

import pytest

from tests.test_architecture import imported_names, project_modules

MAY_NOT_IMPORT = {
    "tenancy": ("analytics", "access_control", "insights_api"),
    "access_control": ("analytics",),
}


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for module, path in project_modules().items():
        if module != package and not module.startswith(package + "."):
            continue
        for name in sorted(imported_names(module, path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{module} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(MAY_NOT_IMPORT))
def test_lower_floor_imports_no_higher_one(package):
    assert _violations(package, MAY_NOT_IMPORT[package]) == []


def test_the_check_sees_a_forbidden_import():
    # access_control really imports tenancy, so the walk finds imports in that package.
    assert _violations("access_control", ("tenancy",)) != []
