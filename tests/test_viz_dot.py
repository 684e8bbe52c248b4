"""to_dot: exact DOT source, determinism, escaping, colours, steps, limits."""

from __future__ import annotations

import gc
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import readme_neuron, svg_texts

from micrograd_plus import Value
from micrograd_plus.losses import cross_entropy
from micrograd_plus.nn import MLP
from micrograd_plus.viz import forward_steps, render, render_bytes, steps, to_dot
from micrograd_plus.viz.palette import (
    DEAD,
    DIVERGING,
    NOT_FINITE,
    VANISHED,
    ZERO,
    diverging,
    edge_width,
    label_text,
)

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


def _op(node: str, op: str, computes: str) -> str:
    return (
        f'\t{node}op [label=<{op}> fillcolor="#f0f0f0" shape=circle style=filled '
        f'tooltip="{op}: computes {computes}" width=0.5]\n'
    )


def test_exact_dot_source_of_a_small_graph() -> None:
    # c = a*b + a at a = 2, b = -3: dc/da = b + 1 = -2, dc/db = a = 2. The edge a -> *
    # carries b * c.grad = -3, the edge b -> * carries a * c.grad = 2, both + edges 1.
    expected = (
        "digraph micrograd_plus {\n"
        "\tbgcolor=white fontname=Helvetica nodesep=0.25 rankdir=LR ranksep=0.35\n"
        "\tnode [fontname=Helvetica fontsize=14]\n"
        "\tedge [arrowsize=0.7 fontname=Helvetica fontsize=11]\n"
        + _value("n0", "#c7e9c0", "a", "2.0", "#b2182b", "white", "-2.0", "a (input)")
        + _value("n1", "#fdd0a2", "b", "-3.0", "#2166ac", "white", "2.0", "b (parameter)")
        + _value("n2", "#ffffff", "v1", "-6.0", "#4393c3", "white", "1.0", "v1 (intermediate)")
        + _op("n2", "*", "v1")
        + _value("n3", "#ffe680", "c", "-4.0", "#4393c3", "white", "1.0", "c (output)")
        + _op("n3", "+", "c")
        + '\tn0 -> n2op [label=<-3.0> color="#b2182b" fontcolor="#b2182b" penwidth=5.5]\n'
        '\tn1 -> n2op [label=<2.0> color="#2166ac" fontcolor="#2166ac" penwidth=5.5]\n'
        '\tn2op -> n2 [color="#616161"]\n'
        '\tn2 -> n3op [label=<1.0> color="#2166ac" fontcolor="#2166ac" penwidth=5.5]\n'
        '\tn0 -> n3op [label=<1.0> color="#2166ac" fontcolor="#2166ac" penwidth=5.5]\n'
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
    assert f'fillcolor="{DEAD}"' in source and "relu<BR/>dead" in source
    assert f'BGCOLOR="{VANISHED}"' in source and "(vanished)" in source
    # x is 0 only because of the dead ReLU: a plain grey 0 that says why, not "vanished"
    assert "grad 0 (dead ReLU)" in _node_line(source, "x")


def _node_line(source: str, name: str) -> str:
    return next(line for line in source.splitlines() if f"<B>{name}</B>" in line)


def test_an_exact_zero_is_never_vanished() -> None:
    # The README neuron: w2's gradient is exactly 0 because x2 = 0.
    o, _ = readme_neuron()
    o.backward()
    source = to_dot(o).source
    assert "vanished" not in source
    assert "grad 0 (x2 = 0)" in _node_line(source, "w2")
    assert f'BGCOLOR="{VANISHED}"' not in source


def test_softmaxs_shift_holds_a_rounding_not_a_vanished_gradient() -> None:
    z = [Value(2.0, "z0"), Value(1.0, "z1"), Value(-0.5, "z2")]
    loss = cross_entropy(z, 0)
    loss.backward()
    shift = next(n for n in loss.topological_order() if n.op == "max")
    assert 0 < abs(shift.grad) < 1e-15  # the shift's gradient: 0 but for rounding
    texts = svg_texts(render_bytes(to_dot(loss).source, "svg"))
    assert not any("vanished" in text for text in texts)
    assert "max" in texts  # its circle, with the logits' edges dashed: nothing flowed


def test_vanished_is_relative_to_the_output_and_settable() -> None:
    a = Value(1.0, "a")
    out = a * 1e-7
    out.backward()
    assert "(vanished)" in _node_line(to_dot(out).source, "a")
    assert "(vanished)" not in _node_line(to_dot(out, vanish_below=1e-8).source, "a")


def _penwidths(source: str) -> list[float]:
    return [float(w) for w in re.findall(r"penwidth=([\d.]+)", source)]


def test_edge_width_is_the_same_flow_on_one_fixed_scale() -> None:
    saturated = Value(20.0).sigmoid()  # flows 2e-9: the thinnest edge, alone in its picture
    saturated.backward()
    steep = Value(0.0).tanh()  # flows 1
    steep.backward()
    thin, wide = _penwidths(to_dot(saturated).source), _penwidths(to_dot(steep).source)
    assert len(thin) == len(wide) == 1 and thin[0] < wide[0]
    assert edge_width(1e-9, 1.0) == edge_width(1e-7, 1.0) < edge_width(1e-3, 1.0)
    assert edge_width(1e-3, 1.0) < edge_width(0.1, 1.0) < edge_width(1.0, 1.0)
    assert edge_width(0.5, 1.0) == edge_width(1.0, 2.0)  # relative to the output's grad


def test_zero_flow_is_a_thin_dashed_grey_edge() -> None:
    x2, w2 = Value(0.0, "x2"), Value(1.0, "w2")
    out = x2 * w2
    out.backward()
    edge = next(line for line in to_dot(out).source.splitlines() if "n1 -> n2op" in line)
    assert "style=dashed" in edge and f'color="{ZERO}"' in edge


def test_inf_and_nan_are_flagged() -> None:
    a = Value(0.0, "a")
    out = a**0.5  # d/da = 0.5 / sqrt(0) = inf
    out.backward()
    source = to_dot(out).source
    assert f'BGCOLOR="{NOT_FINITE}"' in _node_line(source, "a")
    assert "inf or nan" in source


def test_constants_are_small_boxes_with_just_their_number() -> None:
    a = Value(2.0, "a")
    out = 3.5 * a
    out.backward()
    constant = next(line for line in to_dot(out).source.splitlines() if "label=<3.5>" in line)
    assert "TABLE" not in constant and "grad" not in constant and "shape=box" in constant


def test_unnamed_nodes_are_numbered_in_forward_order_without_gaps() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    out = ((a * b + 1.0) * (a - b)).tanh()
    texts = [s.title for s in forward_steps(out)]
    assert texts == [
        "forward: v1 = a * b",
        "forward: v2 = v1 + 1.0",
        "forward: v3 = a - b",
        "forward: v4 = v2 * v3",
        "forward: v5 = tanh(v4)",
    ]
    source = to_dot(out).source
    assert all(f"<B>v{i}</B>" in source for i in range(1, 6))


def test_subtraction_draws_as_one_node() -> None:
    a, b = Value(5.0, "a"), Value(2.0, "b")
    source = to_dot(a - b).source
    assert source.count("op [label=") == 1 and "label=<->" in source
    assert "-1" not in source  # no constant -1 node


def test_no_flow_before_backward() -> None:
    a = Value(2.0, "a")
    source = to_dot(a * 3, legend=False).source
    assert "penwidth" not in source  # no gradients yet: no widths, no labels on edges
    assert "label=<2.0>" not in source


def test_legend_lists_only_what_the_picture_contains() -> None:
    plain = to_dot(small_graph()).source
    assert "parameter" not in plain.split('label=<<TABLE BORDER="1"')[1]  # no parameter here
    legend = plain.split('label=<<TABLE BORDER="1"')[1]
    assert ">input<" in legend and ">output<" in legend and "vanished" not in legend
    assert "dead ReLU" not in legend and "current step" not in legend
    x = Value(-1.0, "x")
    dead = x.relu() * 2
    dead.backward()
    legend = to_dot(dead).source.split('label=<<TABLE BORDER="1"')[1]
    assert "dead ReLU" in legend and "grad exactly 0" in legend and "dashed" in legend
    assert 'TABLE BORDER="1"' not in to_dot(small_graph(), legend=False).source


# --- escaping ------------------------------------------------------------------------------

HARD_LABELS = [
    *('say "hi"', "a<b>c", "{x|y}", "Tom & Jerry", "back\\slash"),
    *("two\nlines", "ünïcødé ∂L/∂w 🙂", "]]>"),
]


def test_label_text_escapes_for_html_labels() -> None:
    assert label_text('<a & "b">') == "&lt;a &amp; &quot;b&quot;&gt;"
    assert label_text("a\nb") == "a<BR/>b"
    assert label_text("bell\x07") == "bell\\\\x07"  # an escape a person can read


@pytest.mark.parametrize("label", HARD_LABELS)
def test_any_label_renders_as_itself(label: str, tmp_path: object) -> None:
    a = Value(1.0, label)
    svg = render_bytes(to_dot(a * 2, legend=False).source, "svg")
    texts = svg_texts(svg)  # parses: the SVG is well-formed XML
    for line in label.split("\n"):
        assert line in texts, (line, texts)
    titles = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}title")]
    assert titles  # tooltips too stay well-formed


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("a\x01b", r"a\x01b"),
        ("\ufffe", r"\ufffe"),
        ("x\ud800y", r"x\ud800y"),
        ("del\x7f", r"del\x7f"),
        ("\\N\\G\\E\\l", None),
    ],
)
def test_invisible_characters_show_as_escapes_and_graphviz_escapes_stay_text(
    label: str, shown: str | None
) -> None:
    a = Value(1.0, label)
    svg = render_bytes(to_dot(a * 2).source, "svg")
    root = ET.fromstring(svg)
    texts = svg_texts(svg)
    assert (shown or label) in texts
    links = [
        el.get("{http://www.w3.org/1999/xlink}title")
        for el in root.iter("{http://www.w3.org/2000/svg}a")
    ]
    assert f"{shown or label} (input)" in links  # the tooltip, as written


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


