"""How fast the playground answers, at TF Playground's default (4,2 on the circle) and at
the largest size it offers (8 hidden layers of 16, all 7 features, 1,000 points; the
issue's bars: 20 and 10 updates a second, a first frame within 1 s):

- Python's side alone: one iteration and the frame a page draws, per second;
- end to end in headless Chromium at 1280x720: the page's first frame (from opening the
  link, page load included), then updates a second while playing (each iteration
  trained, sent, drawn), and how long the scrubber takes to put an earlier iteration on
  screen;
- a frame's size in bytes (without the points, which are sent only when they change);
- the history's memory for MLP(2, [8, 8, 1]) over 5,000 iterations;
- the reference in the same process: the same playground on the scalar engine (one graph
  per sample, as micrograd trains), as a ratio.

    python benchmarks/playground.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import threading
import time

from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.server import PlaygroundServer
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import Settings, to_hash

ALL = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
CASES = {
    "TF's default, 4,2 on circle": Settings(networkShape=(4, 2)),
    "8,8 on spiral, 200 points": Settings(dataset="spiral", networkShape=(8, 8)),
    "largest: 8 x 16, 7 features, 1,000 points": Settings(
        networkShape=(16,) * 8, features=ALL, numSamples=1000
    ),
}


def python_side(settings: Settings, updates: int = 30, engine: str = "tape") -> tuple[float, int]:
    """Updates a second (iteration + frame + JSON) and a frame's size in bytes."""
    channel = Channel(Session(settings, engine=engine))
    channel.handle({"type": "frame"})
    times, size = [], 0
    for _ in range(updates):
        start = time.perf_counter()
        size = len(json.dumps(channel.handle({"type": "tick"}), allow_nan=False))
        times.append(time.perf_counter() - start)
    return 1 / statistics.median(times), size


def in_chromium(settings: Settings, seconds: float = 4.0) -> tuple[float, float, float] | None:
    """(first frame in s, updates a second while playing, scrub to an earlier iteration
    in ms)."""
    executable = shutil.which("chromium")
    if not executable:
        return None
    from playwright.sync_api import sync_playwright

    server = PlaygroundServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    read = "Number(document.querySelector('#iter-number').textContent.replace(/,/g, ''))"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            start = time.perf_counter()
            page.goto(f"{server.url}#{to_hash(settings)}")
            page.wait_for_function("document.querySelector('#loss-train').textContent !== ''")
            first = time.perf_counter() - start
            page.click("#play-pause-button")
            page.wait_for_timeout(1000)  # warm up
            before, start = page.evaluate(read), time.perf_counter()
            page.wait_for_timeout(seconds * 1000)
            after, stop = page.evaluate(read), time.perf_counter()
            page.click("#play-pause-button")
            page.wait_for_timeout(300)
            target = max(1, int(page.evaluate(read)) // 2)
            scrubbed = page.evaluate(
                """async (target) => {
                    const shown = document.querySelector('#iter-number');
                    const want = target.toLocaleString('en-US', {minimumIntegerDigits: 6});
                    const start = performance.now();
                    const bar = document.querySelector('#scrubber');
                    bar.value = String(target);
                    bar.dispatchEvent(new Event('input'));
                    while (shown.textContent !== want) await new Promise(r => setTimeout(r, 1));
                    return performance.now() - start;
                }""",
                target,
            )
            browser.close()
        return first, (after - before) / (stop - start), float(scrubbed)
    finally:
        server.shutdown()


def history_memory(iterations: int = 5000) -> tuple[float, int]:
    session = Session(Settings(networkShape=(8, 8), optimizer="adam", numSamples=20,
                               batchSize=1000))  # fmt: skip
    session.step(iterations)
    return session.history.nbytes / 1e6, session.history.count


if __name__ == "__main__":
    for name, settings in CASES.items():
        rate, size = python_side(settings)
        scalar, _ = python_side(settings, updates=5, engine="scalar")
        print(f"{name}:")
        print(f"  Python side (iteration + frame + JSON): {rate:6.1f} updates/s, "
              f"a frame {size / 1000:.0f} KB; {rate / scalar:.0f}x the scalar engine's "
              f"{scalar:.1f} (a graph per sample, as micrograd trains)")  # fmt: skip
        browser = in_chromium(settings)
        if browser is None:
            print("  Chromium not installed: no end-to-end figures")
            continue
        first, playing, scrub = browser
        print(f"  in Chromium: first frame {first:.2f} s, playing {playing:5.1f} updates/s, "
              f"scrub {scrub:.0f} ms")  # fmt: skip
    megabytes, rows = history_memory()
    print(f"history of MLP(2, [8, 8, 1]) with Adam, 5,000 iterations: {rows:,} rows, "
          f"{megabytes:.1f} MB")  # fmt: skip
