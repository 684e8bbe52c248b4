"""The ``micrograd-plus`` command: lecture demos, a graph of any expression, training.

    micrograd-plus demo                      list the demos
    micrograd-plus demo moons [--out DIR]    run one, writing its pictures to DIR
    micrograd-plus notebooks DIR             every demo as a Jupyter notebook
    micrograd-plus graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --out n.svg
    micrograd-plus train --data moons --layers 16,16 --loss bce --steps 100 --out DIR

Bad arguments end with status 2 and one line saying what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import runpy
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from micrograd_plus import datasets, lecture
from micrograd_plus._files import NotARegularFile, write_atomic
from micrograd_plus.expression import ExpressionError, build
from micrograd_plus.floats import format_number
from micrograd_plus.nn import ACTIVATIONS, MLP
from micrograd_plus.optim import SGD, Adam, Optimizer, RMSprop
from micrograd_plus.plots import FORMATS as FIGURE_FORMATS
from micrograd_plus.training import ENGINES, LOSS_NAMES, accuracy, check_fit, outputs, train

__all__ = ["main"]

DEMOS_HOME = Path(__file__).parent / "demos"  # in an installed wheel
DEMOS_SOURCE = Path(__file__).parent.parent / "demos"  # in a source checkout
DATA: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "moons": datasets.make_moons,
    "circles": datasets.make_circles,
    "spirals": datasets.make_spirals,
    "xor": datasets.make_xor,
    "blobs": datasets.make_blobs,
    "sine": datasets.make_sine,
}
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}


MAX_STEPS = 1_000_000
DIVERGED = 1  # train's exit status when the run diverged and the model was not saved
MAX_SEED = 2**32 - 1
PICTURE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".pdf", ".dot", ".html")


class UsageError(Exception):
    """A bad argument: reported in one line, with exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number written in ASCII digits, from low to high."""

    def whole(text: str) -> int:
        if not re.fullmatch(r"-?[0-9]{1,30}", text.strip()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        number = int(text)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text}"
            )
        return number

    return whole


def _positive_number(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (number > 0 and math.isfinite(number)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return number


def _folder(option: str, text: str) -> Path:
    """``--out`` naming a folder: created if missing, but never a file."""
    if not text.strip():
        raise UsageError(f"{option} is empty: name a folder")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {text}: is a file; {option} names a folder for the results")
    return folder


def _picture_file(text: str) -> Path:
    """``graph --out`` naming a picture or a page, in a folder that exists."""
    if not text.strip():
        raise UsageError("--out is empty: name a file such as graph.svg")
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"--out {text}: is a folder; name a file such as graph.svg")
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(f"--out {text}: expected a file ending in {', '.join(PICTURE_SUFFIXES)}")
    if not path.parent.is_dir():
        raise UsageError(f"--out {text}: the folder {path.parent} does not exist")
    return path


# --- demos -------------------------------------------------------------------------------


def demo_files() -> dict[str, Path]:
    """Each demo's name (``moons``) and script (``demos/06_moons.py``), in lecture order."""
    folder = DEMOS_HOME if DEMOS_HOME.is_dir() else DEMOS_SOURCE
    found = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.py")):
        found[path.stem.split("_", 1)[1]] = path
    return found


def demo_summary(path: Path) -> str:
    """The demo's title: the first markdown heading of its script."""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*#+\s*(.+)", line)
        if match:
            return match.group(1).strip()
    return ""


def run_demo(args: argparse.Namespace) -> int:
    demos = demo_files()
    if not args.name:
        print("demos (run one with: micrograd-plus demo NAME [--out DIR] [--seed N]):")
        for name, path in demos.items():
            print(f"  {name:<12} {demo_summary(path)}")
        return 0
    if args.name not in demos:
        raise UsageError(f"no demo named {args.name!r}; the demos are: {', '.join(demos)}")
    out = None if args.out is None else _folder("--out", args.out)
    print(f"demo {args.name}: {demo_summary(demos[args.name])}")
    with lecture.settings(
        out=out, seed=args.seed, quick=args.quick, full=args.full, format=args.format
    ):
        runpy.run_path(str(demos[args.name]), run_name="__main__")
    return 0


