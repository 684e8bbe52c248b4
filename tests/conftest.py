"""Shared test helpers and settings."""

from __future__ import annotations

import base64
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from micrograd_plus import Value
from micrograd_plus.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from micrograd_plus.nn import Perceptron
from micrograd_plus.ops import OPS

# Example counts stay small enough for the whole suite to run in a few minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough runs many more.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def assert_inputs_first(order: list[Value]) -> None:
    """Every node appears exactly once, after every one of its inputs."""
    position = {}
    for i, node in enumerate(order):
        assert node not in position, f"{node!r} appears twice in the order"
        position[node] = i
    for node in order:
        for inp in node.inputs:
            assert inp in position, f"input {inp!r} of {node!r} is missing from the order"
            assert position[inp] < position[node], f"{inp!r} comes after {node!r}, which uses it"


def pytest_collection_modifyitems(config: object, items: list[Any]) -> None:
    """Tests marked needs_dot skip cleanly where Graphviz's dot program is not on PATH."""
    if shutil.which("dot"):
        return
    skip = pytest.mark.skip(reason="Graphviz's dot program is not on PATH")
    for item in items:
        if "needs_dot" in item.keywords:
            item.add_marker(skip)


def frame_numbers(text: str, dtype: str = "<f4") -> np.ndarray:
    """Numbers a playground frame sends as base64: float32 (parameters, gradients), or
    bytes ``"u1"`` (maps)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def python_prints(code: str) -> str:
    """What a fresh Python prints running ``code`` (what importing loads, or draws, is
    seen only in a process of its own)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout


def char_device(path: Path, minor: int) -> Path:
    """A character device at ``path``, under the test's tmp_path: minor 3 is like /dev/null,
    5 like /dev/zero (mknod needs root; without it the test is skipped). Tests never name
    /dev itself: as root, a writer that failed to refuse would replace the real device."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("mknod needs root")
    return path


def readme_neuron() -> tuple[Value, list[Value]]:
    """The README's neuron o = tanh(x1*w1 + x2*w2 + b), n and o labelled, before backward;
    and its leaves x1, x2, w1, w2, b."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


# The binary operators, written once for Values, floats and tensors alike.
BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}

# How the engine makes each op of the table of ops (micrograd_plus.ops) from two Values a
# and b: the engine's methods, the perceptron's step and the losses' ops.
OP_BUILDERS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "neg": lambda a, b: -a,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "**n": lambda a, b: a**2.5,
    "sum": lambda a, b: Value.sum([a, b, a]),
    "max": lambda a, b: OPS["max"](a, b, a),  # softmax's shift
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "leaky_relu": lambda a, b: a.leaky_relu(0.2),
    "abs": lambda a, b: a.abs(),
    "step": lambda a, b: Perceptron.step(a),
    "bce": lambda a, b: binary_cross_entropy(a, b),
    "bce_with_logits": lambda a, b: binary_cross_entropy_with_logits(a, b),
}


def svg_texts(svg: bytes | str) -> list[str]:
    """The text a person reads in an SVG, one entry per <text> element."""
    root = ET.fromstring(svg.encode() if isinstance(svg, str) else svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def one(output: Value | list[Value]) -> Value:
    """A model's output for one sample where it has one output: the Value itself."""
    assert isinstance(output, Value), f"expected one output, got {output!r}"
    return output


def reads(texts: Iterable[str], prefix: str) -> list[float]:
    """The numbers a person reads after ``prefix`` in a picture's texts ("z = 0.85" after
    "z =" is 0.85): checked against the value, never against the package's formatter."""
    pattern = re.escape(prefix) + r"\s*(-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|inf)|nan)"
    return [float(m.group(1)) for text in texts for m in re.finditer(pattern, text)]


def shows(texts: Iterable[str], prefix: str, value: float) -> bool:
    """Whether ``prefix`` is followed somewhere by ``value`` to the 4 digits shown."""
    return any(
        math.isclose(x, value, rel_tol=5e-4, abs_tol=1e-12) or x == value == 0
        for x in reads(texts, prefix)
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system Chromium, driven by Playwright (no browser download): one per test module."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("Chromium is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=args)
        yield launched
        launched.close()
