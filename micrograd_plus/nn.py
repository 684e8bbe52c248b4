"""Neurons, layers and multi-layer perceptrons made of Values, and the classic perceptron.

A neuron computes  f(w . x + b)  for an activation f; a layer is neurons side by side,
each seeing the same inputs; an MLP is layers in a row, each feeding the next.
Every weight and bias is a leaf Value (a ``Parameter``: its numbers live in one array
for the whole model, so that a layer's weights are also a matrix), and after
``loss.backward()`` each one's ``grad`` holds d(loss)/d(parameter), ready for an
optimizer.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus._checks import whole_number
from micrograd_plus._files import write_atomic
from micrograd_plus.engine import Value, as_value, op_result
from micrograd_plus.parameters import new_parameters, pack

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "Perceptron", "short_name"]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "linear": None,
}

Seed = int | np.random.Generator | None


def _generator(seed: Seed) -> np.random.Generator:
    """The random numbers a module starts from: from ``seed``, or with none, from Python's
    ``random`` module, so that ``random.seed(1337)`` repeats a notebook as in micrograd."""
    if seed is None:
        seed = random.getrandbits(64)
    return np.random.default_rng(seed)


# A scalar engine takes minutes per step beyond this; a file or a command asking for more
# is refused before anything is built.
MAX_PARAMETERS = 1_000_000
MAX_FILE_BYTES = 50_000_000
Inputs = Sequence[Value | float] | np.ndarray


def _activation_name(activation: str | None) -> str:
    name = "linear" if activation is None else activation
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}: expected one of {', '.join(ACTIVATIONS)} or None"
        )
    return name


def input_values(x: Inputs | Value | float, nin: int, who: str) -> list[Value]:
    """The inputs as Values, after checking that there are ``nin`` of them."""
    if isinstance(x, Value | numbers.Real):
        x = [x]
    elif isinstance(x, np.ndarray):
        if x.ndim > 1:
            raise ValueError(
                f"{who} takes one sample, {nin} numbers; got an array of shape {x.shape}: "
                "loop over its rows ([model(row) for row in X]), or use "
                "training.outputs(model, X, engine='tape') for a whole batch"
            )
        x = x.ravel().tolist()
    if not isinstance(x, Sequence) or isinstance(x, str):
        raise TypeError(f"{who} expects a sequence of {nin} numbers, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    return [as_value(v, f"x{i}") for i, v in enumerate(x)]


class Module:
    """A model: called on one sample, it returns its outputs; it lists its parameters,
    zeroes their gradients, saves and loads them.

    Every module says how many inputs it takes (``nin``), how many numbers it returns per
    sample (``nout``: one output is a Value, several a list), and the activation its
    outputs come from (``output_activation``: "linear" for raw scores or logits, "sigmoid"
    for probabilities, "step" for a perceptron's 0 or 1), which is how a loss, the
    accuracy and the pictures read them.
    """

    nin: int
    nout: int
    output_activation: str

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The outputs for one sample x: a Value when ``nout`` is 1, else a list."""
        raise NotImplementedError

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a fixed order, e.g. ``layers.0.neurons.3.w.1``."""
        return []

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Each parameter's value by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``; if it does not fit, change nothing.

        Raises ``ValueError`` naming the missing and unexpected names, or the first
        entry that is not a real number.
        """
        if not isinstance(state, Mapping):
            raise ValueError(f"expected a mapping of names to numbers, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        if missing or unexpected:
            raise ValueError(
                f"the state does not fit {self!r}: "
                f"missing {_few(missing)}; unexpected {_few(unexpected)}"
            )
        numbers_by_name = {name: _finite(name, state[name]) for name in params}
        for name, p in params.items():  # every value checked: now nothing can fail
            p.data = numbers_by_name[name]

    def to_json(self) -> str:
        """The model file's text: its parameters (and shape) as JSON.

        A parameter that is inf or nan (what a diverged run leaves) is a ``ValueError``
        naming it: JSON has no such numbers, and ``load`` would refuse the file."""
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(
                    f"cannot save {self!r}: parameter {name} is {p.data}, and a model file "
                    "holds finite numbers only (the training run diverged?)"
                )
        document = {
            "format": "micrograd_plus",
            "version": 1,
            "module": repr(self),
            "config": self.config(),
            "parameters": self.state_dict(),
        }
        return json.dumps(document, indent=1, allow_nan=False)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``to_json()`` to ``path``: the whole file, or nothing (and nothing at all
        for a model with an inf or nan parameter)."""
        write_atomic(path, self.to_json())

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by ``save``; a file that does not fit changes nothing."""
        self.load_state_dict(read_model_file(path)["parameters"])

    def config(self) -> dict[str, Any] | None:
        """The arguments that rebuild this module's shape, saved beside its parameters."""
        return None


def short_name(name: str) -> str:
    """A Module's parameter name, short and grouped by neuron, counting layers and neurons
    from 1 and weights from 0 (weight j meets input x_j): ``layers.0.neurons.1.w.0`` ->
    ``L1.N2.w0``; ``neurons.2.b`` -> ``N3.b``; ``w.1`` -> ``w1``."""
    parts = name.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        index = parts[i + 1] if i + 1 < len(parts) and parts[i + 1].isdigit() else None
        if index is not None and part in ("layers", "neurons"):
            out.append(f"{part[0].upper()}{int(index) + 1}")
            i += 2
        elif index is not None and part == "w":
            out.append(f"w{index}")
            i += 2
        else:
            out.append(part)
            i += 1
    return ".".join(out)


def _check_size(parameters: int) -> None:
    if parameters > MAX_PARAMETERS:
        raise ValueError(
            f"that model would have {parameters:,} parameters, more than the "
            f"{MAX_PARAMETERS:,} a scalar engine can train"
        )


def _finite(name: str, number: object) -> float:
    """A parameter's value from a file: a finite real number, or a ValueError naming it."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(f"parameter {name!r} must be a number, got {number!r}"[:200])
    try:
        value = float(number)
    except OverflowError:  # a whole number too large for a float
        raise ValueError(f"parameter {name!r} is too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"parameter {name!r} must be finite, got {value!r}")
    return value


def read_model_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A file written by ``Module.save``, parsed; ``ValueError`` if it is not one.

    Only a regular file of at most 50 MB is read: never a folder, a pipe or a device.
    """
    try:
        info = os.stat(path)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file (a model file is a .json file)")
    if info.st_size > MAX_FILE_BYTES:
        raise ValueError(
            f"{path} is {info.st_size:,} bytes, more than a model file may be ({MAX_FILE_BYTES:,})"
        )
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(MAX_FILE_BYTES + 1)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a micrograd_plus model file: not text") from None
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a micrograd_plus model file: not JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{path} is not a micrograd_plus model file: nested too deep") from None
    if not isinstance(document, dict) or document.get("format") != "micrograd_plus":
        raise ValueError(f"{path} is not a micrograd_plus model file: no 'format' field")
    if not isinstance(document.get("parameters"), dict):
        raise ValueError(f"{path} has no 'parameters' mapping")
    return document


def _few(names: list[str], limit: int = 5) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


class Neuron(Module):
    """f(w . x + b): a weighted sum of the inputs plus a bias, through an activation f.

    Weights and bias start uniform in [-1/sqrt(nin), 1/sqrt(nin)], as in
    ``torch.nn.Linear``.
    """

    def __init__(self, nin: int, activation: str | None = "relu", seed: Seed = None) -> None:
        _check_size(whole_number("nin", nin, 1) + 1)
        self.nin, self.nout = nin, 1
        self.activation = self.output_activation = _activation_name(activation)
        rng = _generator(seed)
        bound = 1 / math.sqrt(nin)
        numbers = rng.uniform(-bound, bound, nin + 1).tolist()  # w0 .. w(nin-1), then b
        *self.w, self.b = new_parameters(numbers, [*(f"w{i}" for i in range(nin)), "b"])

    def __call__(self, x: Inputs) -> Value:
        xs = input_values(x, self.nin, "this neuron")
        return self.forward(xs)

    def forward(self, xs: list[Value]) -> Value:
        """The neuron on inputs already checked and made Values: f(w . x + b)."""
        return self.activate(self.preactivation(xs))

    def preactivation(self, xs: list[Value]) -> Value:
        """w . x + b, one product per input and one sum node."""
        return Value.sum([*[w * x for w, x in zip(self.w, xs)], self.b])

    def activate(self, n: Value) -> Value:
        """The neuron's activation function applied to n."""
        f = ACTIVATIONS[self.activation]
        return n if f is None else f(n)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({self.nin} -> {self.activation}, {self.nin + 1} parameters)"


class Layer(Module):
    """``nout`` neurons, each taking all ``nin`` inputs."""

    def __init__(
        self, nin: int, nout: int, activation: str | None = "relu", seed: Seed = None
    ) -> None:
        whole_number("nout", nout, 1)
        _check_size(whole_number("nin", nin, 1) * nout + nout)
        rng = _generator(seed)
        self.nin, self.nout = nin, nout
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]
        self.activation = self.output_activation = self.neurons[0].activation
        pack(self.parameters())  # one store: the weights are a matrix in it

    def __call__(self, x: Inputs) -> list[Value]:
        return self.forward(input_values(x, self.nin, "this layer"))

    def forward(self, xs: list[Value]) -> list[Value]:
        return [neuron.forward(xs) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("neurons", self.neurons)

    def parameters(self) -> list[Value]:  # as named_parameters, without making the names
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        count = self.nout * (self.nin + 1)
        return f"Layer({self.nin} -> {self.nout} {self.activation}, {count} parameters)"


def _prefixed(field: str, modules: Iterable[Module]) -> list[tuple[str, Value]]:
    return [
        (f"{field}.{i}.{name}", p)
        for i, module in enumerate(modules)
        for name, p in module.named_parameters()
    ]


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation``; the last uses ``output_activation`` (None: linear,
    so the outputs are scores or logits). Called on one sample, it returns a Value when
    the last layer has one neuron, else a list of Values.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, str) or not isinstance(nouts, Sequence):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        sizes = [whole_number("nin", nin, 1), *(whole_number("nouts", n, 1) for n in nouts)]
        _check_size(sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(nouts))))
        rng = _generator(seed)
        activations = [activation] * (len(nouts) - 1) + [output_activation]
        self.nin = nin
        self.nouts = nouts
        self.nout = nouts[-1]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activations[i], rng) for i in range(len(nouts))
        ]
        self.activation = _activation_name(activation)
        self.output_activation = self.layers[-1].activation
        pack(self.parameters())  # one store for the model, in parameters() order

    def __call__(self, x: Inputs) -> Value | list[Value]:
        xs = input_values(x, self.nin, "this MLP")
        for layer in self.layers:
            xs = layer.forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("layers", self.layers)

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> MLP:
        """The MLP saved in ``path``: its shape from the file's config, then its parameters."""
        document = read_model_file(path)
        config = document.get("config")
        if not isinstance(config, dict) or set(config) != {
            "nin",
            "nouts",
            "activation",
            "output_activation",
        }:
            raise ValueError(f"{path} does not describe an MLP (its config is {config!r})")
        try:
            model = cls(**config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} describes no valid MLP: {error}") from None
        model.load_state_dict(document["parameters"])
        return model

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def __repr__(self) -> str:
        shape = ", ".join(f"{layer.nout} {layer.activation}" for layer in self.layers)
        return f"MLP({self.nin} -> [{shape}], {len(self.parameters())} parameters)"


