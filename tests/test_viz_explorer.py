"""The stepper of a graph too big to draw node by node: collapsed by scope, each box
opened in place by a click and closed again, the steps going through the boxes in view;
a one-position GPT graph of 16,000 Values gives a page under 5 MB that opens within 2 s
with every visible text at least 12 px (driven in Chromium at 1280x720)."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from micrograd_plus import Value, scope
from micrograd_plus.floats import format_number
from micrograd_plus.functional import softmax
from micrograd_plus.losses import cross_entropy
from micrograd_plus.viz import Stepper, render_bytes, to_dot, write_stepper

WIDTH, HEADS, VOCAB = 16, 4, 27


def gpt_loss(positions: int, seed: int = 0, every_position: bool = False) -> Value:
    """A GPT's loss at its last position (microgpt's block: embeddings, rmsnorm,
    attention with a key/value cache, a ReLU MLP, its sums as Python's sum), in scopes as
    a lecture names them; ``every_position``: the mean of every position's loss, a whole
    training step on one name."""
    rng = random.Random(seed)

    def matrix(n: int, k: int) -> list[list[Value]]:
        return [[Value(rng.gauss(0, 0.08)) for _ in range(k)] for _ in range(n)]

    wte, wpe = matrix(VOCAB, WIDTH), matrix(positions, WIDTH)
    wq, wk, wv, wo = (matrix(WIDTH, WIDTH) for _ in range(4))
    fc1, fc2, head = matrix(4 * WIDTH, WIDTH), matrix(WIDTH, 4 * WIDTH), matrix(VOCAB, WIDTH)

    def linear(x: list[Value], w: list[list[Value]]) -> list[Value]:
        return [sum((a * b for a, b in zip(row, x)), Value(0.0)) for row in w]  # as microgpt

    def rmsnorm(x: list[Value]) -> list[Value]:
        with scope("rmsnorm"):
            scale = (Value.sum(v * v for v in x) / len(x) + 1e-5) ** -0.5
            return [v * scale for v in x]

    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    losses: list[Value] = []
    size = WIDTH // HEADS
    for pos in range(positions):
        with scope("embedding"):
            x = [t + p for t, p in zip(wte[(5 * pos + 1) % VOCAB], wpe[pos])]
        with scope("attention"):
            h = rmsnorm(x)
            with scope("qkv"):
                q, k, v = linear(h, wq), linear(h, wk), linear(h, wv)
            keys.append(k)
            values.append(v)
            heads: list[Value] = []
            for i in range(HEADS):
                with scope(f"head {i}"):
                    part = slice(i * size, (i + 1) * size)
                    with scope("scores"):
                        scores = [
                            Value.sum(a * b for a, b in zip(q[part], key[part])) / size**0.5
                            for key in keys
                        ]
                    with scope("softmax"):
                        weights = softmax(scores)
                    with scope("weighted sum"):
                        heads += [
                            Value.sum(w * val[part][j] for w, val in zip(weights, values))
                            for j in range(size)
                        ]
            with scope("output"):
                x = [a + b for a, b in zip(linear(heads, wo), x)]
        with scope("mlp"):
            hidden = [v.relu() for v in linear(rmsnorm(x), fc1)]
            x = [a + b for a, b in zip(linear(hidden, fc2), x)]
        if every_position or pos == positions - 1:
            with scope("logits"):
                logits = linear(x, head)
            with scope("loss"):
                losses.append(cross_entropy(logits, (7 * pos + 3) % VOCAB))
    return losses[0] if len(losses) == 1 else Value.sum(losses) / len(losses)


def _open(browser: Any, path: Path) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    start = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("document.getElementById('counter').textContent !== ''")
    page.opened_in = time.perf_counter() - start
    return page


# Every text drawn inside the graph's area: its height on screen, px.
VISIBLE_TEXTS = """() => {
  const area = document.getElementById('graph').getBoundingClientRect();
  return [...document.querySelectorAll('#graph text')].map((t) => t.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.right > area.left && r.left < area.right &&
                   r.bottom > area.top && r.top < area.bottom)
    .map((r) => r.height);
}"""


@pytest.fixture(scope="module")
def gpt_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Value]:
    loss = gpt_loss(positions=6)  # the last letter of a six-letter name
    loss.backward()
    path = write_stepper(loss, tmp_path_factory.mktemp("explorer") / "gpt.html")
    return path, loss


def test_a_16000_value_graph_opens_collapsed_small_fast_and_readable(
    browser: Any, gpt_page: tuple[Path, Value]
) -> None:
    path, loss = gpt_page
    assert len(loss.topological_order()) >= 16_000
    assert path.stat().st_size < 5_000_000
    page = _open(browser, path)
    assert page.opened_in < 2.0
    heights = page.evaluate(VISIBLE_TEXTS)
    assert heights and min(heights) >= 12
    boxes = page.evaluate("Object.values(DATA.views[''].boxes)")
    assert {"embedding", "attention", "mlp", "logits", "loss"} <= set(boxes)
    assert page.errors == []
    page.close()


def test_a_box_opens_in_place_and_closes(browser: Any, gpt_page: tuple[Path, Value]) -> None:
    path = gpt_page[0]
    page = _open(browser, path)
    for step in ("attention", "attention/head 2"):
        box = page.evaluate(
            f"Object.entries(DATA.views[currentPath()].boxes).find(([i, p]) => p === {step!r})[0]"
        )
        page.click(f"#scope-{box}")
        assert page.inner_text("#crumbs").endswith(step.split("/")[-1])
        texts = page.evaluate(
            "[...document.querySelectorAll('#graph text')].map(t => t.textContent)"
        )
        assert step.split("/")[-1] in texts  # the frame's label, where the box was
    assert {"scores", "softmax", "weighted sum"} <= set(texts)  # head 2's inside, as boxes
    assert "head 1" in texts  # its neighbours still closed around it
    heights = page.evaluate(VISIBLE_TEXTS)
    assert min(heights) >= 12
    page.keyboard.press("Escape")
    assert page.inner_text("#crumbs").endswith("attention")
    page.click("#crumbs a")  # "all scopes closed"
    assert page.inner_text("#crumbs") == "all scopes closed"
    assert page.errors == []
    page.close()


def test_the_steps_go_through_the_boxes_in_view_with_the_graphs_numbers(
    browser: Any, gpt_page: tuple[Path, Value]
) -> None:
    path, loss = gpt_page
    page = _open(browser, path)
    total = page.evaluate("steps().length")
    titles = []
    for _ in range(total):
        page.keyboard.press("ArrowRight")
        titles.append(page.inner_text("#title"))
        current = page.query_selector_all("#graph g.current")
        assert len(current) == 1
    half = total // 2
    assert titles[:half] == [t.replace("backward", "forward") for t in reversed(titles[half:])]
    assert titles[0] == "forward through embedding" and titles[half - 1] == "forward through loss"
    page.evaluate(f"show({half})")  # forward through the loss: it gives the loss itself
    assert f"it gives (1 Value): {format_number(loss.data)}" in page.inner_text("#lines")
    page.evaluate(f"show({half + 1})")  # and backward, first: its gradient is the seed
    assert "the gradients that reach it (1 Value): 1.0" in page.inner_text("#lines")
    box = page.evaluate(
        "Object.entries(DATA.views[''].boxes).find(([i, p]) => p === 'attention')[0]"
    )
    page.click(f"#scope-{box}")  # inside: each box after the boxes it reads
    inside = [s["title"] for s in page.evaluate("steps()") if s["phase"] == "forward"]
    assert inside[0] == "forward through attention/rmsnorm"
    assert inside[1] == "forward through attention/qkv"
    assert inside[-1] == "forward through attention/output"
    assert page.errors == []
    page.close()


def test_max_nodes_is_where_the_stepper_starts_collapsed() -> None:
    x = Value(0.5, "x")
    with scope("a"):
        y = (x * 2).tanh()
    with scope("b"):
        z = y * y + 1
    size = len(z.topological_order())
    assert '"frames"' in Stepper(z, max_nodes=size).page  # node by node
    collapsed = Stepper(z, max_nodes=size - 1).page
    assert '"views"' in collapsed and '"frames"' not in collapsed


@pytest.mark.slow
def test_a_whole_training_step_opens_collapsed(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("micrograd_plus.viz.explorer.VIEWS", 8)  # the first ones: fast
    loss = gpt_loss(positions=6, every_position=True)
    loss.backward()
    assert len(loss.topological_order()) > 45_000  # about 50,000: six positions and losses
    path = write_stepper(loss, tmp_path / "step.html")
    assert path.stat().st_size < 5_000_000
    page = _open(browser, path)
    assert min(page.evaluate(VISIBLE_TEXTS)) >= 12
    box = page.evaluate(
        "Object.entries(DATA.views[''].boxes).find(([i, p]) => p === 'attention')[0]"
    )
    page.click(f"#scope-{box}")
    assert page.inner_text("#crumbs").endswith("attention")
    assert page.errors == []
    page.close()


def test_a_graph_not_yet_differentiated_shows_its_gradients_and_open_finds_scopes(
    tmp_path: Path,
) -> None:
    loss = gpt_loss(positions=2)  # no backward(): the page replays it, as the stepper does
    page = Stepper(loss, max_nodes=400).page
    assert "the gradients that reach it (1 Value): 1.0" in page
    assert all(p.grad == 0 for p in loss.topological_order())  # and changes no grad
    texts = " ".join(
        re.findall(r">([^<>]+)</text>", render_bytes(to_dot(loss, open=["head 1"]).source).decode())
    )
    assert "scores" in texts and "head 0" in texts  # head 1 opened, inside attention
    with pytest.raises(
        ValueError, match="no scope 'head 9' in this graph; its outermost: attention"
    ):
        to_dot(loss, open=["head 9"])
    with pytest.raises(ValueError, match="by='layer' steps through a graph of up to max_nodes=400"):
        Stepper(loss, by="layer")


def test_an_opened_head_shows_its_attention_as_matrices(
    browser: Any, gpt_page: tuple[Path, Value]
) -> None:
    path = gpt_page[0]
    page = _open(browser, path)
    find = "Object.entries(DATA.views[currentPath()].boxes).find(([i, p]) => p === {!r})[0]"
    for scope_name in ("attention", "attention/head 1"):
        page.click(f"#scope-{page.evaluate(find.format(scope_name))}")
    a = page.evaluate("DATA.views[currentPath()].attention")

    def number(rows: list[Any]) -> np.ndarray:  # the numbers in full, as the page has them
        return np.array(
            [[float(e[3]) for e in r] if isinstance(r[0], list) else float(r[3]) for r in rows]
        )

    K, q, scores, weights, V, out = (
        number(a[k]) for k in ("K", "q", "scores", "weights", "V", "out")
    )
    positions, d = K.shape
    assert positions == 6 and d == WIDTH // HEADS == a["d"]  # the last of six positions
    np.testing.assert_allclose(scores, K @ q / np.sqrt(d), rtol=1e-2, atol=2e-4)
    np.testing.assert_allclose(weights, np.exp(scores) / np.exp(scores).sum(), rtol=2e-3)
    np.testing.assert_allclose(out, weights @ V, rtol=1e-2, atol=2e-4)
    shown = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#math td[data-name]')]"
        ".map((td) => [td.dataset.name, td.textContent]))"
    )
    assert (
        shown["weights-0"] == a["weights"][0][0] and len(shown) == positions * (2 * d + 2) + 2 * d
    )
    heights = page.evaluate(
        "[...document.querySelectorAll('#math td')].map((t) => t.getBoundingClientRect().height)"
    )
    assert min(heights) >= 12  # a class reads it
    page.keyboard.press("q")  # the quiz: the weights asked, an answer field each
    fields = page.query_selector_all('#math td[data-name^="weights-"] input.answer')
    assert len(fields) == positions
    for field, entry in zip(fields, a["weights"]):
        field.fill(entry[3])
        field.press("Enter")
        assert "right" in field.get_attribute("class")
    fields[0].fill("0.5")
    fields[0].press("Enter")
    assert "wrong" in fields[0].get_attribute("class")
    fields[0].press("Escape")
    page.keyboard.press("r")  # revealed: the numbers again
    assert page.inner_text('#math td[data-name="weights-0"]') == a["weights"][0][0]
    assert page.errors == []
    page.close()


def test_a_scope_too_big_to_draw_that_is_a_matrix_product_shows_as_one(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from micrograd_plus.gpt import GPT, Vocabulary
    from micrograd_plus.viz import explorer

    vocab = Vocabulary.of(["bo", "ava"])
    model = GPT(vocab.size, n_embd=4, n_head=2, block_size=4)
    loss = model.loss(vocab.encode("bo"))
    monkeypatch.setattr(explorer, "VIEW_BYTES", 30_000)  # the node-by-node views left out
    path = write_stepper(loss, tmp_path / "gpt.html", params=model.parameters(), max_nodes=100)
    page = _open(browser, path)
    output = "position 1/layer 0/attention/output"
    assert output not in page.evaluate("Object.keys(DATA.views)")
    for scope_path in ("position 1", "position 1/layer 0", "position 1/layer 0/attention"):
        page.evaluate(f"open({scope_path!r})")
    page.evaluate(f"open({output!r})")  # as a click on its box does
    shown = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#math td[data-name]')]"
        ".map((td) => [td.closest('table').dataset.name + ':' + td.dataset.name, td.textContent]))"
    )
    wo = model.state_dict["layer0.attn_wo"]
    assert shown["W:W-2-3"] == f"{wo[2][3].data:#.3g}"  # W_o's entry, 3 digits
    assert len([k for k in shown if k.startswith("W:")]) == 16  # 4 x 4, whole
    captions = page.eval_on_selector_all("#math figcaption", "els => els.map(e => e.textContent)")
    assert captions[:3] == ["layer0.attn_wo (4×4)", "x", "y"] and "residual" in captions
    assert page.inner_text("#title") == output
    assert page.inner_text("#note").endswith("its numbers as the matrix product it is")
    heights = page.evaluate(
        "[...document.querySelectorAll('#math td')].map((t) => t.getBoundingClientRect().height)"
    )
    assert min(heights) >= 12
    assert page.errors == []
    page.close()
