"""The layer map in docs/architecture.md is the code's: every module is in it once, and
every import in the package, function-level ones included, goes to a row above. What
loading a module loads (its packages' front doors included, which Python runs first) is
followed too, and checked against what Python loads."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def _named(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import names: ``from micrograd_plus import floats`` the module
    floats, not the package; none for a relative import."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or not node.module:
        return []
    candidates = [f"{node.module}.{alias.name}" for alias in node.names]
    return [name if _is_module(name) else node.module for name in candidates]


def _imports(path: Path) -> set[str]:
    """Every module of ours that ``path`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    return {resolved for node in imports for name in _named(node) if (resolved := _resolve(name))}


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


# What each front door (a package's __init__, which runs before any module in the package)
# imports when it loads: every module in the package loads these with it.
FRONT_DOORS = {
    "micrograd_plus": {"autograd", "engine", "gradcheck", "scopes"},
    "viz": {
        "engine",
        "viz.rendering",
        "viz.batch",
        "viz.dot",
        "viz.network",
        "viz.passes",
        "viz.stepper",
    },
    "playground": set(),  # the widget only when first named: the server never loads Jupyter
    "gpt_live": set(),
}
JUPYTER = {"anywidget", "ipywidgets", "IPython", "ipykernel", "traitlets"}


def _runs_on_load(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module loads: none inside a function, none under
    ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        todo += ast.iter_child_nodes(node)
    return found


@functools.cache
def _loaded_directly(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """Our modules and the outside packages (top names) that ``module`` imports on load."""
    inner = "" if module == "micrograd_plus" else module.replace(".", "/")
    path = (
        PACKAGE / f"{inner}.py"
        if (PACKAGE / f"{inner}.py").exists()
        else PACKAGE / inner / "__init__.py"
    )
    ours, outside = set(), set()
    for node in _runs_on_load(ast.parse(path.read_text(encoding="utf-8"))):
        for name in _named(node):
            resolved = _resolve(name)
            if resolved is None:
                outside.add(name.split(".")[0])
            else:
                ours.add(resolved)
    return frozenset(ours), frozenset(outside)


def _front_doors(module: str) -> set[str]:
    """The packages whose __init__ runs before ``module``: ``viz.dot`` -> micrograd_plus, viz."""
    parts = [] if module == "micrograd_plus" else module.split(".")
    doors = {"micrograd_plus"} | {".".join(parts[:i]) for i in range(1, len(parts))}
    return doors - {module}


@functools.cache
def _loads(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """Everything of ours and outside that loading ``module`` loads, front doors included."""
    ours, todo = {module}, [module]
    outside: set[str] = set()
    while todo:
        current = todo.pop()
        imported, packages = _loaded_directly(current)
        outside |= packages
        for name in (imported | _front_doors(current)) - ours:
            ours.add(name)
            todo.append(name)
    return frozenset(ours), frozenset(outside)


def test_each_front_door_loads_what_the_test_lists() -> None:
    for door, listed in FRONT_DOORS.items():
        assert _loaded_directly(door)[0] - {door} == listed, door


def test_nothing_but_the_widget_loads_jupyter() -> None:
    """The command line, the servers and the pictures start without Jupyter; only the
    widgets themselves load it."""
    loading = {m: _loads(m)[1] & JUPYTER for m in _rows() if m != "__main__"}
    assert {m for m, jupyter in loading.items() if jupyter} == {
        "playground.widget",
        "gpt_live.widget",
    }


def test_what_loads_beyond_the_rows_above_comes_through_a_front_door() -> None:
    """Loading a module loads rows above it, and what its packages' front doors load
    (listed in FRONT_DOORS); nothing else below it."""
    rows = _rows()
    for module in rows:
        if module == "__main__":
            continue
        through_doors = set().union(*(_loads(door)[0] for door in _front_doors(module)))
        below = {m for m in _loads(module)[0] if rows[m] >= rows[module]} - {module}
        assert below <= through_doors, (module, below - through_doors)


@pytest.mark.parametrize("module", ["floats", "engine", "viz.palette", "playground.server", "cli"])
def test_what_the_checker_says_loads_is_what_python_loads(module: str) -> None:
    name = f"micrograd_plus.{module}"
    code = (
        f"import sys, {name}\n"
        "print(' '.join(m for m in sys.modules if m.startswith('micrograd_plus')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    python = {_resolve(m) for m in loaded.stdout.split()}
    assert python == _loads(module)[0]
