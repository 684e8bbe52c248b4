"""The lecture demos: every demo as a notebook, executed top to bottom in a real Jupyter
kernel (nbclient): no error, at least one figure shown inline, every file it wrote named.
(Each demo runs once in the suite, here; `micrograd-plus demo` runs them as scripts.)"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from micrograd_plus.lecture import demo_files, notebook

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")


def _execute(name: str, folder: Path) -> Any:
    """The demo's notebook executed top to bottom in a fresh kernel, at quick sizes and
    writing into ``folder``, as `micrograd-plus demo --quick` runs it."""
    document = notebook(demo_files()[name].read_text(encoding="utf-8"))
    # entered in the cell that calls setup(), since a kernel runs each cell in a context of
    # its own (a context variable set in one cell is gone in the next)
    # (and kept in a name: a context manager dropped at once is closed, settings undone)
    setting = (
        "from micrograd_plus import lecture\n"
        f"_kept = lecture.settings(out=__import__('pathlib').Path({str(folder)!r}), quick=True)\n"
        "_kept.__enter__()\n"
    )
    first = next(cell for cell in document.cells if "setup(" in cell.source)
    first.source = setting + first.source
    nb = nbformat.reads(nbformat.writes(document), as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every demo's notebook, three at a time (a kernel each; a kernel's start waits more
    than it computes, so three beat two on these two cores), by name: the notebook and its
    folder, or what it raised."""
    folders = {name: tmp_path_factory.mktemp(name) for name in demo_files()}

    def run(name: str) -> Any:
        try:
            return _execute(name, folders[name]), folders[name]
        except Exception as error:  # reported by the demo's own test
            return error, folders[name]

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(folders, pool.map(run, folders)))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(demo_files()))
def test_each_demo_notebook_runs_and_shows_a_figure(name: str, executed: dict[str, Any]) -> None:
    nb, tmp_path = executed[name]
    if isinstance(nb, Exception):
        raise nb
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [
        o for o in outputs
        if o.output_type == "display_data" and {"image/png", "image/svg+xml"} & set(o.data)
    ]  # fmt: skip
    assert images, f"{name} shows no figure inline"
    plain = [o.data.get("text/plain", "") for o in outputs if o.output_type == "execute_result"]
    assert not [t for t in plain if "PosixPath(" in t]  # no stray result under a cell
    if name == "neuron":  # the stepper, inline
        assert any("<iframe" in o.data.get("text/html", "") for o in outputs if "data" in o)
    if name == "perceptron":  # the course notes' diagram, inline
        assert any("image/svg+xml" in o.data for o in outputs if "data" in o)
    said = "".join(o.text for o in outputs if o.output_type == "stream")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written, "a demo writes its pictures"
    for filename in written:  # and names each file it wrote
        assert f"wrote {tmp_path / filename}" in said


@pytest.mark.slow
def test_a_figure_shows_inline_in_a_fresh_kernel_with_no_matplotlib_line(tmp_path: Path) -> None:
    code = "import micrograd_plus.viz  # warns of nothing\nfrom micrograd_plus import plots\n"
    code += "plots.loss_curve([1.0, 0.5, 0.2])"
    opened = "from micrograd_plus import lecture\nprint(lecture.setup('gpt').notebook)"
    cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell(opened)]
    nb = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = nb.cells[0].outputs
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    # a notebook a class opened (no settings given): the lectures show their whole run
    assert nb.cells[1].outputs[0].text == "True\n"
    script = subprocess.run([sys.executable, "-c", opened], cwd=tmp_path, capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert script.stdout == "False\n"  # a script, or the demo command: its own sizes
