"""The micrograd-plus command: every subcommand, the refusals, and every demo (small sizes)."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import re
import shlex
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import python_prints
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import cli
from micrograd_plus.cli import UsageError, main, parse, parser
from micrograd_plus.lecture import demo_files
from micrograd_plus.nn import MLP

DEMOS = [
    "perceptron", "neuron", "activations", "losses", "xor", "moons", "spirals",
    "regression", "optimizers", "vanishing", "learning_rate", "scalars_to_tensors",
    "higher_order", "gpt", "micrograd_to_gpt",
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


def test_demo_figures_in_another_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "demo", "learning_rate", "--out", str(tmp_path), "--format", "svg")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "learning_rate_1d.svg",
        "learning_rate_2d.svg",
    ]


def test_notebooks_writes_one_valid_notebook_per_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nbformat = pytest.importorskip("nbformat")
    code, _, _ = run(capsys, "notebooks", str(tmp_path / "nb"))
    assert code == 0
    written = sorted((tmp_path / "nb").glob("*.ipynb"))
    assert [p.stem.split("_", 1)[1] for p in written] == DEMOS
    for path in written:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        kinds = [cell.cell_type for cell in notebook.cells]
        assert kinds[0] == "markdown" and kinds[1] == "markdown"
        for i, kind in enumerate(kinds):  # each code cell comes after a word on what to see
            if kind == "code":
                assert kinds[i - 1] == "markdown", (path.name, i)
                assert notebook.cells[i].outputs == []
        assert notebook.cells[0].source.startswith("# ")  # the title, as markdown


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
    page = html.read_text()
    block = page.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    # the start; forward: x * w; backward: out.grad = 1, then the product's two inputs
    assert len(json.loads(block)["frames"]) == 4


# Every refusal of the command line: status 2, one line on stderr, no traceback, before
# any work. A new command or option adds its rows here.
REFUSALS: list[tuple[list[str], str]] = [
    (["graph", "__import__('os')"], "'__import__' at column 1"),
    (["graph", "x.real", "--set", "x=1"], "'x.real' at column 1"),
    (["graph", "open(x)", "--set", "x=1"], "'open' at column 1"),
    (["graph", "lambda: 0"], "'lambda: 0' at column 1"),
    (["graph", "x" * 10_000], "10,000 characters long"),
    (["graph", "x * y", "--set", "x=1"], "no value for y"),
    (["graph", "x", "--set", "x=one"], "'one' is not a number"),
    (["graph", "x", "--set", "x=1", "--set", "z=2"], "has no variable z"),
    (["graph", "1" + "0" * 400], "too large for a float"),
    (["graph", "leaky_relu(x, 1" + "0" * 400 + ")", "--set", "x=1"], "too large for a float"),
    (["graph", "x\udcff", "--set", "x=1"], "not valid UTF-8"),
    (["graph", "x", "--set", "x=1", "--out", "p.xyz"], "expected a file ending in .svg"),
    (["graph", "x", "--set", "x=1", "--out", "picture"], "expected a file ending in .svg"),
    (["graph", "x", "--set", "x=1", "--out", "{tmp}"], "is a folder"),
    (["graph", "x", "--set", "x=1", "--out", "{tmp}/no/such/g.svg"], "does not exist"),
    (["graph", "x", "--set", "x=1", "--out", "/proc/g.svg"], "cannot write /proc/g.svg"),
    (["graph", "x", "--set", "x=1", "--out", ""], "--out is empty"),
    (["train", "--data", "mnist"], "invalid choice: 'mnist'"),
    (["train", "--lr", "-1"], "argument --lr: expected a positive number, got -1"),
    (["train", "--lr", "nan"], "expected a positive number, got nan"),
    (["train", "--layers", "16,x"], "--layers takes positive whole numbers"),
    (["train", "--layers", "\u00b2"], "--layers takes positive whole numbers"),
    (["train", "--layers", "1000000"], "more than the 1,000,000 a scalar engine can train"),
    (["train", "--steps", "ten"], "argument --steps: expected a whole number, got 'ten'"),
    (["train", "--steps", "10000000000000000000"], "from 1 to 1,000,000"),
    (["train", "--samples", "1000000000"], "from 1 to 1,000,000"),
    (["train", "--samples", "1"], "--samples 1: n_samples must be"),
    (["train", "--seed", "-1"], "argument --seed: expected a whole number from 0"),
    (["train", "--load", "no-such-model.json"], "--load: cannot read no-such-model.json"),
    (["train", "--load", "{tmp}"], "--load: {tmp} is not a regular file"),
    (["train", "--data", "sine", "--loss", "bce"], "needs a regression loss"),
    (["train", "--data", "blobs", "--loss", "bce"], "use loss='cross_entropy'"),
    (["train", "--out", "{tmp}/afile"], "is a file"),
    (["train", "--out", ""], "--out is empty"),
    (["train", "--out", "/proc/results", "--steps", "1"], "cannot write /proc/results"),
    (["demo", "nope"], "no demo named 'nope'"),
    (["demo", "xor", "--out", "{tmp}/afile"], "is a file"),
    (["demo", "xor", "--seed", "-1"], "argument --seed"),
    (["demo", "xor", "--format", "gif"], "invalid choice: 'gif'"),
    (["train", "--engine", "gpu"], "invalid choice: 'gpu'"),
    (["notebooks", "{tmp}/afile"], "is a file"),
    (["notebooks", ""], "folder is empty"),
    (["fly"], "invalid choice: 'fly'"),
    (["playground", "--link", "https://x/#networkShape=99"], "--link: a hidden layer's size"),
    (["playground", "--link", "#learningRate=fast"], "--link: learningRate must be a number"),
    (["gpt-live", "--steps", "0"], "argument --steps"),
    (["gpt-live", "--port", "70000"], "argument --port"),
]


def test_a_port_in_use_is_one_line_for_each_page(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for command in ("playground", "gpt-live"):
            code, _, err = run(capsys, command, "--port", port, "--no-browser")
            assert code == 2 and err.count("\n") == 1, err
            assert err.startswith(f"micrograd-plus: error: --port {port}: "), err


@pytest.mark.parametrize(("argv", "message"), REFUSALS)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("the user's own file")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("micrograd-plus: error: "), err
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert "Traceback" not in err + out
    assert (tmp_path / "afile").read_text() == "the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing else written


@pytest.mark.parametrize("command", ["demo", "graph", "train"])
def test_help_shows_every_default(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = commands.choices[command]._actions
    for action in options:
        if action.option_strings and action.dest != "help" and action.default is not None:
            if isinstance(action.default, bool | list):
                continue
            assert f"(default: {action.default})" in text, action.dest


def test_an_expression_that_starts_with_minus_needs_no_double_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "graph", "-x*w", "--set", "x=1", "--set", "w=2")
    assert code == 0 and "-x*w = -2.0" in out and "d/dw = -1.0" in out


def test_a_flat_sum_of_150_terms_works(capsys: pytest.CaptureFixture[str]) -> None:
    terms = " + ".join(f"x{i}" for i in range(150))
    sets = [a for i in range(150) for a in ("--set", f"x{i}=1")]
    code, out, _ = run(capsys, "graph", terms, *sets)
    assert code == 0 and "= 150.0" in out
    code, _, err = run(capsys, "graph", "-(" * 120 + "x" + ")" * 120, "--set", "x=1")
    assert code == 2 and "nested" in err  # nesting is still limited


def test_set_names_are_read_as_python_reads_the_expression(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "graph", "\U0001d431 * 2", "--set", "\U0001d431=3")
    assert code == 0 and "d/dx = 2.0" in out


def test_a_console_that_cannot_print_a_character_gets_an_escape() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_plus", "graph", "\U0001d431*2", "--set", "x=3"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "= 6.0" in done.stdout and "Traceback" not in done.stderr


def test_a_diverging_run_says_at_which_step_and_suggests_a_smaller_lr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "train", "--data", "sine", "--loss", "mse", "--optim", "sgd", "--lr", "2",
        "--steps", "15", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 1  # as --help states: diverged, nothing saved
    line = next(line for line in out.splitlines() if line.startswith("the loss became"))
    assert "at step 9" in line and "try a smaller --lr" in line
    assert "is nan: the model is not saved" in out and "was not written" in out
    assert not (tmp_path / "model.json").exists()
    assert (tmp_path / "loss.png").exists()  # the curve shows where it went wrong


def test_a_diverged_run_keeps_the_good_model_it_started_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--data", "xor", "--layers", "4", "--out", str(tmp_path)]
    assert run(capsys, *args, "--steps", "20")[0] == 0
    model = tmp_path / "model.json"
    good = model.read_bytes()
    code, out, _ = run(capsys, *args, "--steps", "5", "--lr", "1e300", "--load", str(model))
    assert code == 1
    assert f"the model is not saved ({model} keeps the model it had)" in out
    assert model.read_bytes() == good
    assert MLP.from_file(model).nin == 2


# In a child process whose address space is capped at what it already uses plus 600 MB:
# a million points through MLP(2, [16, 16, 1]) needs about 2 GB.
_OUT_OF_MEMORY = """
import resource, sys
import numpy, matplotlib.pyplot, tqdm.auto
from micrograd_plus import cli, runs, training
size = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status")
            if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + 600 * 2**20, resource.RLIM_INFINITY))
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="caps memory with RLIMIT_AS")
def test_running_out_of_memory_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-c", _OUT_OF_MEMORY, "train", "--samples", "1000000",
         "--steps", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "micrograd-plus: error: out of memory training a 337-parameter model on 1,000,000 "
        "points: use fewer --samples or smaller --layers"
    ]
    assert not (out / "model.json").exists()


