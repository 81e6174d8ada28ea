"""The import direction of issue 11: `mt5bot` is the composition root and no part imports it; `nlu` is pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("api", "bot", "mt5bridge", "nlu", "reports", "storage")
PROJECT = (*PARTS, "mt5bot")


def imported(path: Path) -> set[str]:
    """Every module name `path` imports (absolute imports; relative ones are resolved to its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = path.relative_to(ROOT).parent.parts
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, node.module or "")).strip(".")
            names.add(module)
    return names


def top(name: str) -> str:
    return name.split(".", 1)[0]


def modules(part: str) -> list[Path]:
    return sorted((ROOT / part).rglob("*.py"))


@pytest.mark.parametrize("part", PARTS)
def test_no_part_imports_the_composition_root(part: str) -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(part)
        for name in imported(path)
        if top(name) == "mt5bot"
    }
    assert not offenders


def test_nlu_imports_nothing_of_the_project_but_itself() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("nlu")
        for name in imported(path)
        if top(name) in PROJECT and top(name) != "nlu"
    }
    assert not offenders


# (part, what it must not import): the core never imports a front-end, storage sits at the bottom,
# and the simulator knows nothing of the trading core built on it.
INWARD = [
    ("mt5bridge", ("api", "bot", "reports")),
    (
        "storage",
        ("api", "bot", "reports", "nlu", "mt5bridge.terminal", "mt5bridge.trading", "mt5bridge.simulator"),
    ),
    ("mt5bridge/simulator", ("mt5bridge.trading",)),
]


@pytest.mark.parametrize(("part", "forbidden"), INWARD)
def test_imports_point_inward(part: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(part)
        for name in imported(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert not offenders


def test_the_leaf_imports_nothing_of_the_project() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("mt5bridge/common")
        for name in imported(path)
        if top(name) in PROJECT and not name.startswith("mt5bridge.common")
    }
    assert not offenders


def test_the_check_sees_imports() -> None:
    # Guards the guard: a module known to import the project is seen doing so.
    assert "mt5bot.config" in imported(ROOT / "mt5bot" / "app.py")
