"""How many updates a second the playground draws, for MLP(2, [8, 8, 1]) on 200 points
(the issue's bar: at least 10): Python's side alone (one iteration, then the frame the page
draws), and end to end in headless Chromium (the page playing: iterations per second,
each one trained, sent, drawn, with one sample's graph updated in place).

    python benchmarks/playground.py
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time

from micrograd_plus.playground.server import PlaygroundServer
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import Settings

SETTINGS = Settings(dataset="spiral", networkShape=(8, 8), numSamples=200, activation="tanh")
HASH = "dataset=spiral&networkShape=8,8&numSamples=200&activation=tanh&x=true&y=true"


def python_side(updates: int = 50) -> float:
    session = Session(SETTINGS)
    session.frame()  # the first frame lays the sample graph out once
    times = []
    for _ in range(updates):
        start = time.perf_counter()
        session.step(1)
        session.frame()
        times.append(time.perf_counter() - start)
    return 1 / statistics.median(times)


def in_chromium(seconds: float = 5.0) -> float | None:
    executable = shutil.which("chromium")
    if not executable:
        return None
    from playwright.sync_api import sync_playwright

    server = PlaygroundServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{server.url}#{HASH}")
            page.wait_for_function("document.querySelector('#loss-train').textContent !== ''")
            read = "Number(document.querySelector('#iter-number').textContent.replace(/,/g, ''))"
            page.click("#play-pause-button")
            page.wait_for_timeout(1000)  # warm up
            first, start = page.evaluate(read), time.perf_counter()
            page.wait_for_timeout(seconds * 1000)
            last, stop = page.evaluate(read), time.perf_counter()
            browser.close()
        return (last - first) / (stop - start)
    finally:
        server.shutdown()


if __name__ == "__main__":
    print("playground, MLP(2, [8, 8, 1]) on 200 spiral points, batch 10 (10 steps an iteration)")
    print(f"Python side (iteration + frame): {python_side():6.1f} updates/s")
    rate = in_chromium()
    if rate is None:
        print("Chromium not installed: no end-to-end figure")
    else:
        print(f"in Chromium, playing:            {rate:6.1f} updates/s (the bar: 10)")
