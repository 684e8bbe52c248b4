"""The README's code does what the README says, and draws exactly the picture it shows."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_block(heading: str) -> str:
    """The first ```python block after ``heading``."""
    after = README[README.index(heading) :]
    found = re.search(r"```python\n(.*?)```", after, flags=re.S)
    assert found is not None, heading
    return found.group(1)


def test_the_neuron_prints_what_its_comments_say_and_draws_the_front_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = python_block("## A neuron, by hand and by the engine")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})  # our own README, not user input
    printed = capsys.readouterr().out.splitlines()
    promised = [
        line.split("# ")[1].split("  (")[0] for line in code.splitlines() if "print(" in line
    ]
    assert printed == promised
    drawn = (tmp_path / "neuron.svg").read_bytes()
    assert drawn == (ROOT / "docs" / "neuron.svg").read_bytes()  # regenerate docs/ if not


def test_the_gradients_of_gradients_are_the_numbers_the_comments_say() -> None:
    code = python_block("## Gradients of gradients")
    found: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), found)
    promised = {}
    for line in code.splitlines():
        match = re.match(r"\((\w+),\) = grad\(.*# (?:.* = )?(-?[\d.]+)", line)
        if match:
            promised[match.group(1)] = float(match.group(2))
    assert promised == {"dydx": 24.0, "d2": 44.0, "d3": 48.0}
    for name, value in promised.items():
        assert found[name].data == value  # type: ignore[attr-defined]
    assert found["dydx"].label == "dy/dx"  # type: ignore[attr-defined]


def test_the_playground_prints_what_its_comment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = python_block("## Watch it learn: the playground")
    monkeypatch.chdir(tmp_path)
    found: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), found)
    line = next(line for line in code.splitlines() if line.startswith("print("))
    assert capsys.readouterr().out.strip() == line.split("# ")[1]
    pg: Any = found["pg"]
    assert pg.iteration == 100 and pg.learning_rate == 0.01 and pg.session.optimizer.lr == 0.01
    assert len(pg.history["iteration"]) == 101  # iterations 0 to 100, one row each
    assert (tmp_path / "circle.json").exists()


def test_the_op_added_in_one_entry_gives_the_numbers_the_comments_say() -> None:
    from micrograd_plus.ops import OPS

    code = python_block("## The table of ops")
    found: dict[str, Any] = {}
    try:
        exec(compile(code, "README.md", "exec"), found)  # our own README, not user input
    finally:
        OPS.pop("softplus", None)
    x, d1 = found["x"], found["d1"]
    assert round(x.grad, 3) == 1.462 == round(2 / (1 + math.exp(-1.0)), 3)
    assert d1.data == pytest.approx(x.grad, rel=1e-15)


def test_the_gpt_live_view_does_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("names")
    code = python_block("### Watch a GPT learn")
    found: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), found)
    live = found["live"]
    assert live.run.t == 30 and len(live.losses) == 30
    assert live.settings["temperature"] == 0.8 and live.settings["lr"] == 0.005
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("[") and printed.count("'") == 16  # 8 names
    assert live.run.step_on_view == 10
