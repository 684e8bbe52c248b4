"""The micrograd-plus command: every subcommand, the refusals, and every demo (small sizes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_plus.cli import demo_files, main

DEMOS = [
    "perceptron", "neuron", "activations", "losses", "xor",
    "moons", "spirals", "regression", "optimizers", "vanishing",
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_topic_of_the_course_has_a_demo() -> None:
    assert list(demo_files()) == DEMOS


def test_demo_lists_the_demos(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    for name in DEMOS:
        assert f"  {name} " in out
    assert "Two moons" in out


@pytest.mark.slow
@pytest.mark.parametrize("name", DEMOS)
def test_every_demo_runs_and_names_the_files_it_wrote(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROGRAD_PLUS_QUICK", raising=False)
    code, out, _ = run(capsys, "demo", name, "--out", str(tmp_path), "--seed", "0", "--quick")
    assert code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written, "a demo writes its pictures"
    for filename in written:
        assert f"wrote {tmp_path / filename}" in out


def test_without_matplotlib_demos_say_which_extra_and_still_print_their_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    code, out, _ = run(capsys, "demo", "xor", "--out", str(tmp_path), "--quick")
    assert code == 0
    assert "accuracy 100%" in out
    assert "pip install matplotlib" in out
    assert not list(tmp_path.glob("*.png"))


def test_graph_prints_gradients_and_draws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = ["--set", "x1=2", "--set", "x2=0", "--set", "w1=-3", "--set", "w2=1"]
    values += ["--set", "b=6.8813735870195432"]
    svg = tmp_path / "neuron.svg"
    code, out, _ = run(capsys, "graph", "tanh(x1*w1 + x2*w2 + b)", *values, "--out", str(svg))
    assert code == 0
    assert "= 0.7071" in out and "d/dw1 = 1.0" in out and "d/dx1 = -1.5" in out
    assert "<svg" in svg.read_text()
    html = tmp_path / "neuron.html"
    assert run(capsys, "graph", "x * w", "--set", "x=2", "--set", "w=3", "--out", str(html))[0] == 0
    assert "const FRAMES" in html.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "__import__('os')"], "'__import__' at column 1"),
        (["graph", "x.real", "--set", "x=1"], "'x.real' at column 1"),
        (["graph", "open(x)", "--set", "x=1"], "'open' at column 1"),
        (["graph", "lambda: 0"], "'lambda: 0' at column 1"),
        (["graph", "x" * 10_000], "10,000 characters long"),
        (["graph", "x * y", "--set", "x=1"], "no value for y"),
        (["graph", "x", "--set", "x=one"], "'one' is not a number"),
        (["graph", "x", "--set", "x=1", "--set", "z=2"], "has no variable z"),
        (["train", "--data", "mnist"], "invalid choice: 'mnist'"),
        (["train", "--lr", "-1"], "--lr must be a positive number"),
        (["train", "--layers", "16,x"], "--layers takes positive whole numbers"),
        (["train", "--steps", "ten"], "invalid int value: 'ten'"),
        (["train", "--load", "no-such-model.json"], "--load: no file no-such-model.json"),
        (["train", "--data", "sine", "--loss", "bce"], "needs a regression loss"),
        (["train", "--samples", "1"], "--samples"),
        (["demo", "nope"], "no demo named 'nope'"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("micrograd-plus: error: ")
    assert message in err
    assert "Traceback" not in err + out


def test_train_writes_model_pictures_and_continues_from_a_saved_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--data", "xor", "--layers", "4", "--activation", "tanh", "--lr", "0.1"]
    code, out, _ = run(capsys, *args, "--steps", "150", "--out", str(tmp_path))
    assert code == 0
    assert "train accuracy 100.0%" in out
    for name in ["model.json", "loss.png", "boundary.png", "network.svg"]:
        assert (tmp_path / name).exists(), name
        assert f"wrote {tmp_path / name}" in out
    saved = json.loads((tmp_path / "model.json").read_text())
    assert saved["config"]["nouts"] == [4, 1]
    again = tmp_path / "again"
    code, out, _ = run(
        capsys, *args, "--steps", "1", "--load", str(tmp_path / "model.json"), "--out", str(again)
    )
    assert code == 0
    assert "train accuracy 100.0%" in out  # it went on from the trained weights


def test_train_regression_draws_the_fitted_curve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "train", "--data", "sine", "--loss", "mse", "--layers", "8",
        "--activation", "tanh", "--steps", "20", "--samples", "20", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0
    assert (tmp_path / "fit.png").exists()
    assert "accuracy" not in out


def test_load_of_a_model_of_another_input_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        "train",
        "--data",
        "sine",
        "--loss",
        "mse",
        "--layers",
        "2",
        "--steps",
        "1",
        "--samples",
        "5",
        "--out",
        str(tmp_path),
    )
    code, _, err = run(capsys, "train", "--data", "moons", "--load", str(tmp_path / "model.json"))
    assert code == 2
    assert "the model takes 1 inputs but moons has 2" in err


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_plus", "graph", "x*y", "--set", "x=3", "--set", "y=4"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "x*y = 12.0" in done.stdout and "d/dx = 4.0" in done.stdout
