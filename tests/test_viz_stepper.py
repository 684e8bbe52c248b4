"""The HTML stepper: self-contained, and driven in headless Chromium like a lecturer would."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from micrograd_plus import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz import steps, write_stepper


def neuron() -> tuple[Value, list[Value]]:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def _frames(page: str) -> list[dict[str, Any]]:
    match = re.search(r"const FRAMES = (.*);\n", page)
    assert match is not None
    return json.loads(match.group(1).replace("<\\/", "</"))  # type: ignore[no-any-return]


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    o, _ = neuron()
    page = write_stepper(o, tmp_path / "neuron.html", title="A <neuron>").read_text()
    assert "<title>A &lt;neuron&gt;</title>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and "<script src" not in page
    frames = _frames(page)
    assert len(frames) == 1 + len(steps(o))
    assert all(frame["svg"].startswith("<svg") for frame in frames)
    assert all(("quiz" in frame) == (frame["phase"] == "backward") for frame in frames)


def _chromium() -> Any:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("Chromium is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    return executable, sync_api


@pytest.mark.slow
def test_arrow_keys_step_and_the_last_frame_shows_the_engines_gradients(tmp_path: Path) -> None:
    executable, sync_api = _chromium()
    o, leaves = neuron()
    path = write_stepper(o, tmp_path / "neuron.html")
    total = len(steps(o))
    o.backward()  # the engine's gradients, to compare with the last frame
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args)
        page = browser.new_page()
        page.goto(path.as_uri())
        assert page.inner_text("#counter") == f"step 0 / {total}"
        page.keyboard.press("ArrowRight")
        assert page.inner_text("#counter") == f"step 1 / {total}"
        assert page.inner_text("#title").startswith("forward:")
        page.keyboard.press("ArrowLeft")
        assert page.inner_text("#counter") == f"step 0 / {total}"
        page.keyboard.press("End")
        assert page.inner_text("#counter") == f"step {total} / {total}"
        graph_text = page.inner_text("#graph")
        for leaf in leaves:  # w2's is exactly 0, and the picture says why
            shown = f"grad {format_number(leaf.grad)}" if leaf.grad else "grad 0 (x2 = 0)"
            assert shown in graph_text, leaf
        page.keyboard.press("q")  # quiz: the gradients are hidden until revealed
        assert "grad ?" in page.inner_text("#graph")
        page.keyboard.press("r")
        assert "grad ?" not in page.inner_text("#graph")
        page.click("#first")
        assert page.inner_text("#counter") == f"step 0 / {total}"
        beside = page.eval_on_selector("main", "m => m.classList.contains('beside')")
        page.keyboard.press("l")  # the arithmetic moves between beside and below the graph
        assert page.eval_on_selector("main", "m => m.classList.contains('beside')") != beside
        browser.close()
