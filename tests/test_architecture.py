"""Imports run one way: portal -> open311 -> integrations -> api -> referrals -> strategies ->
agencies.
Nothing imports portal."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "agencies",
    "strategies",
    "referrals",
    "api",
    "integrations",
    "open311",
    "portal",
]  # lowest first


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_an_app_imports_only_the_layers_below_it(app):
    allowed = set(LAYERS[: LAYERS.index(app) + 1])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - allowed)
        for path in (ROOT / app).rglob("*.py")
        if imported_apps(path) - allowed
    }
    assert offenders == {}


def test_the_check_itself_sees_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from referrals.models import Category\nimport portal.views\n")
    assert imported_apps(module) == {"referrals", "portal"}
