"""The playground's server with real requests (http.client, a WebSocket client) and its
page in headless Chromium at 1280x720: it trains live with TF Playground's ids, the
sample graph's numbers change, pause stops, the hash sets the controls; the token and the
Host header are checked on every request; the socket listens on loopback only."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Origin

from micrograd_plus.playground.server import PlaygroundServer


@pytest.fixture(scope="module")
def server() -> Iterator[PlaygroundServer]:
    running = PlaygroundServer()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    thread.join(timeout=10)


def _get(server: PlaygroundServer, path: str, host: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": f"127.0.0.1:{server.port}" if host is None else host}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, body


def test_the_socket_listens_on_loopback_only(server: PlaygroundServer) -> None:
    assert server._server.socket.getsockname()[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"


@pytest.mark.parametrize("path", ["/", "/playground.js", "/ws"])
def test_every_path_needs_the_token(server: PlaygroundServer, path: str) -> None:
    assert _get(server, path)[0] == 401
    assert _get(server, f"{path}?token=wrong")[0] == 403
    assert _get(server, f"{path}?token={server.token}x")[0] == 403


@pytest.mark.parametrize("host", ["evil.example:80", "127.0.0.1.evil.example", "", "localhost:1"])
def test_a_foreign_host_header_is_refused(server: PlaygroundServer, host: str) -> None:
    status, body = _get(server, f"/?token={server.token}", host=host)
    assert status == 400 and "127.0.0.1" in body


def test_the_page_and_its_module_are_served_with_the_token(server: PlaygroundServer) -> None:
    status, page = _get(server, f"/?token={server.token}")
    assert status == 200 and '<div id="app">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from the net
    status, module = _get(server, f"/playground.js?token={server.token}")
    assert status == 200 and "export default" in module and "function render" in module
    assert _get(server, f"/etc/passwd?token={server.token}")[0] == 404


def test_the_channel_answers_and_survives_hostile_messages(server: PlaygroundServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws?token={server.token}"
    with connect(url, origin=Origin(f"http://127.0.0.1:{server.port}")) as ws:
        ws.send(json.dumps({"type": "init", "hash": "networkShape=3&dataset=xor"}))
        first = json.loads(ws.recv())
        assert first["type"] == "state" and first["settings"]["networkShape"] == [3]
        for hostile in ["not json", "[]", json.dumps({"type": "set", "key": "batchSize",
                                                      "value": "-1"})]:  # fmt: skip
            ws.send(hostile)
            assert json.loads(ws.recv())["type"] == "error"
        ws.send(json.dumps({"type": "tick"}))
        assert json.loads(ws.recv())["iteration"] == 1


def test_another_sites_page_cannot_open_the_channel(server: PlaygroundServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws?token={server.token}"
    with pytest.raises(Exception, match="403"):
        connect(url, origin=Origin("http://evil.example"))


# --- in Chromium ------------------------------------------------------------------------


TF_IDS = [
    "play-pause-button", "reset-button", "next-step-button", "iter-number", "loss-train",
    "loss-test", "learningRate", "activations", "regularizations", "regularRate",
    "batchSize", "noise", "percTrainData", "problem", "show-test-data", "discretize",
    "add-layers", "remove-layers", "num-layers", "heatmap", "network", "linechart",
]  # fmt: skip


def _open(browser: Any, server: PlaygroundServer, hash_: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "#" + hash_)
    page.wait_for_function("document.querySelector('#loss-train').textContent !== ''")
    page.errors = errors
    return page


def _iteration(page: Any) -> int:
    return int(page.inner_text("#iter-number").replace(",", ""))


def _graph_numbers(page: Any) -> list[str]:
    texts = page.eval_on_selector_all("#sample-graph text", "els => els.map(e => e.textContent)")
    return [str(t) for t in texts]


def test_the_page_trains_live_and_pause_stops_it(browser: Any, server: PlaygroundServer) -> None:
    page = _open(browser, server, "dataset=circle&networkShape=4,2&activation=tanh"
                                  "&learningRate=0.03&x=true&y=true")  # fmt: skip
    for element_id in TF_IDS:
        assert page.locator(f"#{element_id}").count() == 1, element_id
    start_loss = float(page.inner_text("#loss-train"))
    before = _graph_numbers(page)
    assert any(t.startswith("data ") for t in before) and any(t.startswith("grad ") for t in before)
    page.click("#play-pause-button")
    page.wait_for_function("Number(document.querySelector('#iter-number').textContent"
                           ".replace(/,/g, '')) >= 40", timeout=20_000)  # fmt: skip
    assert float(page.inner_text("#loss-train")) < start_loss
    assert _graph_numbers(page) != before  # the sample's numbers follow the weights
    page.click("#play-pause-button")
    page.wait_for_timeout(300)
    stopped = _iteration(page)
    page.wait_for_timeout(700)
    assert _iteration(page) == stopped  # paused: nothing moves
    shown = page.inner_text("#iter-number")
    page.click("#next-step-button")
    page.wait_for_function(f"document.querySelector('#iter-number').textContent !== '{shown}'")
    assert _iteration(page) == stopped + 1
    box = page.locator("#heatmap").bounding_box()
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720  # in view
    assert page.errors == []
    page.close()


def test_the_hash_sets_the_controls(browser: Any, server: PlaygroundServer) -> None:
    page = _open(browser, server, "activation=relu&learningRate=0.1&regularization=L2"
                                  "&regularizationRate=0.01&networkShape=5,3,2&dataset=xor"
                                  "&x=true&y=true&xTimesY=true&noise=10&batchSize=20")  # fmt: skip
    assert page.input_value("#activations") == "relu"
    assert page.input_value("#learningRate") == "0.1"
    assert page.input_value("#regularizations") == "L2"
    assert page.input_value("#regularRate") == "0.01"
    assert page.inner_text("#num-layers") == "3"
    assert page.input_value("#noise") == "10" and page.input_value("#batchSize") == "20"
    assert page.locator("#feature-xTimesY.selected").count() == 1
    page.select_option("#activations", "tanh")  # and a control changes the URL's hash
    page.wait_for_function("window.location.hash.includes('activation=tanh')")
    page.close()


def test_a_bad_value_is_a_message_on_the_page(browser: Any, server: PlaygroundServer) -> None:
    page = _open(browser, server, "networkShape=2")
    page.evaluate("""() => {
        const box = document.querySelector('#learningRate');
        box.add(new Option('99', '99')); box.value = '99';
        box.dispatchEvent(new Event('change'));
    }""")
    page.wait_for_function("document.querySelector('#message').textContent.length > 0")
    assert "learningRate must be from" in page.inner_text("#message")
    page.click("#next-step-button")  # the session goes on
    page.wait_for_function("document.querySelector('#iter-number').textContent === '000,001'")
    page.close()
