"""The widgets (the playground, the GPT live view) in a real JupyterLab, started by the test
on loopback and driven in headless Chromium: the notebook shows the same pages, and they
train, from the page and from Python."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupyterlab")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}", "--allow-root",  # CI runs as root
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # up to a minute to start
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        yield f"{base}/lab/tree/playground.ipynb?token={token}", folder
    finally:
        server.terminate()
        server.wait(timeout=30)


def _open_notebook(lab: tuple[str, Path], name: str, cells: list[str]) -> Iterator[Any]:
    """The notebook of ``cells`` open in JupyterLab in Chromium, its first cell run."""
    executable = shutil.which("chromium")
    if not executable:
        pytest.skip("Chromium is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    url, folder = lab
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    nbformat.write(notebook, folder / name)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url.replace("playground.ipynb", name))
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=60_000)  # fmt: skip
        page.wait_for_selector(".jp-Cell .cm-content[contenteditable='true']", timeout=60_000)
        started = "!document.querySelector('.jp-Cell .jp-InputPrompt').textContent.includes('[ ]')"
        for _ in range(10):  # JupyterLab, idle, may still drop the first run: run it again
            page.click(".jp-Cell .cm-content")
            page.click("[data-command='notebook:run-cell-and-select-next']")
            try:
                page.wait_for_function(started, timeout=3_000)  # its prompt: [*] or [1]
                break
            except sync_api.TimeoutError:
                continue
        yield page
        browser.close()


def _run_cell(page: Any, number: int) -> str:
    """Run cell ``number`` (from 1) and give its output's text."""
    _run(page, number)
    output = f".jp-Cell:nth-child({number}) .jp-OutputArea-output"
    page.wait_for_selector(output, timeout=30_000)
    return str(page.inner_text(output)).strip()


def _run(page: Any, number: int) -> None:
    page.click(f".jp-Cell:nth-child({number}) .cm-content")
    page.click("[data-command='notebook:run-cell-and-select-next']")


@pytest.mark.slow
def test_the_widgets_show_their_pages_in_jupyterlab_and_train(lab: tuple[str, Path]) -> None:
    cells = [
        "from micrograd_plus.playground import Playground\npg = Playground(seed=1)\npg",
        "pg.learning_rate = 0.01",
        "print('rate', pg.learning_rate, pg.session.optimizer.lr)",
        "from micrograd_plus.gpt_live import GPTLive\n"
        "live = GPTLive(['emma', 'ava', 'zoe', 'mia', 'bo'], n_embd=8, n_head=2, name='ava')\n"
        "live",
        "live.step(3)",
        "print('steps', live.run.t, len(live.losses))",
    ]  # one notebook, one kernel: the playground's widget, then the GPT live view's
    for page in _open_notebook(lab, "playground.ipynb", cells):
        page.wait_for_selector("#play-pause-button", timeout=60_000)
        page.wait_for_function("document.querySelector('#loss-train').textContent !== ''",
                               timeout=30_000)  # fmt: skip
        assert page.inner_text("#iter-number") == "000,000"
        page.click("#next-step-button")
        page.wait_for_function("document.querySelector('#iter-number').textContent === '000,001'",
                               timeout=30_000)  # fmt: skip
        read = "els => els.map(e => e.textContent)"
        texts = page.eval_on_selector_all("#sample-graph text", read)
        assert any(str(t).startswith("grad ") for t in texts)
        # a trait set from Python changes the page; a change on the page shows in Python
        _run(page, 2)
        page.wait_for_function("document.querySelector('#learningRate').value === '0.01'",
                               timeout=30_000)  # fmt: skip
        page.select_option("#learningRate", "0.3")
        page.wait_for_timeout(500)
        assert _run_cell(page, 3) == "rate 0.3 0.3"
        # the GPT live view: shown, stepped from Python (the page follows) and from the page
        _run(page, 4)
        page.wait_for_selector("#heads rect.cell", timeout=60_000)
        assert page.inner_text("#step-number") == "0"
        assert page.locator("#heads svg.head").count() == 2
        fills = "els => els.map(e => e.getAttribute('fill'))"
        before = page.eval_on_selector_all("#heads rect.cell", fills)
        _run(page, 5)
        page.wait_for_function("document.querySelector('#step-number').textContent === '3'",
                               timeout=30_000)  # fmt: skip
        assert page.eval_on_selector_all("#heads rect.cell", fills) != before
        page.click("#step")
        page.wait_for_function("document.querySelector('#step-number').textContent === '4'",
                               timeout=30_000)  # fmt: skip
        assert _run_cell(page, 6) == "steps 4 4"
