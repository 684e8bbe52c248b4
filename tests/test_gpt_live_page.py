"""The GPT live view's page from its server, by real requests and in headless Chromium at
1280x720: the attention heat maps change as it trains, every number a hover shows is the
model's own (a run in the test, trained the same steps, is the oracle), the history
scrubs back, the controls refuse bad values in words, and the largest model it offers
fits the screen."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from conftest import python_prints

from micrograd_plus.gpt import Vocabulary
from micrograd_plus.gpt_live.run import LiveRun
from micrograd_plus.gpt_live.server import GPTLiveServer

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn",
         "bo", "lily", "zoe", "christopher"]  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[GPTLiveServer]:
    running = GPTLiveServer(names=NAMES, per_tick=2)  # microgpt's sizes
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    thread.join(timeout=10)


def _get(server: GPTLiveServer, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, body


def test_the_page_and_its_module_need_the_token(server: GPTLiveServer) -> None:
    assert _get(server, "/")[0] == 401
    assert _get(server, "/?token=wrong")[0] == 403
    status, page = _get(server, f"/?token={server.token}")
    assert status == 200 and f'import app from "./gpt_live.js?token={server.token}"' in page
    status, module = _get(server, f"/gpt_live.js?token={server.token}")
    assert status == 200 and "export default { render }" in module
    assert _get(server, f"/playground.js?token={server.token}")[0] == 404


def test_the_servers_path_loads_nothing_of_jupyter() -> None:
    loaded = python_prints(
        "import sys\nfrom micrograd_plus.gpt_live.server import GPTLiveServer\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('anywidget', 'ipywidgets', 'ipykernel', 'traitlets')))"
    )
    assert loaded.strip() == "[]"


def _fits(page: Any) -> None:
    """Nothing runs off a 1280x720 screen, and every text is 12 px or more."""
    width = page.evaluate("document.documentElement.scrollWidth")
    bottom = page.evaluate("document.querySelector('.mgp-gpt main').getBoundingClientRect().bottom")
    small = page.evaluate(
        "[...document.querySelectorAll('.mgp-gpt *')].filter(e => e.childNodes.length &&"
        " [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) &&"
        " e.getClientRects().length && parseFloat(getComputedStyle(e).fontSize) < 12)"
        ".map(e => e.textContent.slice(0, 30))"
    )
    assert width <= 1280 and bottom <= 720 and small == []


def _open(browser: Any, server: GPTLiveServer) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url)
    page.wait_for_selector("#heads rect.cell")
    page.errors = errors
    return page


def _step(page: Any) -> str:
    return str(page.inner_text("#step-number"))


def _fills(page: Any) -> list[str]:
    cells = "#heads rect.cell"
    return [
        str(f)
        for f in page.eval_on_selector_all(cells, "els => els.map(e => e.getAttribute('fill'))")
    ]


def _tip(page: Any, selector: str) -> str:
    page.hover(selector)
    return str(page.inner_text("#tip"))


def _cell(head: int, row: int, col: int) -> str:
    return f"#heads svg.head[data-head='{head}'] rect[data-row='{row}'][data-col='{col}']"


def test_the_heat_maps_change_as_it_trains_and_every_hover_is_the_models(
    browser: Any, server: GPTLiveServer
) -> None:
    oracle = LiveRun(NAMES)  # the same names, sizes and seed: the same numbers
    page = _open(browser, server)
    assert _step(page) == "0"
    _fits(page)
    labels = page.eval_on_selector_all(
        "#heads svg.head[data-head='0'] text.query", "els => els.map(e => e.textContent)"
    )
    assert labels == ["·", "e", "m", "m", "a"]  # BOS, then emma's letters
    before = _fills(page)
    tip = _tip(page, _cell(2, 3, 1))
    maps, probs = oracle.look().maps, oracle.look().probs
    assert tip == f"head 2: 'm' (position 3) looks at 'e' (position 1): {maps[0, 2, 3, 1]:.3g}"
    for _ in range(3):
        page.click("#step")
    page.wait_for_function("document.querySelector('#step-number').textContent === '3'")
    oracle.step(3)
    assert _fills(page) != before
    look = oracle.look()
    tip = _tip(page, _cell(2, 3, 1))
    assert tip.endswith(f": {look.maps[0, 2, 3, 1]:.3g}")
    m, e = oracle.vocabulary.chars.index("m"), oracle.vocabulary.chars.index("e")
    tip = _tip(page, f"#probs rect[data-row='1'][data-col='{m}']")
    assert tip == f"after 'e' (position 1): p('m') = {look.probs[1, m]:.3g} (the name's next)"
    assert probs[1, m] != look.probs[1, m]
    tip = _tip(page, f"#wte rect[data-row='{e}'][data-col='0']")
    assert tip == f"wte['e'][0] = {oracle.model.state_dict['wte'][e][0].data:.3g}"
    # play, then pause: it went on by itself
    page.click("#play")
    page.wait_for_function("Number(document.querySelector('#step-number').textContent) >= 9")
    page.click("#play")
    page.wait_for_timeout(1500)  # the tick in flight when paused comes back, and no other
    stopped = _step(page)
    page.wait_for_timeout(600)
    assert _step(page) == stopped
    losses = page.eval_on_selector_all("#curve polyline", "els => els.length")
    assert losses == 2  # each step's, and the mean of the last 50
    # back to step 3 by the scrubber: the same numbers as at step 3
    page.eval_on_selector("#scrub", "el => { el.value = 3; el.dispatchEvent(new Event('input')); }")
    page.wait_for_function("document.querySelector('#viewing').textContent !== ''")
    assert _step(page) == "3"
    assert page.inner_text("#viewing") == f"viewing step 3; the run is at {stopped}"
    assert _tip(page, _cell(2, 3, 1)).endswith(f": {look.maps[0, 2, 3, 1]:.3g}")
    page.click("#now")
    page.wait_for_function(f"document.querySelector('#step-number').textContent === '{stopped}'")
    assert page.errors == []
    page.close()


def test_the_controls_change_the_run_and_refuse_in_words(
    browser: Any, server: GPTLiveServer
) -> None:
    page = _open(browser, server)
    page.fill("#name", "zoe")
    page.press("#name", "Enter")
    page.wait_for_function(
        "document.querySelector('#name-shown').textContent.startsWith('\"zoe\"')"
    )
    labels = page.eval_on_selector_all(
        "#heads svg.head[data-head='3'] text.key", "els => els.map(e => e.textContent)"
    )
    assert labels == ["·", "z", "o", "e"]
    rows = page.eval_on_selector_all("#probs text.after", "els => els.map(e => e.textContent)")
    assert rows == ["·", "z", "o", "e"]  # a row per position, a cell per token
    assert page.locator("#probs rect.cell").count() == 4 * Vocabulary.of(NAMES).size
    page.fill("#name", "Zoë!")
    page.press("#name", "Enter")
    page.wait_for_function("document.querySelector('#banner').textContent !== ''")
    assert page.inner_text("#banner").startswith("name is 1 to 15 of the letters")
    assert page.input_value("#name") == "zoe"  # the field goes back to what the run has
    page.fill("#lr", "7")
    page.press("#lr", "Enter")
    page.wait_for_function("document.querySelector('#banner').textContent.startsWith('lr ')")
    assert page.inner_text("#banner") == "lr is a number from 1e-05 to 1, got '7'"
    page.eval_on_selector(
        "#temperature", "el => { el.value = 1.5; el.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_function(
        "document.querySelector('#samples-title').textContent.includes('temperature 1.50')"
    )
    assert page.locator("#samples li").count() == 8
    page.fill("#steps", "2")
    page.press("#steps", "Enter")
    page.wait_for_function("document.querySelector('#steps').value === '2'")
    page.click("#play")  # two steps, then the end of the run: it stops and says so
    page.wait_for_function("document.querySelector('#banner').textContent.includes('done')")
    assert _step(page) == "2" and "playing" not in str(page.get_attribute(".mgp-gpt", "class"))
    assert page.errors == []
    page.close()


def test_the_largest_model_fits_the_screen(browser: Any) -> None:
    largest: dict[str, Any] = {"n_embd": 32, "n_head": 8, "n_layer": 2, "name": "christopherlily"}
    running = GPTLiveServer(names=NAMES, **largest)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        page = _open(browser, running)
        assert page.locator("#heads svg.head[data-layer='0']").count() == 8  # a layer at a time
        page.click("#layers button:has-text('layer 1')")
        page.wait_for_selector("#heads svg.head[data-layer='1']")
        assert page.locator("#heads svg.head").count() == 8
        width = page.eval_on_selector(_cell(7, 15, 2), "e => e.getBoundingClientRect().width")
        assert width >= 6  # 16 positions in a third of the column
        assert _tip(page, _cell(7, 15, 2)).startswith("layer 1 head 7: 'y' (position 15)")
        rows = page.eval_on_selector_all(
            "#wte text", "els => els.map(e => e.getBoundingClientRect().top)"
        )
        assert min(b - a for a, b in pairwise(rows)) >= 12  # row labels never overlap
        overflow = page.eval_on_selector_all(
            "#heads svg.head",
            "els => els.map(e => { const box = e.querySelector('text').getBBox();"
            " return box.x + box.width - e.width.baseVal.value; })",
        )
        assert max(overflow) <= 0  # each head's title within its panel
        _fits(page)
        page.close()
    finally:
        running.shutdown()
        thread.join(timeout=10)


def test_the_page_reconnects_with_its_settings_and_plays_on(browser: Any) -> None:
    first = GPTLiveServer(names=NAMES)
    threading.Thread(target=first.serve_forever, daemon=True).start()
    page = _open(browser, first)
    page.fill("#lr", "0.02")
    page.press("#lr", "Enter")
    page.fill("#name", "zoe")
    page.press("#name", "Enter")
    page.wait_for_function("document.querySelector('#name-shown').textContent.startsWith('\"zoe')")
    page.click("#step")
    page.wait_for_function("document.querySelector('#step-number').textContent === '1'")
    first.shutdown()  # the lecturer's laptop drops the server, and starts it again
    page.wait_for_function("document.querySelector('#banner').textContent.includes('dropped')")
    again = GPTLiveServer(first.port, token=first.token, names=NAMES)
    threading.Thread(target=again.serve_forever, daemon=True).start()
    try:
        page.wait_for_function(
            "document.querySelector('#banner').textContent.includes('reconnected')",
            timeout=15_000,
        )
        page.wait_for_function(  # a new run (step 0) with the settings the page had
            "document.querySelector('#step-number').textContent === '0' &&"
            " document.querySelector('#lr').value === '0.02' &&"
            " document.querySelector('#name-shown').textContent.startsWith('\"zoe')"
        )
        assert page.input_value("#name") == "zoe"
        page.click("#play")  # not stuck: it plays on
        page.wait_for_function("Number(document.querySelector('#step-number').textContent) >= 3")
        page.click("#play")
        assert page.errors == []
    finally:
        page.close()
        again.shutdown()