def test_too_big_a_graph_with_no_scopes_is_drawn_as_boxes_that_say_so() -> None:
    x = Value(1.0)
    for _ in range(600):
        x = x * 1.0
    source = to_dot(x).source  # 1,201 Values: the computed ones in one box, the leaves in one
    assert "(outside any scope)" in source and "600 Values" in source
    assert "(leaves)" in source and "601 Values" in source
    assert "name regions with scope()" in source
    assert "600 Values" not in to_dot(x, max_nodes=2000).source  # drawn whole


def test_cluster_boxes_each_neuron_under_its_name() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    source = to_dot(out, params=model).source  # boxes are on by default for a model
    for name in ["L1.N1", "L1.N2", "L2.N1"]:
        assert f'label="{name}"' in source
    assert source.count("subgraph cluster_") == 3
    assert 'tooltip="L1.N2.w0 (parameter)"' in source  # named by the model, short
    box = next(b for b in source.split("subgraph cluster_") if 'label="L1.N1"' in b)
    assert "<B>L1.N1.w0</B>" in box and "<B>L1.N1.b</B>" in box and "L1.N2" not in box
    assert "subgraph cluster_" not in to_dot(out, params=model, cluster=False).source


def test_bad_rankdir() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(small_graph(), rankdir="UP")


def test_drawing_changes_nothing_in_the_graph(tmp_path: Path) -> None:
    c = small_graph()
    before = [(n.data, n.grad) for n in c.topological_order()]
    to_dot(c, step=3)
    render(to_dot(c), tmp_path / "graph.svg")
    assert [(n.data, n.grad) for n in c.topological_order()] == before
