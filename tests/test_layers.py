"""Imports inside mlwright follow the layer plan of docs/architecture.md: only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mlwright"

# Lower number = lower layer; a package may import its own package and lower layers.
LAYERS = {
    "core": 0,
    "data": 1,
    "scale": 1,
    "learn": 2,
    "track": 2,
    "registry": 3,
    "serve": 4,
    "monitor": 4,
    "insight": 4,
    "report": 5,
    "workspace": 6,
    "cli": 7,
    "ui": 7,
    "testing": 8,
}
ISOLATED = {"scale": {"core"}}
# Same-layer imports allowed one way only: the CLI launches the dashboard (``mlwright ui``);
# the dashboard never imports the CLI.
SIDEWAYS = {("cli", "ui")}


def package_of(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    if len(parts) == 1:
        return None if parts[0] == "__init__.py" else Path(parts[0]).stem
    return parts[0]


def imported_packages(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "mlwright":
                names = [f"mlwright.{alias.name}" for alias in node.names]
        for name in names:
            bits = name.split(".")
            if bits[0] == "mlwright" and len(bits) > 1:
                found.add(bits[1])
    return found


def violations() -> list[str]:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        own = package_of(path)
        if own is None:
            continue
        assert own in LAYERS, f"{path}: package {own!r} is not in the layer plan"
        for other in imported_packages(ast.parse(path.read_text())) - {own}:
            if other not in LAYERS:
                continue
            allowed = ISOLATED.get(own)
            upward = LAYERS[other] >= LAYERS[own] and (own, other) not in SIDEWAYS
            if upward or (allowed is not None and other not in allowed):
                bad.append(f"{path.relative_to(SRC)}: {own} imports {other}")
    return bad


def test_every_import_goes_down_the_layers() -> None:
    assert violations() == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    tree = ast.parse("from mlwright.workspace import Workspace\nimport mlwright.cli.main\n")
    assert imported_packages(tree) == {"workspace", "cli"}
