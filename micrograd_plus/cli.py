"""The ``micrograd-plus`` command: it parses the arguments and hands each command to the
module that does the work (``lecture`` for demos and notebooks, ``expression`` and
``viz`` for graphs, ``runs`` for training).

    micrograd-plus demo                      list the demos
    micrograd-plus demo moons [--out DIR]    run one, writing its pictures to DIR
    micrograd-plus notebooks DIR             every demo as a Jupyter notebook
    micrograd-plus graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --out n.svg
    micrograd-plus train --data moons --layers 16,16 --loss bce --steps 100 --out DIR
    micrograd-plus playground [--port N] [--link URL] [--no-browser]   watch a network learn
    micrograd-plus gpt-live [--port N] [--steps N] [--no-browser]     watch a GPT learn names

Bad arguments end with status 2 and one line saying what is wrong, never a traceback.
Heavy modules (matplotlib, the pictures, training) are imported by the command that
uses them, so ``micrograd-plus demo`` lists at once.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from micrograd_plus._checks import positive_number_text, whole_number_text
from micrograd_plus._files import FIGURE_FORMATS, NotARegularFile

__all__ = ["main"]

MAX_STEPS = 1_000_000
MAX_SEED = 2**32 - 1
PICTURE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".pdf", ".dot", ".html")
# The names the train command offers; runs.py, nn.py and training.py hold what they mean
# (a test checks that the two agree).
DATA_NAMES = ("blobs", "circles", "moons", "sine", "spirals", "xor")
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
LOSS_NAMES = ("mse", "mae", "bce", "cross_entropy", "hinge")
OPTIMIZER_NAMES = ("adam", "rmsprop", "sgd")
ENGINE_NAMES = ("tape", "scalar")
MAX_SAMPLES = 1_000_000  # datasets.MAX_SAMPLES


class UsageError(Exception):
    """A bad argument: reported in one line, with exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


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


def _layers(text: str) -> list[int]:
    parts = text.split(",")
    if not all(re.fullmatch(r"[0-9]{1,9}", part.strip()) for part in parts):
        raise UsageError(f"--layers takes positive whole numbers like 16,16, got {text!r}")
    sizes = [int(part) for part in parts]
    if min(sizes) < 1:
        raise UsageError(f"--layers takes positive whole numbers like 16,16, got {text!r}")
    return sizes


# --- the commands --------------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    from micrograd_plus import lecture

    demos = lecture.demo_files()
    if not args.name:
        print("demos (run one with: micrograd-plus demo NAME [--out DIR] [--seed N]):")
        for name, path in demos.items():
            print(f"  {name:<12} {lecture.demo_summary(path)}")
        return 0
    if args.name not in demos:
        raise UsageError(f"no demo named {args.name!r}; the demos are: {', '.join(demos)}")
    out = None if args.out is None else _folder("--out", args.out)
    print(f"demo {args.name}: {lecture.demo_summary(demos[args.name])}")
    lecture.run_demo(
        args.name, out=out, seed=args.seed, quick=args.quick, full=args.full, format=args.format
    )
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    from micrograd_plus import lecture

    for name, path in lecture.write_notebooks(_folder("folder", args.folder)):
        print(f"wrote {path}  ({name})")
    return 0


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
    from micrograd_plus.expression import ExpressionError, build
    from micrograd_plus.floats import format_number

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


def run_train(args: argparse.Namespace) -> int:
    from micrograd_plus import runs
    from micrograd_plus.losses import named_loss
    from micrograd_plus.nn import MLP
    from micrograd_plus.training import check_fit

    regression = args.data in runs.REGRESSION
    if regression != named_loss(args.loss).regression:
        kind = "a regression loss (mse, mae)" if regression else "a classification loss"
        raise UsageError(f"--data {args.data} needs {kind}, not --loss {args.loss}")
    sizes = _layers(args.layers)  # checked before any work
    out = _folder("--out", args.out)
    make = runs.DATA[args.data]
    try:
        X, y = make(seed=args.seed) if args.data == "xor" else make(args.samples, seed=args.seed)
    except ValueError as error:
        raise UsageError(f"--samples {args.samples}: {error}") from None
    try:
        if args.load:
            model = MLP.from_file(args.load)
        else:
            outputs = int(y.max()) + 1 if named_loss(args.loss).reads == "softmax" else 1
            model = MLP(X.shape[1], [*sizes, outputs], args.activation, seed=args.seed)
    except ValueError as error:
        option = f"--load: {error}" if args.load else f"--layers {args.layers}: {error}"
        raise UsageError(option) from None
    if model.nin != X.shape[1]:
        raise UsageError(
            f"--load: the model takes {model.nin} inputs but {args.data} has {X.shape[1]}"
        )
    try:
        check_fit(model, args.loss, y)
    except ValueError as error:
        raise UsageError(f"--data {args.data} --loss {args.loss}: {error}") from None
    try:
        return runs.train_and_write(
            model, X, y, out, data=args.data, loss=args.loss, optimizer=args.optim,
            lr=args.lr, steps=args.steps, engine=args.engine, format=args.format,
        )  # fmt: skip
    except MemoryError:  # nothing was written: model.json is written whole or not at all
        raise UsageError(
            f"out of memory training a {len(model.parameters()):,}-parameter model on "
            f"{len(X):,} points: use fewer --samples or smaller --layers"
        ) from None