# The command in a child that says its peak resident memory (KB) last, on stderr.
# The peak resident memory of this process alone: VmHWM starts afresh at exec, where
# getrusage's ru_maxrss keeps the parent's (pytest's, after other test files: 1.9 GB)
_PEAK = """
import re, sys
from micrograd_plus import cli
status = cli.main(sys.argv[1:])
status_text = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status_text).group(1), file=sys.stderr)
sys.exit(status)
"""


@pytest.mark.slow
def test_a_million_points_train_in_bounded_memory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, "train", "--samples", "1000000", "--steps", "2",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "on moons (1000000 points)" in done.stdout
    assert MLP.from_file(out / "model.json").nin == 2
    peak_kb = int(done.stderr.split()[-1])
    assert peak_kb < 1.5 * 2**20  # 1.5 GB (about 1.3 GB here; 2.1 GB before chunks)


def test_train_help_states_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 trained and saved; 1 the run diverged" in text


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


# --- fuzzing: never a traceback --------------------------------------------------------

TOKENS = st.sampled_from(
    ["graph", "train", "demo", "--set", "--out", "--steps", "--layers", "--seed", "--lr", "--"]
) | st.text(max_size=12)


@settings(max_examples=200)
@given(st.lists(TOKENS, max_size=6))
def test_the_parser_takes_any_arguments_without_a_traceback(argv: list[str]) -> None:
    try:
        parse(argv)
    except UsageError as error:
        assert str(error).strip()  # a message, which main prints on one line
    except SystemExit as done:  # --help
        assert done.code == 0