class Perceptron(Module):
    """Rosenblatt's perceptron: step(w . x + b), trained by the perceptron learning rule.

    The step function is flat wherever it is defined, so its derivative is 0 and
    gradient descent cannot train it; the learning rule instead nudges the weights
    towards each misclassified sample:  w += lr * (y - prediction) * x,  b += lr * (y -
    prediction). Weights start at 0, as in the classic algorithm (or, given a seed, at
    small random numbers, so that no point ends up exactly on the line). It converges when a
    straight line can split the two classes (AND, OR), and never when none can (XOR).
    """

    def __init__(self, nin: int, seed: Seed = None) -> None:
        self.neuron = Neuron(nin, "linear", seed)
        if seed is None:  # the classic start; with a seed, small random weights
            for p in self.neuron.parameters():
                p.data = 0.0
        self.nin, self.nout = nin, 1
        self.output_activation = "step"

    def __call__(self, x: Inputs) -> Value:
        """step(w . x + b)."""
        return self.step(self.neuron(x))

    @staticmethod
    def step(z: Value) -> Value:
        """step(z) = 1.0 when z >= 0, else 0.0; flat wherever defined: local derivative 0."""
        return op_result(1.0 if z.data >= 0 else 0.0, "step", (z,), (0.0,))

    def predict(self, X: np.ndarray | Sequence[Inputs]) -> np.ndarray:
        """0 or 1 for each row of X."""
        return np.array([int(self(x).data) for x in X])

    def fit(
        self,
        X: np.ndarray | Sequence[Inputs],
        y: Sequence[int] | np.ndarray,
        epochs: int = 100,
        lr: float = 1.0,
    ) -> PerceptronFit:
        """Apply the learning rule over the data up to ``epochs`` times.

        Stops early when an epoch makes no mistake (converged), or when the weights
        after an epoch equal those after an earlier one: from there the rule repeats
        itself forever, which proves that no line separates the classes.
        """
        rows = [input_values(x, self.nin, "this perceptron") for x in X]
        labels = [int(label) for label in y]
        if len(rows) != len(labels):
            raise ValueError(f"X has {len(rows)} rows but y has {len(labels)} labels")
        if any(label not in (0, 1) for label in labels):
            raise ValueError(f"perceptron labels must be 0 or 1, got {sorted(set(labels))}")
        seen = set()
        mistakes_per_epoch: list[int] = []
        for _ in range(epochs):
            mistakes = 0
            for xs, label in zip(rows, labels):
                error = label - self(xs).data  # +1, 0 or -1
                if error:
                    mistakes += 1
                    for w, x in zip(self.neuron.w, xs):
                        w.data += lr * error * x.data
                    self.neuron.b.data += lr * error
            mistakes_per_epoch.append(mistakes)
            if mistakes == 0:
                return PerceptronFit(True, mistakes_per_epoch, cycled=False)
            weights = tuple(self.state_dict().values())
            if weights in seen:
                return PerceptronFit(False, mistakes_per_epoch, cycled=True)
            seen.add(weights)
        return PerceptronFit(False, mistakes_per_epoch, cycled=False)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return self.neuron.named_parameters()

    def __repr__(self) -> str:
        return f"Perceptron({self.nin} -> step, {self.nin + 1} parameters)"


@dataclass
class PerceptronFit:
    """What ``Perceptron.fit`` did: converged (an epoch without mistakes), the mistakes in
    each epoch, and whether the weights came back to an earlier state (a proof that the
    classes are not linearly separable)."""

    converged: bool
    mistakes_per_epoch: list[int]
    cycled: bool

    @property
    def epochs(self) -> int:
        return len(self.mistakes_per_epoch)
