"""The stepper page: one layout, a camera, a quiz that checks answers; driven in headless
Chromium at projector size as a lecturer would (one browser for the whole module)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import readme_neuron, shows

from micrograd_plus import Value
from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import Stepper, steps, write_stepper

neuron = readme_neuron


def mlp_loss() -> tuple[Value, MLP]:
    model = MLP(2, [4, 4, 1], seed=0)
    return mse_loss(model([0.5, -1.0]), 1.0), model


def _data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))  # type: ignore[no-any-return]


# --- the page as a file ---------------------------------------------------------------


def test_the_page_is_one_self_contained_file(tmp_path: Path) -> None:
    o, _ = neuron()
    page = write_stepper(o, tmp_path / "neuron.html", title="A <neuron>").read_text()
    assert "<title>A &lt;neuron&gt;</title>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and "<script src" not in page
    assert page.count("<svg") == 1  # one layout for every step
    data = _data(page)
    assert len(data["frames"]) == 1 + len(steps(o))
    assert data["frames"][0]["nodes"] and not data["frames"][1]["edges"]  # then only changes


def test_the_mlp_page_is_small(tmp_path: Path) -> None:
    # how quickly it is written, benchmarks/stepper.py measures
    loss, model = mlp_loss()
    path = write_stepper(loss, tmp_path / "mlp.html", params=model)
    assert path.stat().st_size < 1_500_000


def test_jupyter_shows_the_same_page_in_an_iframe() -> None:
    o, _ = neuron()
    stepper = Stepper(o, title="t")
    shown = stepper._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    import html

    assert html.unescape(shown.split('srcdoc="')[1].split('" style=')[0]) == stepper.page


def test_labels_and_titles_are_text_in_the_data_block() -> None:
    a = Value(1.0, "</script><!--<script>__FRAMES__")
    page = Stepper(a * 2, title="$title __FRAMES__ </script>").page
    block = page.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block  # nothing in it can end it or open a comment
    assert "$title __FRAMES__ &lt;/script&gt;" in page


def test_invisible_characters_in_labels_and_titles_are_written_as_escapes(
    tmp_path: Path,
) -> None:
    a = Value(1.0, "a\udcffb\x01")
    page = write_stepper(a * 2, tmp_path / "p.html", title="t\ud800\ufffe").read_text()
    assert r"<title>t\ud800\ufffe</title>" in page  # written, and readable
    assert r"a\\udcffb\\x01" in page  # in the JSON of the data block: a backslash is \\


@pytest.mark.parametrize("root", [1.5, [Value(1.0)], "x"])
def test_a_stepper_of_something_else_than_a_value_says_so(root: object) -> None:
    with pytest.raises(TypeError, match="a Stepper steps through the graph of a Value"):
        Stepper(root)  # type: ignore[arg-type]


# --- in Chromium ------------------------------------------------------------------------


def _open(browser: Any, path: Path, width: int = 1280, height: int = 720) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.errors = errors
    return page


def _settle(page: Any) -> None:
    page.wait_for_function("document.body.dataset.moving !== '1'", timeout=5000)


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    loss, model = mlp_loss()
    path = write_stepper(loss, tmp_path_factory.mktemp("stepper") / "mlp.html", params=model)
    return path, len(steps(loss, model))


# Where each node's box (its polygons, paths and ellipses) is drawn, in SVG units.
BOXES = """() => Object.fromEntries([...document.querySelectorAll('g.node')].map(g => {
    const shapes = [...g.querySelectorAll('polygon, path, ellipse')].map(s => s.getBBox());
    const x0 = Math.min(...shapes.map(b => b.x)), y0 = Math.min(...shapes.map(b => b.y));
    const x1 = Math.max(...shapes.map(b => b.x + b.width));
    const y1 = Math.max(...shapes.map(b => b.y + b.height));
    return [g.id, [x0, y0, x1, y1]]; }))"""


def test_one_layout_every_node_stays_put(browser: Any, mlp_page: tuple[Path, int]) -> None:
    path, total = mlp_page
    page = _open(browser, path)
    page.evaluate("() => { window.first = document.getElementById('picture'); }")
    layouts = []
    for k in [0, total // 3, 2 * total // 3, total]:
        page.evaluate(f"() => show({k})")
        assert page.inner_text("#counter") == f"step {k} / {total}"
        assert page.evaluate("() => document.getElementById('picture') === window.first")
        layouts.append(page.evaluate(BOXES))
    page.keyboard.press("q")
    layouts.append(page.evaluate(BOXES))
    page.keyboard.press("r")
    layouts.append(page.evaluate(BOXES))
    assert len(layouts[0]) > 80
    assert all(layout == layouts[0] for layout in layouts)
    assert page.errors == []
    page.close()


BUTTONS_INSIDE = """() => [...document.querySelectorAll('nav button')].every(b => {
    const r = b.getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_every_button_is_on_screen_at_every_step(
    browser: Any, mlp_page: tuple[Path, int], width: int, height: int
) -> None:
    path, total = mlp_page
    page = _open(browser, path, width, height)
    inside = page.evaluate(
        f"() => {{ const out = []; for (let k = 0; k <= {total}; k++) {{ show(k); "
        f"out.push(({BUTTONS_INSIDE})()); }} return out; }}"
    )
    assert len(inside) == total + 1 and all(inside)
    page.close()


def test_the_camera_follows_the_backward_pass_with_readable_text(
    browser: Any, mlp_page: tuple[Path, int]
) -> None:
    path, total = mlp_page
    page = _open(browser, path)
    for k in [total // 2 + 3, total - 5, total]:  # backward steps
        page.evaluate(f"() => show({k})")
        _settle(page)
        assert page.text_content("#phase") == "backward"
        box = page.evaluate(
            """() => { const g = document.querySelector('g.node.current[id^="node-"]');
            const r = g.getBoundingClientRect();
            const t = [...g.querySelectorAll('text')].map(t => t.getBoundingClientRect().height);
            return [r.left, r.top, r.right, r.bottom, Math.min(...t), g.id]; }"""
        )
        left, top, right, bottom, text_height, element_id = box
        assert element_id.startswith("node-")
        assert left >= 0 and top >= 0 and right <= 1280 and bottom <= 720, box
        assert text_height >= 13, box
    page.keyboard.press("o")  # the overview: the whole graph fits
    _settle(page)
    view = page.evaluate("() => document.getElementById('picture').getAttribute('viewBox')")
    width, height = (float(v) for v in view.split()[2:])
    full = page.evaluate("() => { const b = document.getElementById('picture').getBBox(); "
                         "return [b.width, b.height]; }")  # fmt: skip
    assert width >= full[0] - 1 and height >= full[1] - 1
    page.close()


GRADS_SHOWN = """() => [...document.querySelectorAll('g.node text')]
    .filter(t => /^grad -?[0-9]/.test(t.textContent)).length"""


def test_the_quiz_hides_only_what_the_step_computes_and_checks_answers(
    browser: Any, mlp_page: tuple[Path, int]
) -> None:
    path, total = mlp_page
    page = _open(browser, path)
    early, late = total // 2 + 5, total - 3
    shown = {}
    for k in (early, late):
        page.evaluate(f"() => show({k})")
        without = page.evaluate(GRADS_SHOWN)
        page.keyboard.press("q")
        shown[k] = page.evaluate(GRADS_SHOWN)
        assert shown[k] < without  # this step's gradients are hidden ...
        page.keyboard.press("q")
    assert shown[late] > shown[early]  # ... and the earlier steps' stay visible
    page.evaluate(f"() => show({late})")
    page.keyboard.press("q")
    answers = page.query_selector_all("input.answer")
    assert answers
    answers[0].click()
    page.keyboard.type("123456")
    page.keyboard.press("Enter")
    assert "wrong" in answers[0].get_attribute("class")
    assert page.inner_text("#counter") == f"step {late} / {total}"  # typing did not step
    data = _data(path.read_text())
    right = data["frames"][late]["quiz"][0]["value"]
    answers[0].fill(f"{float(right):.3g}")
    answers[0].press("Enter")
    assert "right" in answers[0].get_attribute("class")
    assert page.inner_text("#score") == "score: 1 right"
    page.click("#reveal")
    assert page.evaluate(GRADS_SHOWN) > shown[late]
    page.close()


def test_keys_step_and_the_last_frame_shows_the_engines_gradients(
    browser: Any, tmp_path: Path
) -> None:
    o, leaves = neuron()
    path = write_stepper(o, tmp_path / "neuron.html")
    total = len(steps(o))
    o.backward()
    page = _open(browser, path)
    assert page.inner_text("#counter") == f"step 0 / {total}"
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#counter") == f"step 1 / {total}"
    assert page.inner_text("#title").startswith("forward:")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("End")
    assert page.inner_text("#counter") == f"step {total} / {total}"
    graph_text = page.inner_text("#graph")
    for leaf in leaves:  # w2's is exactly 0, and the picture says why
        assert shows([graph_text], "grad", leaf.grad), leaf
    assert "grad 0 (x2 = 0)" in graph_text
    page.keyboard.press("Home")
    assert page.inner_text("#counter") == f"step 0 / {total}"
    assert "data ?" in page.inner_text("#graph")  # nothing computed yet
    beside = page.eval_on_selector("main", "m => m.classList.contains('beside')")
    page.keyboard.press("l")
    assert page.eval_on_selector("main", "m => m.classList.contains('beside')") != beside
    page.keyboard.press("g")
    assert page.is_visible("#legend") and "current step" in page.inner_text("#legend")
    assert page.errors == []
    page.close()


def test_a_hostile_label_stays_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    a = Value(2.0, "__FRAMES__<img src=x onerror=window.pwned=1>")
    b = Value(3.0, "<!--<script>")
    path = write_stepper(a * b, tmp_path / "hostile.html", title="<script>window.pwned=2</script>")
    page = _open(browser, path)
    page.keyboard.press("End")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.pwned === undefined")
    assert page.inner_text("#counter") == "step 3 / 3"  # the page's own script ran
    text = page.inner_text("#graph")
    assert "__FRAMES__<img src=x onerror=window.pwned=1>" in text and "<!--<script>" in text
    assert page.inner_text("#heading") == "<script>window.pwned=2</script>"
    assert page.errors == []
    page.close()


def test_frames_built_step_by_step_equal_the_picture_drawn_anew_at_every_step() -> None:
    # looks_along updates only what each step changes; drawn anew, every step must agree
    from micrograd_plus.viz._graph import describe
    from micrograd_plus.viz.dot import VANISH_BELOW, looks, state_after
    from micrograd_plus.viz.live import rows
    from micrograd_plus.viz.stepper import _frames

    model = MLP(2, [3, 2, 1], activation="relu", seed=4)
    x = Value(0.0, "zero")
    cases = [mlp_loss()[0], mse_loss(model([0.3, -2.0]), 1.0), neuron()[0], (x * 3).relu() * x]
    for root in cases:
        info = describe(root, None)
        all_steps = steps(root)
        frames, _ = _frames(info, all_steps)
        reference = state_after(info, all_steps, len(all_steps))
        state: dict[str, dict[str, list[object]]] = {"nodes": {}, "edges": {}, "dead": {}}
        for k, frame in enumerate(frames):
            for part in state:
                state[part].update(frame[part])  # type: ignore[call-overload]
            drawn = rows(info, looks(info, state_after(info, all_steps, k), reference, False,
                                     VANISH_BELOW))  # fmt: skip
            assert (state["nodes"], state["edges"], state["dead"]) == drawn, (k, root)


def test_the_page_reads_numbers_as_the_graph_shows_them() -> None:
    loss, model = mlp_loss()
    data = _data(Stepper(loss, params=model).page)
    answers = [item["value"] for frame in data["frames"] for item in frame["quiz"]]
    assert answers and all(isinstance(a, str) for a in answers)  # the shown text
    texts = json.dumps(data["frames"])
    assert not re.search(r"-0\.0(?![0-9])", texts)  # no -0.0 anywhere
    assert not re.search(r"\d\.\d{9,}", texts)  # no float with 9+ decimals


def test_stepping_by_neuron_or_layer_gathers_their_steps() -> None:
    loss, model = mlp_loss()
    counts = {}
    finals = {}
    for by in ("node", "neuron", "layer"):
        data = _data(Stepper(loss, params=model, by=by).page)
        counts[by] = len(data["frames"]) - 1  # steps after the start
        state: dict[str, dict[str, object]] = {"nodes": {}, "edges": {}}
        for frame in data["frames"]:
            state["nodes"].update(frame["nodes"])
            state["edges"].update(frame["edges"])
        finals[by] = state
        if by == "neuron":
            first = data["frames"][1]
            assert first["title"] == "forward through neuron L1.N1 (4 steps)"
            assert any(line.startswith("v3 = ") for line in first["lines"])  # the sum
            assert any("relu(" in line for line in first["lines"])  # and the activation
            assert [item["name"] for item in first["quiz"]] == ["z[0]", "h[0]"]  # asked
            assert first["math"]["name"] == "L1.N1.w" and len(first["math"]["W"]) == 1
    assert counts["layer"] * 4 <= counts["node"]
    assert counts["layer"] < counts["neuron"] < counts["node"]
    assert finals["node"] == finals["neuron"] == finals["layer"]  # the same picture at the end
    with pytest.raises(ValueError, match="by must be one of node, neuron, layer"):
        Stepper(loss, by="batch")


def test_a_page_stepped_by_layer_runs_to_the_end(browser: Any, tmp_path: Path) -> None:
    loss, model = mlp_loss()
    path = write_stepper(loss, tmp_path / "layers.html", params=model, by="layer")
    page = _open(browser, path)
    page.keyboard.press("q")
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#counter") == "step 11 / 11"
    assert page.errors == []
    page.close()


# Per step: is the current node, and every input of it (found from the SVG's own edges
# into its op), fully inside the graph's area (or, where a wide step cannot fit, a copy of
# it in the inset), with text at least 12 px high?
EVERY_STEP = """(total) => {
  const out = [];
  const area = document.getElementById('graph').getBoundingClientRect();
  const inside = (r) => r.left >= area.left - 0.5 && r.top >= area.top - 0.5 &&
                        r.right <= area.right + 0.5 && r.bottom <= area.bottom + 0.5;
  const smallest = (g, k) =>
    Math.min(...[...g.querySelectorAll('text')].map((t) => t.getBBox().height)) * k;
  let insets = 0;
  for (let k = 1; k <= total; k++) {
    show(k);
    const v = wanted(); setView(v); placeInset(v);  // where the camera rests for step k
    const scale = area.width / v.w;
    const node = document.querySelector('g.node.current[id^="node-"]');
    if (!node) { out.push([k, 'no current node']); continue; }
    const id = node.id.slice(5);
    const inputs = [...document.querySelectorAll('g.edge')]
      .map((e) => e.querySelector('title')).filter(Boolean)
      .map((t) => t.textContent.split('->')).filter((p) => p[1] === id + 'op')
      .map((p) => document.getElementById('node-' + p[0]));
    for (const g of [node, ...inputs]) {
      if (!g) continue;
      const copy = document.querySelector(`#inset use[data-of="${g.id}"]`);
      const shown = inside(g.getBoundingClientRect()) ? g.getBoundingClientRect()
        : copy && inside(copy.getBoundingClientRect()) ? copy.getBoundingClientRect() : null;
      if (copy && shown) insets += 1;
      if (!shown) out.push([k, g.id, 'cut']);
      else if (smallest(g, scale) < 12) out.push([k, g.id, 'text', smallest(g, scale)]);
    }
  }
  return [out, insets];
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_every_step_shows_its_node_and_all_its_inputs_readably(
    browser: Any, mlp_page: tuple[Path, int], width: int, height: int
) -> None:
    path, total = mlp_page
    page = _open(browser, path, width, height)
    problems, insets = page.evaluate(EVERY_STEP, total)
    assert problems == [], problems[:10]
    assert page.errors == []
    if width == 1280:  # where a wide step cannot fit readably, its inputs are in an inset
        assert insets > 0
    page.close()


# --- neuron and layer steps: readable, and a layer is its matrix equation ------------------


def layer_loss() -> tuple[Value, MLP]:
    """MLP(2, [4, 4, 1]) on an input where some ReLUs live and some are dead."""
    model = MLP(2, [4, 4, 1], seed=2)
    return mse_loss(model([0.5, -1.0]), 1.0), model


# Per step: the current node's smallest text on screen (px), whether the node is in the
# graph's area, and whether the panel holds its content without scrolling.
EACH_STEP = """(total) => {
  const out = [];
  const panel = document.getElementById('panel');
  for (let k = 1; k <= total; k++) {
    show(k);  // a layer's equations widen the panel: the graph's area changes
    const area = document.getElementById('graph').getBoundingClientRect();
    const v = wanted(); setView(v); placeInset(v);
    const node = document.querySelector('g.node.current[id^="node-"]');
    const r = node.getBoundingClientRect();
    const inside = r.left >= area.left - 0.5 && r.right <= area.right + 0.5 &&
                   r.top >= area.top - 0.5 && r.bottom <= area.bottom + 0.5;
    const px = Math.min(...[...node.querySelectorAll('text')]
      .map((t) => t.getBoundingClientRect().height));
    const fits = panel.scrollHeight <= panel.clientHeight + 1 &&
                 panel.scrollWidth <= panel.clientWidth + 1;
    out.push([k, FRAMES[k].title, inside, px, fits]);
  }
  return out;
}"""


@pytest.mark.parametrize(("by", "wide"), [("neuron", False), ("layer", False), ("layer", True)])
def test_every_neuron_and_layer_step_is_readable_and_fits_its_panel(
    browser: Any, tmp_path: Path, by: str, wide: bool
) -> None:
    loss, model = layer_loss()
    if wide:  # 12 inputs a neuron: matrices wider than the panel shows whole
        model = MLP(3, [12, 12, 1], seed=0)
        loss = mse_loss(model([0.5, -1.0, 0.3]), 1.0)
    path = write_stepper(loss, tmp_path / f"{by}.html", params=model, by=by, max_nodes=1000)
    page = _open(browser, path)
    total = len(_data(path.read_text(encoding="utf-8"))["frames"]) - 1
    seen = page.evaluate(EACH_STEP, total)
    assert [row for row in seen if not (row[2] and row[3] >= 12 and row[4])] == []
    assert page.errors == []
    page.close()


# The matrices on the page, each entry by its name ("W-1-0", "z-2"), as numbers.
MATRICES = """() => Object.fromEntries([...document.querySelectorAll('#math td[data-name]')]
  .map((td) => [td.dataset.name, Number(td.textContent)]))"""


def test_a_layer_step_is_its_matrix_equation_with_the_graphs_numbers(
    browser: Any, tmp_path: Path
) -> None:
    loss, model = layer_loss()
    path = write_stepper(loss, tmp_path / "layers.html", params=model, by="layer")
    frames = _data(path.read_text(encoding="utf-8"))["frames"]
    loss.backward()  # the gradients the page's backward steps must show
    page = _open(browser, path)
    checked = 0
    for k, frame in enumerate(frames):
        if not frame["math"]:
            continue
        page.evaluate(f"show({k})")
        shown = page.evaluate(MATRICES)
        name = frame["math"]["name"].split(".")[0]  # "L2"
        layer = model.layers[int(name[1:]) - 1]
        xs = [product.inputs[1] for product in _products(loss, layer)]
        expected: dict[str, float] = {}
        for i, neuron in enumerate(layer.neurons):
            z = Value.sum([*[w * x for w, x in zip(neuron.w, xs)], neuron.b]).data
            if frame["phase"] == "forward":
                expected |= {f"W-{i}-{j}": w.data for j, w in enumerate(neuron.w)}
                expected |= {f"b-{i}": neuron.b.data, f"z-{i}": z}
                if len(layer.neurons) > 1:  # the hidden layers' ReLU
                    expected[f"h-{i}"] = max(z, 0.0)
            else:
                expected |= {f"dW-{i}-{j}": w.grad for j, w in enumerate(neuron.w)}
                expected |= {f"db-{i}": neuron.b.grad, f"delta-{i}": neuron.b.grad}
        if frame["phase"] == "forward":
            expected |= {f"x-{j}": x.data for j, x in enumerate(xs)}
        else:
            expected |= {f"dx-{j}": x.grad for j, x in enumerate(xs)}
        for key, value in expected.items():
            assert shown[key] == pytest.approx(value, rel=5e-3, abs=1e-12), (k, key)
        checked += len(expected)
    forward = (8 + 4 + 4 + 4 + 2) + (16 + 4 + 4 + 4 + 4) + (4 + 1 + 1 + 4)  # W b z h x
    backward = (8 + 4 + 4 + 2) + (16 + 4 + 4 + 4) + (4 + 1 + 1 + 4)  # dW db delta dx
    assert checked == forward + backward  # every entry of every layer, both ways
    assert any(shown[f"dW-0-{j}"] != 0 for j in range(4))  # a live unit's gradients

    page.evaluate(f"show({next(k for k, f in enumerate(frames) if f['math'])})")
    page.hover('#math td[data-name="W-1-0"]')  # an entry points at its weight and edge
    weight = page.get_attribute('#math td[data-name="W-1-0"]', "data-node")
    edge = page.get_attribute('#math td[data-name="W-1-0"]', "data-edge")
    assert "pointed" in page.get_attribute(f"#node-{weight}", "class")
    assert "pointed" in page.get_attribute(f"#edge-{edge}", "class")
    assert page.errors == []
    page.close()


def _products(loss: Value, layer: Any) -> list[Value]:
    """The first neuron's products w_j * x_j in the loss's graph, in j's order."""
    first = layer.neurons[0]
    nodes = loss.topological_order()
    return [next(n for n in nodes if n.op == "*" and n.inputs[0] is w) for w in first.w]


def test_the_quiz_on_a_layer_asks_for_its_entries_in_the_matrix(
    browser: Any, tmp_path: Path
) -> None:
    loss, model = layer_loss()
    path = write_stepper(loss, tmp_path / "layers.html", params=model, by="layer")
    frames = _data(path.read_text(encoding="utf-8"))["frames"]
    page = _open(browser, path)
    page.evaluate("show(2)")  # forward through L2: z and h asked, entry by entry
    page.keyboard.press("q")
    cells = page.query_selector_all("#math td.asked input.answer")
    names = [c.evaluate("e => e.parentElement.dataset.name") for c in cells]
    assert names == [f"z-{i}" for i in range(4)] + [f"h-{i}" for i in range(4)]
    for item in frames[2]["quiz"]:  # nor do the graph's boxes give them away
        assert "data ?" in page.inner_html(f"#node-{item['node']}")
    for item, cell in zip(frames[2]["quiz"], cells):
        cell.fill(item["value"])
        cell.press("Enter")
        assert "right" in cell.get_attribute("class")
    wrong = cells[0]
    wrong.fill("12345")
    wrong.press("Enter")
    assert "wrong" in wrong.get_attribute("class")
    wrong.press("Escape")  # back to the keys that step
    page.keyboard.press("r")
    revealed = page.query_selector_all("#math td input.answer")  # the answers, filled in
    assert [c.input_value() for c in revealed] == [i["value"] for i in frames[2]["quiz"]]
    assert all(c.evaluate("e => e.readOnly") for c in revealed)

    backward = next(
        k for k, f in enumerate(frames) if f["title"].startswith("backward through layer L2")
    )
    page.evaluate(f"show({backward})")  # delta asked; what follows from it hidden
    asked = page.query_selector_all("#math td.asked input.answer")
    assert [c.evaluate("e => e.parentElement.dataset.name") for c in asked] == [
        f"delta-{i}" for i in range(4)
    ]
    hidden = page.evaluate(
        "[...document.querySelectorAll('#math td')].filter(t => t.textContent === '?')"
        ".map(t => t.dataset.name)"
    )
    assert sorted(hidden) == sorted(
        [f"db-{i}" for i in range(4)] + [f"dW-{i}-{j}" for i in range(4) for j in range(4)]
        + [f"dx-{j}" for j in range(4)]
    )  # fmt: skip
    for item in frames[backward]["hidden"]:  # nor do the graph's boxes around the step
        if item["kind"] == "grad":
            assert "grad ?" in page.inner_html(f"#node-{item['node']}"), item
    assert page.errors == []
    page.close()