def notebook(script: str) -> dict[str, Any]:
    """A demo script as a Jupyter notebook (nbformat 4): a cell per ``# %%`` marker,
    markdown for ``# %% [markdown]`` (its ``# `` prefixes taken off), no outputs."""
    cells: list[dict[str, Any]] = []
    kind, lines = "", list[str]()

    def close() -> None:
        text = "\n".join(lines).strip("\n")
        if kind and text:
            cell: dict[str, Any] = {
                "cell_type": kind,
                "id": f"cell-{len(cells) + 1}",
                "metadata": {},
                "source": text,
            }
            if kind == "code":
                cell.update(execution_count=None, outputs=[])
            cells.append(cell)

    for line in script.splitlines():
        if line.startswith("# %%"):
            close()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        else:
            lines.append(line)
    close()
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def run_notebooks(args: argparse.Namespace) -> int:
    folder = _folder("folder", args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in demo_files().items():
        document = notebook(path.read_text(encoding="utf-8"))
        target = folder / f"{path.stem}.ipynb"
        write_atomic(target, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {target}  ({name})")
    return 0


# --- graph -------------------------------------------------------------------------------


def _assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    name = unicodedata.normalize("NFKC", name.strip())  # as Python reads names (bold x is x)
    if not sep or not name.isidentifier():
        raise UsageError(f"--set takes NAME=NUMBER, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"--set {name}: {number!r} is not a number") from None
    return name, value


def run_graph(args: argparse.Namespace) -> int:
    out = None if args.out is None else _picture_file(args.out)
    values = dict(_assignment(a) for a in args.set)
    try:
        root, leaves = build(args.expression, values)
    except ExpressionError as error:
        raise UsageError(f"cannot use the expression: {error}") from None
    unused = sorted(set(values) - set(leaves))
    if unused:
        raise UsageError(f"--set {unused[0]}: the expression has no variable {unused[0]}")
    root.label = root.label or "out"
    root.backward()
    print(f"{args.expression} = {format_number(root.data)}")
    for name, leaf in leaves.items():
        print(f"  d/d{name} = {format_number(leaf.grad)}")
    if out is not None:
        from micrograd_plus.viz import RendererNotFound, render, to_dot, write_stepper

        try:
            if out.suffix.lower() == ".html":
                print(f"wrote {write_stepper(root, out, title=args.expression)}")
            else:
                print(f"wrote {render(to_dot(root), out)}")
        except (ValueError, RendererNotFound) as error:
            raise UsageError(f"--out {out}: {error}") from None
    return 0


def _expression_last(argv: list[str]) -> list[str]:
    """``graph -x*w --set x=1``: an expression that starts with "-" is moved behind
    ``--``, so that it is not taken for an option."""
    if not argv or argv[0] != "graph":
        return argv
    rest, i = argv[1:], 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            return argv
        if token in ("--set", "--out"):
            i += 2
            continue
        if token.startswith("-") and not token.startswith(("--set=", "--out=", "-h", "--help")):
            return ["graph", *rest[:i], *rest[i + 1 :], "--", token]
        if not token.startswith("-"):
            return argv
        i += 1
    return argv


# --- train -------------------------------------------------------------------------------


def _layers(text: str) -> list[int]:
    parts = text.split(",")
    if not all(re.fullmatch(r"[0-9]{1,9}", part.strip()) for part in parts):
        raise UsageError(f"--layers takes positive whole numbers like 16,16, got {text!r}")
    sizes = [int(part) for part in parts]
    if min(sizes) < 1:
        raise UsageError(f"--layers takes positive whole numbers like 16,16, got {text!r}")
    return sizes


def _model_for(args: argparse.Namespace, X: np.ndarray, y: np.ndarray) -> MLP:
    if args.load:
        try:
            model = MLP.from_file(args.load)
        except ValueError as error:
            raise UsageError(f"--load: {error}") from None
        if model.nin != X.shape[1]:
            raise UsageError(
                f"--load: the model takes {model.nin} inputs but {args.data} has {X.shape[1]}"
            )
        return model
    outputs = int(y.max()) + 1 if args.loss == "cross_entropy" else 1
    try:
        return MLP(X.shape[1], [*_layers(args.layers), outputs], args.activation, seed=args.seed)
    except ValueError as error:
        raise UsageError(f"--layers {args.layers}: {error}") from None


def run_train(args: argparse.Namespace) -> int:
    regression = args.data == "sine"
    if regression != (args.loss in ("mse", "mae")):
        kind = "a regression loss (mse, mae)" if regression else "a classification loss"
        raise UsageError(f"--data {args.data} needs {kind}, not --loss {args.loss}")
    _layers(args.layers)  # checked before any work
    out = _folder("--out", args.out)
    make = DATA[args.data]
    try:
        X, y = make(seed=args.seed) if args.data == "xor" else make(args.samples, seed=args.seed)
    except ValueError as error:
        raise UsageError(f"--samples {args.samples}: {error}") from None
    model = _model_for(args, X, y)
    try:
        check_fit(model, args.loss, y)
    except ValueError as error:
        raise UsageError(f"--data {args.data} --loss {args.loss}: {error}") from None
    out.mkdir(parents=True, exist_ok=True)
    optimizer = OPTIMIZERS[args.optim](model.parameters(), lr=args.lr)
    print(f"training {model!r} on {args.data} ({len(X)} points), {args.loss} loss, {args.optim}")
    history = train(
        model, X, y, loss=args.loss, optimizer=optimizer, steps=args.steps, engine=args.engine
    )
    print(f"final loss {history.loss[-1]:.4g}")
    blew_up = next((i for i, v in enumerate(history.loss) if not math.isfinite(v)), None)
    if blew_up is not None:
        print(
            f"the loss became {history.loss[blew_up]} at step {blew_up + 1}: the steps are too "
            f"large for this model; try a smaller --lr (this run: {args.lr:g})"
        )
    model_path = out / "model.json"
    broken = next((name for name, p in model.named_parameters() if not math.isfinite(p.data)), "")
    if broken:  # a model file that load would refuse is never written over a good one
        kept = "keeps the model it had" if model_path.exists() else "was not written"
        value = model.state_dict()[broken]
        print(f"parameter {broken} is {value}: the model is not saved ({model_path} {kept})")
        _loss_picture(args, history, out)
        return DIVERGED
    if not regression:
        print(f"train accuracy {accuracy(model, X, y, args.loss, engine=args.engine):.1%}")
    model.save(model_path)
    print(f"wrote {model_path}")
    _pictures(args, model, X, y, history, out)
    return 0


def _loss_picture(args: argparse.Namespace, history: Any, out: Path) -> None:
    from micrograd_plus import plots

    path = out / f"loss.{args.format}"
    plots.loss_curve(history, path, title=f"{args.data}: loss")
    print(f"wrote {path}")


def _pictures(
    args: argparse.Namespace, model: MLP, X: np.ndarray, y: np.ndarray, history: Any, out: Path
) -> None:
    from micrograd_plus import plots
    from micrograd_plus.viz import RendererNotFound, draw_network, render

    _loss_picture(args, history, out)
    if args.data == "sine":
        fitted = outputs(model, X, engine="tape")
        path = out / f"fit.{args.format}"
        plots.fitted_curves(X, y, {args.loss: fitted}, path, title="fit")
    else:
        path = out / f"boundary.{args.format}"
        plots.decision_boundary(model, X, y, path, loss=args.loss, title=args.data)
    print(f"wrote {path}")
    try:
        print(f"wrote {render(draw_network(model), out / 'network.svg')}")
    except (RendererNotFound, ValueError) as error:  # no renderer, or too big to draw
        print(f"(no network picture: {error})")


# --- the command -------------------------------------------------------------------------


def parser() -> Parser:
    def command(name: str, help: str) -> Parser:
        return commands.add_parser(
            name, help=help, formatter_class=argparse.ArgumentDefaultsHelpFormatter
        )

    top = Parser(prog="micrograd-plus", description="micrograd_plus: see autograd at work.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = command("demo", "list the lecture demos, or run one")
    demo.add_argument("name", nargs="?", help="the demo to run; none: list them")
    demo.add_argument(
        "--out", help="folder for its pictures, made if missing (none: micrograd-plus-out/NAME)"
    )
    demo.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, help="random seed")
    demo.add_argument("--quick", action="store_true", help="small sizes, for a quick check")
    demo.add_argument("--full", action="store_true", help="the full sizes (takes longer)")
    demo.add_argument(
        "--format", choices=FIGURE_FORMATS, default="png", help="how figures are saved"
    )
    demo.set_defaults(run=run_demo)

    notebooks = command("notebooks", "write every demo as a Jupyter notebook")
    notebooks.add_argument("folder", help="where to write them, made if missing")
    notebooks.set_defaults(run=run_notebooks)

    graph = command("graph", "build an expression, backpropagate, draw it")
    graph.add_argument("expression", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
    graph.add_argument(
        "--set", action="append", default=[], metavar="NAME=NUMBER", help="a variable's value"
    )
    graph.add_argument(
        "--out",
        help="picture (.svg .png .jpg .pdf .dot) or stepper page (.html), in a folder "
        "that exists (none: print only)",
    )
    graph.set_defaults(run=run_graph)

    fit = command("train", "train an MLP on a toy data set")
    fit.epilog = (
        "exit status: 0 trained and saved; 1 the run diverged to a parameter that is inf "
        "or nan, so model.json was not written (an existing one is kept); 2 bad arguments"
    )
    fit.add_argument("--data", choices=sorted(DATA), default="moons", help="the data set")
    fit.add_argument("--samples", type=_whole(1, datasets.MAX_SAMPLES), default=100, help="points")
    fit.add_argument("--layers", default="16,16", help="hidden layer sizes, e.g. 16,16")
    fit.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default="relu",
        help="of the hidden layers",
    )
    fit.add_argument("--loss", choices=LOSS_NAMES, default="bce", help="the loss")
    fit.add_argument("--optim", choices=sorted(OPTIMIZERS), default="adam", help="the optimizer")
    fit.add_argument("--lr", type=_positive_number, default=0.05, help="learning rate")
    fit.add_argument("--steps", type=_whole(1, MAX_STEPS), default=100, help="optimizer steps")
    fit.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, help="random seed")
    fit.add_argument(
        "--out",
        default="micrograd-plus-out/train",
        help="folder for model.json and the pictures, made if missing",
    )
    fit.add_argument("--load", help="continue from a model.json written by an earlier run")
    fit.add_argument(
        "--engine",
        choices=ENGINES,
        default="tape",
        help="tape: one sample's graph replayed over the batch with numpy; scalar: one "
        "graph per sample, as micrograd",
    )
    fit.add_argument(
        "--format", choices=FIGURE_FORMATS, default="png", help="how figures are saved"
    )
    fit.set_defaults(run=run_train)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a console that cannot print a character
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = parser().parse_args(_expression_last(list(sys.argv[1:] if argv is None else argv)))
        return int(args.run(args))
    except UsageError as error:
        print(f"micrograd-plus: error: {_one_line(str(error))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away, as in `micrograd-plus demo | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # a file that cannot be written: an unwritable --out
        where = f" {error.filename}" if error.filename else ""
        print(f"micrograd-plus: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return 2
    except NotARegularFile as error:  # --out names a device, a pipe, a socket
        print(f"micrograd-plus: error: cannot write: {_one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("micrograd-plus: interrupted", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
