"""The layer map in docs/architecture.md is the code's: every module is in it once, and
every import in the package, function-level ones included, goes to a row above."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_plus"


def _rows() -> dict[str, int]:
    """Each module's row in the map: ``viz.dot`` -> 16, the package itself as
    ``micrograd_plus``."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r"\| (\d+) \| ([^|]+) \|", line)
        if match:
            for name in re.findall(r"`([\w.]+)`", match.group(2)):
                assert name not in rows, f"{name} is in the map twice"
                rows[name] = int(match.group(1))
    return rows


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "micrograd_plus"


def _resolve(name: str) -> str | None:
    """``micrograd_plus.viz.dot`` -> ``viz.dot``; a package as its front door; None for
    anything outside the package."""
    if name != "micrograd_plus" and not name.startswith("micrograd_plus."):
        return None
    inner = name.removeprefix("micrograd_plus").lstrip(".")
    return inner or "micrograd_plus"


def _is_module(name: str) -> bool:
    inner = name.removeprefix("micrograd_plus.").replace(".", "/")
    return name.startswith("micrograd_plus.") and (
        (PACKAGE / f"{inner}.py").exists() or (PACKAGE / inner).is_dir()
    )


def _imports(path: Path) -> set[str]:
    """Every module of ours that ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # from micrograd_plus import floats: the module floats, not the package
            candidates = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if _is_module(name) else node.module for name in candidates]
        else:
            continue
        found |= {resolved for name in names if (resolved := _resolve(name))}
    return found


def test_every_module_is_in_the_map_once() -> None:
    modules = {_module_name(path) for path in PACKAGE.rglob("*.py")}
    assert modules == set(_rows())


def test_every_import_goes_to_a_row_above() -> None:
    rows = _rows()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        for imported in _imports(path) - {importer}:
            if rows[imported] >= rows[importer]:
                wrong.append(
                    f"{importer} (row {rows[importer]}) imports {imported} (row {rows[imported]})"
                )
    assert wrong == []


def test_the_checker_sees_function_level_imports() -> None:
    assert "plots" in _imports(PACKAGE / "lecture.py")  # imported inside Demo.show
    assert "floats" in _imports(PACKAGE / "engine.py")  # from micrograd_plus import floats
