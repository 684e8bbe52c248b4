"""The ``micrograd-plus`` command: lecture demos, a graph of any expression, training.

    micrograd-plus demo                      list the demos
    micrograd-plus demo moons [--out DIR]    run one, writing its pictures to DIR
    micrograd-plus graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --out n.svg
    micrograd-plus train --data moons --layers 16,16 --loss bce --steps 300 --out DIR

Bad arguments end with status 2 and one line saying what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from micrograd_plus import datasets, lecture
from micrograd_plus.expression import ExpressionError, build
from micrograd_plus.floats import format_number
from micrograd_plus.nn import ACTIVATIONS, MLP
from micrograd_plus.optim import SGD, Adam, Optimizer, RMSprop
from micrograd_plus.plots import MissingExtra
from micrograd_plus.training import LOSS_NAMES, accuracy, predict, train

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


class UsageError(Exception):
    """A bad argument: reported in one line, with exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


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
    out = Path(args.out) if args.out else Path("micrograd-plus-out") / args.name
    os.environ[lecture.OUT] = str(out)
    os.environ[lecture.SEED] = str(args.seed)
    if args.quick:
        os.environ[lecture.QUICK] = "1"
    print(f"demo {args.name}: {demo_summary(demos[args.name])}")
    runpy.run_path(str(demos[args.name]), run_name="__main__")
    return 0


# --- graph -------------------------------------------------------------------------------


def _assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise UsageError(f"--set takes NAME=NUMBER, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"--set {name.strip()}: {number!r} is not a number") from None
    return name.strip(), value


def run_graph(args: argparse.Namespace) -> int:
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
    if args.out:
        from micrograd_plus.viz import render, to_dot, write_stepper

        out = Path(args.out)
        if out.suffix.lower() == ".html":
            print(f"wrote {write_stepper(root, out, title=args.expression)}")
        else:
            print(f"wrote {render(to_dot(root), out)}")
    return 0


# --- train -------------------------------------------------------------------------------


def _layers(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        if not part.strip().isdigit() or int(part) < 1:
            raise UsageError(f"--layers takes positive whole numbers like 16,16, got {text!r}")
        sizes.append(int(part))
    return sizes


def _model_for(args: argparse.Namespace, X: np.ndarray, y: np.ndarray) -> MLP:
    if args.load:
        try:
            model = MLP.from_file(args.load)
        except FileNotFoundError:
            raise UsageError(f"--load: no file {args.load}") from None
        except ValueError as error:
            raise UsageError(f"--load: {error}") from None
        if model.nin != X.shape[1]:
            raise UsageError(
                f"--load: the model takes {model.nin} inputs but {args.data} has {X.shape[1]}"
            )
        return model
    outputs = int(y.max()) + 1 if args.loss == "cross_entropy" else 1
    return MLP(X.shape[1], [*_layers(args.layers), outputs], args.activation, seed=args.seed)


def run_train(args: argparse.Namespace) -> int:
    if not args.lr > 0 or not math.isfinite(args.lr):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    if args.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {args.steps}")
    regression = args.data == "sine"
    if regression != (args.loss in ("mse", "mae")):
        kind = "a regression loss (mse, mae)" if regression else "a classification loss"
        raise UsageError(f"--data {args.data} needs {kind}, not --loss {args.loss}")
    _layers(args.layers)  # checked before any work
    out = Path(args.out)
    make = DATA[args.data]
    try:
        X, y = make(seed=args.seed) if args.data == "xor" else make(args.samples, seed=args.seed)
    except ValueError as error:
        raise UsageError(f"--samples: {error}") from None
    model = _model_for(args, X, y)
    out.mkdir(parents=True, exist_ok=True)
    optimizer = OPTIMIZERS[args.optim](model.parameters(), lr=args.lr)
    print(f"training {model!r} on {args.data} ({len(X)} points), {args.loss} loss, {args.optim}")
    history = train(model, X, y, loss=args.loss, optimizer=optimizer, steps=args.steps)
    print(f"final loss {history.loss[-1]:.4g}")
    if not regression:
        print(f"train accuracy {accuracy(model, X, y, args.loss):.1%}")
    model_path = out / "model.json"
    model.save(model_path)
    print(f"wrote {model_path}")
    _pictures(args, model, X, y, history, out)
    return 0


def _pictures(
    args: argparse.Namespace, model: MLP, X: np.ndarray, y: np.ndarray, history: Any, out: Path
) -> None:
    from micrograd_plus import plots
    from micrograd_plus.viz import RendererNotFound, draw_network, render

    try:
        print(f"wrote {plots.loss_curve(history, out / 'loss.png', title=f'{args.data}: loss')}")
        if args.data == "sine":
            fitted = [out_value.data for out_value in predict(model, X)]
            path = plots.fitted_curves(X, y, {args.loss: fitted}, out / "fit.png", title="fit")
        else:
            path = plots.decision_boundary(model, X, y, out / "boundary.png", loss=args.loss)
        print(f"wrote {path}")
    except MissingExtra as error:
        print(f"(no plots: {error})")
    try:
        print(f"wrote {render(draw_network(model), out / 'network.svg')}")
    except RendererNotFound as error:
        print(f"(no network picture: {error})")


# --- the command -------------------------------------------------------------------------


def parser() -> Parser:
    top = Parser(prog="micrograd-plus", description="micrograd_plus: see autograd at work.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = commands.add_parser("demo", help="list the lecture demos, or run one")
    demo.add_argument("name", nargs="?", help="the demo to run")
    demo.add_argument("--out", help="folder for its pictures (default micrograd-plus-out/NAME)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quick", action="store_true", help="small sizes, for a quick check")
    demo.set_defaults(run=run_demo)

    graph = commands.add_parser("graph", help="build an expression, backpropagate, draw it")
    graph.add_argument("expression", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
    graph.add_argument("--set", action="append", default=[], metavar="NAME=NUMBER")
    graph.add_argument("--out", help="picture (.svg .png .pdf .dot) or stepper (.html)")
    graph.set_defaults(run=run_graph)

    fit = commands.add_parser("train", help="train an MLP on a toy data set")
    fit.add_argument("--data", choices=sorted(DATA), default="moons")
    fit.add_argument("--samples", type=int, default=100)
    fit.add_argument("--layers", default="16,16", help="hidden layer sizes, e.g. 16,16")
    fit.add_argument(
        "--activation", choices=[a for a in ACTIVATIONS if a != "linear"], default="relu"
    )
    fit.add_argument("--loss", choices=LOSS_NAMES, default="bce")
    fit.add_argument("--optim", choices=sorted(OPTIMIZERS), default="adam")
    fit.add_argument("--lr", type=float, default=0.05)
    fit.add_argument("--steps", type=int, default=300)
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--out", default="micrograd-plus-out/train")
    fit.add_argument("--load", help="continue from a model.json written by an earlier run")
    fit.set_defaults(run=run_train)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        return int(args.run(args))
    except UsageError as error:
        print(f"micrograd-plus: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("micrograd-plus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away, as in `micrograd-plus demo | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
