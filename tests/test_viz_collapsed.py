"""A graph too big for a screen, drawn collapsed by scope: each scope one box that says
its size, what it reads and gives and the gradient that left it; edges between boxes
bundled and counted; scopes opened on request, framed."""

from __future__ import annotations

import random
import re

import pytest

from micrograd_plus import Value, scope
from micrograd_plus.functional import softmax
from micrograd_plus.losses import cross_entropy
from micrograd_plus.nn import MLP
from micrograd_plus.viz import to_dot
from micrograd_plus.viz.rendering import render_bytes

WIDTH, HEADS, POSITIONS = 8, 2, 4


def attention_loss() -> Value:
    """One attention block over a few positions, scoped as a lecture would: about 2,000
    Values, more than a picture draws one by one."""
    rng = random.Random(0)

    def matrix(n: int, k: int) -> list[list[Value]]:
        return [[Value(rng.gauss(0, 0.5)) for _ in range(k)] for _ in range(n)]

    wq, wk, wv, head = (
        matrix(WIDTH, WIDTH),
        matrix(WIDTH, WIDTH),
        matrix(WIDTH, WIDTH),
        matrix(3, WIDTH),
    )
    xs = [[Value(rng.gauss(0, 1), f"x{p}.{j}") for j in range(WIDTH)] for p in range(POSITIONS)]

    def linear(x: list[Value], w: list[list[Value]]) -> list[Value]:
        return [Value.sum(a * b for a, b in zip(row, x)) for row in w]

    with scope("attention"):
        with scope("qkv"):
            qs = [linear(x, wq) for x in xs]
            ks = [linear(x, wk) for x in xs]
            vs = [linear(x, wv) for x in xs]
        outs = []
        size = WIDTH // HEADS
        for h in range(HEADS):
            with scope(f"head {h}"):
                part = slice(h * size, (h + 1) * size)
                q = qs[-1][part]
                weights = softmax([Value.sum(a * b for a, b in zip(q, k[part])) for k in ks])
                outs += [
                    Value.sum(w * v[part][j] for w, v in zip(weights, vs)) for j in range(size)
                ]
    with scope("loss"):
        return cross_entropy(linear(outs, head), 1)


def _svg(picture: object) -> str:
    return render_bytes(picture.source).decode("utf-8")  # type: ignore[attr-defined]


def _texts(svg: str) -> list[str]:
    return [t.replace("&#160;", " ") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _box(texts: list[str], name: str) -> list[str]:
    """The lines of the box named ``name``: its name and the three lines under it."""
    i = texts.index(name)
    return texts[i : i + 4]


def _counted(root: Value, prefix: str) -> int:
    """The Values a box holds, counted apart from the picture: what was computed in the
    scope, and the leaves only it reads (inputs aside)."""
    order = root.topological_order()
    inside = {n for n in order if n.inputs and (n.scope + "/").startswith(prefix + "/")}
    users: dict[Value, set[bool]] = {}
    for n in order:
        for inp in n.inputs:
            if not inp.inputs and not inp.label:
                users.setdefault(inp, set()).add(n in inside)
    return len(inside) + sum(1 for leaf, used in users.items() if used == {True})


def test_a_graph_over_max_nodes_is_drawn_one_box_per_scope() -> None:
    loss = attention_loss()
    loss.backward()
    size = len(loss.topological_order())
    assert size > 500
    texts = _texts(_svg(to_dot(loss)))
    attention, last = _box(texts, "attention"), _box(texts, "loss")
    assert attention[1] == f"{_counted(loss, 'attention'):,} Values"
    assert last[1] == f"{_counted(loss, 'loss'):,} Values"
    assert attention[2] == f"reads {POSITIONS * WIDTH}, gives {WIDTH}"  # x in, outs out
    assert last[2].startswith(f"reads {WIDTH},")  # the attention's outputs (and the head)
    left = float(attention[3].removeprefix("grad left "))
    flows = [
        abs(local * node.grad)
        for node in loss.topological_order()
        if node.scope.startswith("attention")
        for inp, local in zip(node.inputs, node.local_derivatives)
        if not inp.inputs
    ]
    assert left == pytest.approx(max(flows), rel=1e-3)
    assert f"x{3 * WIDTH}" in texts  # 8 outputs each read by 3 rows of the head: one edge
    assert _box(texts, "(inputs)")[1:3] == [f"{POSITIONS * WIDTH} Values", "reads 0, gives 32"]
    assert "head 0" not in texts  # inner scopes stay inside


def test_open_scopes_are_framed_and_draw_their_inside() -> None:
    loss = attention_loss()
    texts = _texts(_svg(to_dot(loss, open=["attention"])))
    assert {"qkv", "head 0", "head 1", "loss"} <= set(texts)
    assert "attention" in texts  # now the frame's label
    heads = [_box(texts, f"head {h}") for h in range(HEADS)]
    assert heads[0][1] == f"{_counted(loss, 'attention/head 0'):,} Values"
    assert heads[0][1] == heads[1][1]
    assert "no grad left" in heads[0]  # no backward yet
    deeper = _texts(_svg(to_dot(loss, open=["attention", "attention/head 1"])))
    assert "head 0" in deeper and "head 1" in deeper  # head 1 a frame now, its Values drawn
    assert any(t.startswith("data ") for t in deeper)


def test_a_small_graph_is_drawn_whole_unless_scopes_are_opened() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    assert "Values" not in " ".join(_texts(_svg(to_dot(out))))
    collapsed = _texts(_svg(to_dot(out, params=model, open=[])))  # a model's layers as boxes
    assert {"L1", "L2"} <= set(collapsed)
    with pytest.raises(ValueError, match="step and quiz draw the whole graph"):
        to_dot(attention_loss(), step=3)
