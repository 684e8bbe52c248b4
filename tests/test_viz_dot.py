"""to_dot: exact DOT source, determinism, escaping, colours, steps, limits."""

from __future__ import annotations

import gc
import xml.etree.ElementTree as ET

import pytest

from micrograd_plus import Value
from micrograd_plus.nn import MLP
from micrograd_plus.viz import render, steps, to_dot
from micrograd_plus.viz.dot import DEAD, DIVERGING, VANISHED, diverging, label_text

TABLE = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'


def small_graph() -> Value:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a
    c.label = "c"
    c.backward()
    return c


def _value(
    node: str, colour: str, name: str, data: str, fill: str, ink: str, grad: str, tip: str
) -> str:
    return (
        f'\t{node} [label=<{TABLE}<TR><TD BGCOLOR="{colour}"><B>{name}</B></TD><TD>data {data}</TD>'
        f'<TD BGCOLOR="{fill}"><FONT COLOR="{ink}">grad {grad}</FONT></TD></TR></TABLE>> '
        f'shape=plain tooltip="{tip}"]\n'
    )


def test_exact_dot_source_of_a_small_graph() -> None:
    # c = a*b + a at a = 2, b = -3: dc/da = b + 1 = -2, dc/db = a = 2. The edge a -> *
    # carries b * c.grad = -3, the edge b -> * carries a * c.grad = 2, both + edges 1.
    op = '[label=<{}> fillcolor="#f0f0f0" fixedsize=false shape=circle style=filled width=0.5]\n'
    expected = (
        "digraph micrograd_plus {\n"
        "\tbgcolor=white fontname=Helvetica nodesep=0.25 rankdir=LR ranksep=0.35\n"
        "\tnode [fontname=Helvetica fontsize=14]\n"
        "\tedge [arrowsize=0.7 fontname=Helvetica fontsize=11]\n"
        + _value("n0", "#c7e9c0", "a", "2.0", "#b2182b", "white", "-2.0", "a (input)")
        + _value("n1", "#fdd0a2", "b", "-3.0", "#2166ac", "white", "2.0", "b (parameter)")
        + _value("n2", "#ffffff", "v2", "-6.0", "#4393c3", "white", "1.0", "v2 (intermediate)")
        + "\tn2op "
        + op.format("*")
        + _value("n3", "#ffe680", "c", "-4.0", "#4393c3", "white", "1.0", "c (output)")
        + "\tn3op "
        + op.format("+")
        + '\tn0 -> n2op [label=<-3.0> color="#b2182b" fontcolor="#b2182b" penwidth=6.0]\n'
        '\tn1 -> n2op [label=<2.0> color="#2166ac" fontcolor="#2166ac" penwidth=5.08]\n'
        '\tn2op -> n2 [color="#616161"]\n'
        '\tn2 -> n3op [label=<1.0> color="#2166ac" fontcolor="#2166ac" penwidth=3.89]\n'
        '\tn0 -> n3op [label=<1.0> color="#2166ac" fontcolor="#2166ac" penwidth=3.89]\n'
        '\tn3op -> n3 [color="#616161"]\n'
        "}\n"
    )
    c = small_graph()
    b = c.topological_order()[1]
    assert to_dot(c, params=[b], legend=False).source == expected


def test_same_graph_same_source_whatever_the_object_ids() -> None:
    first = to_dot(small_graph()).source
    garbage = [Value(float(i)) for i in range(1000)]  # other ids for the next graph
    del garbage
    gc.collect()
    assert to_dot(small_graph()).source == first


def test_a_squared_keeps_two_edges() -> None:
    a = Value(3.0, "a")
    source = to_dot(a * a, legend=False).source
    assert source.count("n0 -> n1op") == 2


def test_diverging_palette_sign_and_size() -> None:
    assert diverging(0.0, 1.0)[0] == DIVERGING[4]
    assert diverging(-1.0, 1.0)[0] == DIVERGING[0]
    assert diverging(1.0, 1.0)[0] == DIVERGING[8]
    assert diverging(0.01, 1.0)[0] in DIVERGING[5:7]
    assert diverging(5.0, 0.0)[0] == DIVERGING[4]  # no scale yet: nothing to colour


