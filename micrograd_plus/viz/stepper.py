"""A self-contained HTML page that steps through the forward and backward passes.

One file a lecturer double-clicks: no server, no network. Every frame is an SVG of the
graph after that step (``to_dot(root, step=k)``) with the step's arithmetic beside it;
CSS and JavaScript are inline. Arrow keys or buttons move between frames, space plays
and pauses, Q hides the gradients (a quiz) and R reveals the current frame's, L puts
the arithmetic beside the graph or below it (beside, unless the graph is very wide).
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from micrograd_plus._files import write_atomic
from micrograd_plus.engine import Value
from micrograd_plus.viz._graph import Params, describe
from micrograd_plus.viz.dot import to_dot
from micrograd_plus.viz.passes import steps
from micrograd_plus.viz.rendering import render_bytes

__all__ = ["write_stepper"]

MAX_STEPPER_NODES = 150


def _inline_svg(svg: bytes) -> str:
    """Graphviz's SVG without its XML prologue, and scaled to its box by CSS."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', "<svg", text, count=1)


def stepper_frames(root: Value, params: Params = None) -> list[dict[str, object]]:
    """Each frame of the stepper: its SVG (and quiz SVG), phase, title and arithmetic."""
    all_steps = steps(root, params)
    forward = sum(1 for s in all_steps if s.phase == "forward")
    name = describe(root, params).names[root]
    frames: list[dict[str, object]] = [
        {
            "phase": "start",
            "title": "start: the inputs and parameters",
            "lines": [
                f"{forward} forward steps compute {name};",
                f"then {len(all_steps) - forward} backward steps send the gradient back.",
            ],
        }
    ]
    for step in all_steps:  # an arrow that never breaks across lines, on screen
        lines = [line.replace(" -> ", " \u2192 ") for line in step.lines]
        frames.append({"phase": step.phase, "title": step.title, "lines": lines})
    for k, frame in enumerate(frames):
        graph = to_dot(root, params=params, step=k, max_nodes=MAX_STEPPER_NODES)
        frame["svg"] = _inline_svg(render_bytes(graph.source, "svg"))
        if frame["phase"] == "backward":
            quiz = to_dot(root, params=params, step=k, quiz=True, max_nodes=MAX_STEPPER_NODES)
            frame["quiz"] = _inline_svg(render_bytes(quiz.source, "svg"))
    return frames


def write_stepper(
    root: Value, path: str | os.PathLike[str], title: str | None = None, params: Params = None
) -> Path:
    """Write the stepper for ``root``'s graph to ``path`` (an .html file) and return it."""
    frames = stepper_frames(root, params)
    heading = title or f"Backpropagation through {describe(root, params).names[root]}"
    data = json.dumps(frames).replace("</", "<\\/")  # no "</script>" inside the script
    page = PAGE.replace("__TITLE__", html.escape(heading)).replace("__FRAMES__", data)
    return write_atomic(path, page)


PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  body { margin: 0; font-family: Helvetica, Arial, sans-serif; font-size: 20px;
         background: #fafafa; color: #212121; }
  header { display: flex; align-items: baseline; gap: 1em; padding: 0.5em 1em;
           background: #263238; color: white; }
  header h1 { font-size: 1.3em; margin: 0; flex: 1; }
  #counter { font-size: 1.1em; font-variant-numeric: tabular-nums; }
  main { display: flex; flex-direction: column; gap: 0.6em; padding: 0.8em 1em; }
  #graph { background: white; border: 1px solid #ccc; padding: 0.5em; height: 58vh;
           display: flex; align-items: center; justify-content: center; }
  #graph svg { width: 100%; height: 100%; }
  #text { min-height: 20vh; }
  main.beside { flex-direction: row; }
  main.beside #graph { flex: 3; height: 76vh; }
  main.beside #text { flex: 2; min-width: 16em; }
  #phase { text-transform: uppercase; letter-spacing: 0.1em; font-size: 0.8em; color: #607d8b; }
  #title { font-size: 1.25em; font-weight: bold; margin: 0.2em 0 0.4em; }
  #lines { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 1em;
           line-height: 1.6; white-space: pre-wrap; }
  #lines div { padding: 0.1em 0.5em; border-left: 4px solid #e6a000; margin-bottom: 0.3em;
               background: #fff8e1; }
  nav { display: flex; gap: 0.5em; padding: 0 1em 1em; align-items: center; flex-wrap: wrap; }
  button { font-size: 1em; padding: 0.4em 0.9em; border: 1px solid #90a4ae; border-radius: 6px;
           background: white; cursor: pointer; }
  button:hover { background: #eceff1; }
  button.on { background: #263238; color: white; }
  .hint { color: #78909c; font-size: 0.8em; margin-left: auto; }
</style>
</head>
<body>
<header><h1>__TITLE__</h1><span id="counter"></span></header>
<main>
  <div id="graph"></div>
  <div id="text"><div id="phase"></div><div id="title"></div><div id="lines"></div></div>
</main>
<nav>
  <button id="first" title="first step (Home)">&#x25C0;&#x25C0;</button>
  <button id="prev" title="previous step (left arrow)">&#x25C0; back</button>
  <button id="next" title="next step (right arrow)">next &#x25B6;</button>
  <button id="last" title="last step (End)">&#x25B6;&#x25B6;</button>
  <button id="play" title="play or pause (space)">play</button>
  <button id="quiz" title="hide the gradients (Q)">quiz</button>
  <button id="reveal" title="show this step's gradients (R)">reveal</button>
  <button id="layout" title="text beside or below the graph (L)">layout</button>
  <span class="hint">&#x2190; &#x2192; step &middot; space play &middot; Q quiz &middot;
    R reveal &middot; L layout</span>
</nav>
<script>
const FRAMES = __FRAMES__;
let current = 0, quiz = false, revealed = false, timer = null;
const $ = (id) => document.getElementById(id);

function show(k) {
  current = Math.max(0, Math.min(FRAMES.length - 1, k));
  revealed = false;
  draw();
}
function draw() {
  const frame = FRAMES[current];
  const hidden = quiz && !revealed && frame.quiz;
  $("graph").innerHTML = hidden ? frame.quiz : frame.svg;
  $("counter").textContent = "step " + current + " / " + (FRAMES.length - 1);
  $("phase").textContent = frame.phase;
  $("title").textContent = frame.title;
  $("lines").innerHTML = "";
  const lines = hidden ? ["(quiz: work out the gradients, then press R)"] : frame.lines;
  for (const line of lines) {
    const div = document.createElement("div");
    div.textContent = line;
    $("lines").appendChild(div);
  }
  $("quiz").classList.toggle("on", quiz);
  $("play").textContent = timer ? "pause" : "play";
}
function play() {
  if (timer) { clearInterval(timer); timer = null; draw(); return; }
  if (current === FRAMES.length - 1) show(0);
  timer = setInterval(() => {
    if (current === FRAMES.length - 1) { play(); return; }
    show(current + 1);
  }, 1500);
  draw();
}
$("first").onclick = () => show(0);
$("prev").onclick = () => show(current - 1);
$("next").onclick = () => show(current + 1);
$("last").onclick = () => show(FRAMES.length - 1);
$("play").onclick = play;
$("quiz").onclick = () => { quiz = !quiz; revealed = false; draw(); };
$("reveal").onclick = () => { revealed = true; draw(); };
$("layout").onclick = () => document.querySelector("main").classList.toggle("beside");
// The arithmetic goes beside the graph, unless the graph is so wide that it reads
// better with the whole width of the screen and the text below it.
const box = (FRAMES[0].svg.match(/viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"/) || []);
if (box.length === 3 && box[1] / box[2] < 2.2) {
  document.querySelector("main").classList.add("beside");
}
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight" || e.key === "PageDown") show(current + 1);
  else if (e.key === "ArrowLeft" || e.key === "PageUp") show(current - 1);
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(FRAMES.length - 1);
  else if (e.key === " ") play();
  else if (e.key === "q" || e.key === "Q") $("quiz").onclick();
  else if (e.key === "r" || e.key === "R") $("reveal").onclick();
  else if (e.key === "l" || e.key === "L") $("layout").onclick();
  else return;
  e.preventDefault();
});
show(0);
</script>
</body>
</html>
"""