@settings(max_examples=150)
@given(st.text(max_size=40), st.lists(st.text(max_size=8), max_size=3))
def test_graph_takes_any_text_without_a_traceback(expression: str, sets: list[str]) -> None:
    argv = ["graph", expression, *(a for s in sets for a in ("--set", s))]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    assert code in (0, 2)
    if code == 2:
        assert stderr.getvalue().count("\n") == 1
    assert "Traceback" not in stderr.getvalue()


def test_a_reader_that_goes_away_is_no_error() -> None:
    # `micrograd-plus demo | head -1`: the listing meets a closed pipe
    done = subprocess.run(
        f"{shlex.quote(sys.executable)} -m micrograd_plus demo | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        executable="/bin/bash",
    )
    assert done.stdout.startswith("demos (run one with")
    assert done.stderr == ""
    piped = subprocess.run(
        ["/bin/bash", "-c", f"set -o pipefail; {shlex.quote(sys.executable)} -m micrograd_plus "
         "demo | head -c 1 >/dev/null; echo ${PIPESTATUS[0]}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert piped.stdout.strip() == "0", piped.stderr


def test_train_never_replaces_a_pipe_with_its_model_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "model.json")
    code, _, err = run(capsys, "train", "--data", "xor", "--steps", "1", "--out", str(tmp_path))
    assert code == 2
    assert f"cannot write: {tmp_path / 'model.json'} is a named pipe" in err
    assert stat.S_ISFIFO(os.lstat(tmp_path / "model.json").st_mode)


def test_a_model_too_big_to_draw_gets_a_note_not_a_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "train", "--data", "xor", "--layers", "50,50", "--steps", "1",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0
    assert "(no network picture: MLP(2 -> [50 relu, 50 relu, 1 linear]" in out
    assert "2,650 weights, more than a picture can show (2,000)" in out
    assert not (tmp_path / "network.svg").exists() and (tmp_path / "model.json").exists()


def test_the_names_the_command_offers_are_the_ones_the_package_knows() -> None:
    # cli.py names them without importing the modules, so that it starts at once
    from micrograd_plus import datasets, losses, runs, training
    from micrograd_plus.nn import ACTIVATIONS

    assert set(cli.DATA_NAMES) == set(runs.DATA)
    assert set(cli.OPTIMIZER_NAMES) == set(runs.OPTIMIZERS)
    assert tuple(losses.LOSSES) == cli.LOSS_NAMES
    assert set(cli.ENGINE_NAMES) == set(training.ENGINES)
    assert set(cli.ACTIVATION_NAMES) == set(ACTIVATIONS) - {"linear"}
    assert cli.MAX_SAMPLES == datasets.MAX_SAMPLES


def test_listing_the_demos_imports_nothing_heavy() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from micrograd_plus.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['demo'])\n"
        "heavy = [m for m in ('matplotlib', 'numpy', 'micrograd_plus.viz', 'tqdm')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    assert python_prints(code).strip() == "[]"


def test_playground_prints_its_address_and_stops_on_ctrl_c() -> None:
    link = "https://playground.tensorflow.org/#networkShape=3&learningRate=0.1&x=true"
    process = subprocess.Popen(
        [sys.executable, "-m", "micrograd_plus", "playground", "--no-browser", "--link", link],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as a terminal sends it, even where this test runs with SIGINT ignored
        # (a background CI step): Python then installs its KeyboardInterrupt handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        address = r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)#networkShape=3&learningRate=0\.1&x=true"
        match = re.fullmatch(rf"playground at {address}  \(Ctrl-C stops it\)\n", line)
        assert match, line
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        connection.request("GET", f"/?token={match.group(2)}")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # never leave a server running
            process.kill()
            out, err = process.communicate()
    assert process.returncode == 0, err
    assert "playground stopped" in out and "Traceback" not in err