def test_vanished_gradients_and_dead_relus_are_flagged() -> None:
    x = Value(-2.0, "x")
    w = Value(0.5, "w")
    dead = (x * w).relu()  # input -1 <= 0: a dead ReLU, nothing flows back
    saturated = (w * 40).sigmoid()  # sigmoid'(20) ~ 2e-9: a vanished gradient
    out = dead + saturated
    out.backward()
    source = to_dot(out, params=[w]).source
    assert f'fillcolor="{DEAD}"' in source and "relu<BR/>(dead)" in source
    assert f'BGCOLOR="{VANISHED}"' in source and "(vanished)" in source


def test_no_flow_before_backward() -> None:
    a = Value(2.0, "a")
    source = to_dot(a * 3, legend=False).source
    assert "penwidth" not in source  # no gradients yet: no widths, no labels on edges
    assert "label=<2.0>" not in source


def test_legend_is_drawn_unless_turned_off() -> None:
    assert "legend" in to_dot(small_graph()).source
    assert "legend" not in to_dot(small_graph(), legend=False).source


# --- escaping ------------------------------------------------------------------------------

HARD_LABELS = [
    *('say "hi"', "a<b>c", "{x|y}", "Tom & Jerry", "back\\slash"),
    *("two\nlines", "ünïcødé ∂L/∂w 🙂", "]]>"),
]


def test_label_text_escapes_for_html_labels() -> None:
    assert label_text('<a & "b">') == "&lt;a &amp; &quot;b&quot;&gt;"
    assert label_text("a\nb") == "a<BR/>b"
    assert label_text("bell\x07") == "bell"


def _svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("label", HARD_LABELS)
def test_any_label_renders_as_itself(label: str, tmp_path: object) -> None:
    from micrograd_plus.viz.render import render_bytes

    a = Value(1.0, label)
    svg = render_bytes(to_dot(a * 2, legend=False).source, "svg")
    texts = _svg_texts(svg)
    for line in label.split("\n"):
        assert line in texts, (line, texts)


# --- steps and limits ----------------------------------------------------------------------


def test_step_frames_show_what_is_known() -> None:
    c = small_graph()
    all_steps = steps(c)
    start = to_dot(c, step=0, legend=False).source
    assert "data ?" in start and "grad 1.0" not in start
    after_forward = to_dot(c, step=2, legend=False).source
    assert "data ?" not in after_forward and "grad -" not in after_forward
    seeded = to_dot(c, step=3, legend=False).source
    assert "grad 1.0" in seeded and 'BORDER="3"' in seeded  # the output is current
    last = to_dot(c, step=len(all_steps), legend=False).source
    assert "grad -2.0" in last and "grad 2.0" in last
    with pytest.raises(ValueError, match=f"step must be between 0 and {len(all_steps)}"):
        to_dot(c, step=len(all_steps) + 1)


def test_partial_gradients_are_italic_until_every_user_has_passed_its_share() -> None:
    c = small_graph()  # a feeds both * and +: after the + step its grad is partial
    partial = to_dot(c, step=4, legend=False).source
    assert "<I>grad 1.0</I>" in partial
    assert "<I>" not in to_dot(c, step=5, legend=False).source


def test_quiz_hides_every_gradient() -> None:
    source = to_dot(small_graph(), quiz=True, legend=False).source
    assert "grad ?" in source
    assert "grad -2.0" not in source and "label=<-3.0>" not in source


def test_too_big_a_graph_is_a_clear_error() -> None:
    x = Value(1.0)
    for _ in range(300):
        x = x * 1.0
    with pytest.raises(ValueError, match=r"601 Values, more than max_nodes=500.*draw_network"):
        to_dot(x)
    assert to_dot(x, max_nodes=1000).source


def test_cluster_boxes_each_neuron_under_its_name() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    source = to_dot(out, params=model, cluster=True).source
    for name in ["layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0"]:
        assert f"label={name}" in source or f'label="{name}"' in source
    assert source.count("subgraph cluster_") == 3
    assert 'tooltip="layers.0.neurons.1.w.0 (parameter)"' in source  # named by the model
    first_box = source.split("subgraph cluster_0")[1].split("}")[0]
    assert "<B>w0</B>" in first_box and "<B>b</B>" in first_box  # short names in the box


def test_bad_rankdir() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(small_graph(), rankdir="UP")


def test_drawing_changes_nothing_in_the_graph() -> None:
    c = small_graph()
    before = [(n.data, n.grad) for n in c.topological_order()]
    to_dot(c, step=3)
    render(c, "/dev/null", format="dot")
    assert [(n.data, n.grad) for n in c.topological_order()] == before