def run_playground(args: argparse.Namespace) -> int:
    from micrograd_plus.playground.server import PlaygroundServer
    from micrograd_plus.playground.settings import from_hash

    link = args.link.partition("#")[2] if "#" in args.link else args.link
    try:
        from_hash(link)  # refused here, in one line, rather than on the page
    except ValueError as error:
        raise UsageError(f"--link: {error}") from None
    hash_ = f"#{link}" if link else ""
    return _serve(args, "playground", lambda: PlaygroundServer(args.port), hash_)


def run_gpt_live(args: argparse.Namespace) -> int:
    from micrograd_plus.gpt_live.server import GPTLiveServer

    return _serve(args, "GPT live view", lambda: GPTLiveServer(args.port, steps=args.steps))


def _serve(args: argparse.Namespace, what: str, make: Callable[[], Any], tail: str = "") -> int:
    """A page's server on 127.0.0.1 (``make()``): its address printed (and opened), served
    until Ctrl-C."""
    import webbrowser

    try:
        server = make()
    except OSError as error:
        raise UsageError(f"--port {args.port}: {error.strerror or error}") from None
    url = server.url + tail
    print(f"{what} at {url}  (Ctrl-C stops it)", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"{what} stopped")
    finally:
        server.shutdown()
    return 0


# --- the parser ----------------------------------------------------------------------------


def parser() -> Parser:
    def command(name: str, help: str) -> Parser:
        return commands.add_parser(
            name, help=help, formatter_class=argparse.ArgumentDefaultsHelpFormatter
        )

    top = Parser(prog="micrograd-plus", description="micrograd_plus: see autograd at work.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    def seed_and_format(command: Parser) -> None:
        command.add_argument(
            "--seed", type=whole_number_text(0, MAX_SEED), default=0, help="random seed"
        )
        command.add_argument(
            "--format", choices=FIGURE_FORMATS, default="png", help="how figures are saved"
        )

    demo = command("demo", "list the lecture demos, or run one")
    demo.add_argument("name", nargs="?", help="the demo to run; none: list them")
    demo.add_argument(
        "--out", help="folder for its pictures, made if missing (none: micrograd-plus-out/NAME)"
    )
    demo.add_argument("--quick", action="store_true", help="small sizes, for a quick check")
    demo.add_argument("--full", action="store_true", help="the full sizes (takes longer)")
    seed_and_format(demo)
    demo.set_defaults(run=run_demo)

    notebooks = command("notebooks", "write every demo as a Jupyter notebook")
    notebooks.add_argument("folder", help="where to write them, made if missing")
    notebooks.set_defaults(run=run_notebooks)

    graph = command("graph", "build an expression, backpropagate, draw it")
    graph.add_argument(
        "expression", nargs="?", help='e.g. "tanh(x1*w1 + x2*w2 + b)"; may start with -'
    )
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
    fit.add_argument("--data", choices=DATA_NAMES, default="moons", help="the data set")
    fit.add_argument(
        "--samples", type=whole_number_text(1, MAX_SAMPLES), default=100, help="points"
    )
    fit.add_argument("--layers", default="16,16", help="hidden layer sizes, e.g. 16,16")
    fit.add_argument(
        "--activation", choices=ACTIVATION_NAMES, default="relu", help="of the hidden layers"
    )
    fit.add_argument("--loss", choices=LOSS_NAMES, default="bce", help="the loss")
    fit.add_argument("--optim", choices=OPTIMIZER_NAMES, default="adam", help="the optimizer")
    fit.add_argument("--lr", type=positive_number_text, default=0.05, help="learning rate")
    fit.add_argument(
        "--steps", type=whole_number_text(1, MAX_STEPS), default=100, help="optimizer steps"
    )
    fit.add_argument(
        "--out",
        default="micrograd-plus-out/train",
        help="folder for model.json and the pictures, made if missing",
    )
    fit.add_argument("--load", help="continue from a model.json written by an earlier run")
    fit.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default="tape",
        help="tape: one sample's graph replayed over the batch with numpy; scalar: one "
        "graph per sample, as micrograd",
    )
    seed_and_format(fit)
    fit.set_defaults(run=run_train)

    def served(name: str, help: str) -> Parser:  # a page from a server on this machine
        page = command(name, help)
        page.add_argument(
            "--port",
            type=whole_number_text(0, 65535),
            default=0,
            help="port on 127.0.0.1 (0: any free one)",
        )
        page.add_argument("--no-browser", action="store_true", help="print the address only")
        return page

    live = served("playground", "watch a network learn, live, in the browser")
    live.add_argument(
        "--link",
        default="",
        help="a TF Playground link (or its hash): the page opens with its settings",
    )
    live.set_defaults(run=run_playground)

    gpt = served("gpt-live", "watch a GPT learn names, live, in the browser")
    gpt.add_argument(
        "--steps",
        type=whole_number_text(1, 100_000),
        default=1000,
        help="the run's length: the learning rate falls to 0 there (default 1000)",
    )
    gpt.set_defaults(run=run_gpt_live)
    return top


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The arguments, with a graph's expression that starts with "-" (``-x*w``) taken as
    the expression, not as an unknown option."""
    args, extra = parser().parse_known_args(list(argv))
    if args.command == "graph" and args.expression is None and len(extra) == 1:
        args.expression, extra = extra[0], []
    if extra:
        raise UsageError(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "graph" and args.expression is None:
        raise UsageError('graph needs an expression, such as "tanh(x*w + b)"')
    return args


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a console that cannot print a character
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
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
