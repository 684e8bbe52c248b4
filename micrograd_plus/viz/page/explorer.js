"use strict";
// The explorer: a graph collapsed by scope, each view (a set of opened scopes) drawn once
// by Graphviz; a click on a box shows the view with it opened. Texts are set with
// textContent; the SVGs are the package's own (labels escaped when they were made).
const DATA = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const graph = $("graph");
const MAX_SCALE = 2.0;
let path = "", current = 0, overview = false, timer = null, quiz = false, revealed = false;
let svg = null, FULL = null, READABLE = 1, view = null;

function steps() { return DATA.views[path].steps; }
function currentPath() { return path; }

function open(next) {  // show the view with scope `next` opened
  if (!(next in DATA.views)) {
    const numbers = DATA.matrices[next];
    if (numbers) { showMatrices(next, numbers); return; }
    $("note").textContent = "the scope " + next + " is too deep to draw on this page: " +
      "draw it with to_dot(root, open=[...]) or a Stepper of a smaller part";
    return;
  }
  path = next;
  current = 0;
  revealed = false;  // a new head: its weights asked again
  const v = DATA.views[path];
  graph.replaceChildren(document.getElementById(v.svg).content.cloneNode(true));
  svg = graph.querySelector("svg");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const base = svg.viewBox.baseVal;
  FULL = {x: base.x, y: base.y, w: base.width, h: base.height};
  // a wide picture reads better with the whole width of the screen, the text below it;
  // a head's matrices want the panel beside it, as wide as the picture
  const main = document.querySelector("main");
  const math = !!(v.attention || v.linear);
  main.classList.toggle("beside", FULL.w / FULL.h <= 2.2 || math);
  main.classList.toggle("math", math);
  // the least scale at which every text is 12.5 px high: a text's box is about 1.15 of
  // its font size (measured from the font size, which does not change with the zoom)
  const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(t.getAttribute("font-size")))
    .filter((size) => size > 0);
  READABLE = 12.5 / (1.1 * Math.min(...sizes, 40));
  for (const g of svg.querySelectorAll('g[id^="scope-"]')) {
    g.addEventListener("click", (e) => { e.stopPropagation(); open(v.boxes[g.id.slice(6)]); });
  }
  $("note").textContent = "";
  crumbs();
  show(0);
}

function crumbs() {
  const bar = $("crumbs");
  bar.replaceChildren();
  const parts = path ? path.split("/") : [];
  const link = (text, to) => {
    const a = document.createElement("a");
    a.textContent = text;
    a.addEventListener("click", () => open(to));
    return a;
  };
  const here = (text) => { const s = document.createElement("span"); s.className = "here"; s.textContent = text; return s; };
  bar.append(parts.length ? link("all scopes closed", "") : here("all scopes closed"));
  parts.forEach((part, i) => {
    bar.append(" / ");
    const to = parts.slice(0, i + 1).join("/");
    bar.append(i === parts.length - 1 ? here(part) : link(part, to));
  });
}

function show(k) {
  const all = steps();
  current = Math.max(0, Math.min(all.length, k));
  for (const g of svg.querySelectorAll(".current")) g.classList.remove("current");
  const step = current ? all[current - 1] : null;
  if (step) {
    const box = svg.querySelector("#scope-" + step.box);
    if (box) box.classList.add("current");
  }
  $("counter").textContent = "step " + current + " / " + all.length;
  $("phase").textContent = step ? step.phase : "start";
  $("title").textContent = step ? step.title : (path ? "inside " + path : "the graph, one box per scope");
  const lines = $("lines");
  lines.replaceChildren();
  const texts = step ? step.lines : ["each box is a scope: its size, what it reads and gives, " +
    "the largest gradient that left it; click one to open it"];
  for (const text of texts) {
    const div = document.createElement("div");
    div.textContent = text;
    lines.appendChild(div);
  }
  drawAttention(DATA.views[path].attention);
  if (!DATA.views[path].attention) drawLinear(DATA.views[path].linear);
  $("play").textContent = timer ? "pause" : "play";
  $("overview").classList.toggle("on", overview);
  $("close").disabled = !path;
  const v = DATA.views[path];
  aim(step ? [svg.querySelector("#scope-" + step.box)]
    : v.inside.map((id) => svg.querySelector("#scope-" + id))
      .concat(v.values.map((id) => svg.querySelector("#" + id))), !!step);
}

// --- an attention head, opened: its numbers as a course writes them ---------------------
function drawAttention(a) {
  const box = $("math");
  box.replaceChildren();
  if (!a) return;
  box.appendChild(equation("scores = K q / \u221ad:", matrix(a.K, "K", "K: a key per position"),
                           matrix(column(a.q), "q", "q"), "/ \u221a" + a.d, "=",
                           matrix(column(a.scores), "scores", "scores")));
  box.appendChild(equation("weights = softmax(scores) =", matrix(column(a.weights), "weights", "weights")));
  if (quiz && !revealed) {  // the class works out the weights: an answer field each
    a.weights.forEach((entry, t) => {
      const cell = box.querySelector(`td[data-name="weights-${t}"]`);
      const input = document.createElement("input");
      input.className = "answer";
      input.title = "weights[" + t + "]";
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          const right = answerIsRight(input.value, entry[3]);
          input.classList.toggle("right", right);
          input.classList.toggle("wrong", !right);
        }
        if (e.key === "Escape") input.blur();
        e.stopPropagation();  // typing an answer does not step the page
      });
      cell.replaceChildren(input);
    });
  }
  box.appendChild(equation("out = weights\u1d40 V:", matrix(a.V, "V", "V: a value per position"),
                           "=", matrix([a.out], "out", "out")));
  fit(box);
}

// A scope with too many Values to draw one by one that is one matrix product: the picture
// stays, its box lit, and the panel shows its numbers as the product.
function showMatrices(scopePath, numbers) {
  const v = DATA.views[path];
  const id = Object.keys(v.boxes).find((i) => v.boxes[i] === scopePath);
  for (const g of svg.querySelectorAll(".current")) g.classList.remove("current");
  if (id) svg.querySelector("#scope-" + id).classList.add("current");
  const main = document.querySelector("main");
  main.classList.add("beside", "math");
  $("title").textContent = scopePath;
  $("lines").replaceChildren();
  $("note").textContent = numbers.count.toLocaleString() + " Values, too many to draw one " +
    "by one: its numbers as the matrix product it is";
  drawLinear(numbers.linear);
}

// --- a scope that is one matrix product (W_o, q k v, the logits), opened -----------------
function drawLinear(l) {
  const box = $("math");
  box.replaceChildren();
  if (!l) return;
  const shape = l.size[0] + "\u00d7" + l.size[1];
  const W = matrix(l.W, "W", l.name + " (" + shape + ")");
  const x = matrix(column(l.x), "x", "x");
  box.appendChild(equation("y = " + l.name + " x:", W, x, "=", matrix(column(l.y), "y", "y")));
  if (l.r) {  // the residual stream: what came in, added back
    box.appendChild(equation("out = y + residual:", matrix(column(l.y), "y", "y"), "+",
                             matrix(column(l.r), "r", "residual"), "=",
                             matrix(column(l.out), "out", "out")));
  }
  fit(box);
}

function pointAt(td, on) {  // an entry and its Value, where the picture draws it
  td.classList.toggle("pointed", on);
  const drawn = svg.querySelector("#value-" + td.dataset.node);
  if (drawn) drawn.classList.toggle("pointed", on);
}

function lookAt(id) {  // a click on an entry: the camera on its Value, where drawn
  const drawn = svg.querySelector("#value-" + id);
  if (drawn) aim([drawn], true);
}

// --- the camera: the SVG's viewBox ------------------------------------------------------
function setView(v) {
  view = v;
  svg.setAttribute("viewBox", v.x + " " + v.y + " " + v.w + " " + v.h);
}
function shaped(cx, cy, scale) {
  const w = graph.clientWidth / scale, h = graph.clientHeight / scale;
  return {x: cx - w / 2, y: cy - h / 2, w: w, h: h};
}
function where(g) {  // a group's box in the SVG's own units (its parents may move it)
  const b = g.getBBox(), m = svg.getCTM().inverse().multiply(g.getCTM());
  const p = svg.createSVGPoint(), q = svg.createSVGPoint();
  p.x = b.x; p.y = b.y; q.x = b.x + b.width; q.y = b.y + b.height;
  const a = p.matrixTransform(m), c = q.matrixTransform(m);
  return {x0: a.x, y0: a.y, x1: c.x, y1: c.y};
}
// The whole picture if it is readable so; else the boxes in focus (the current one, or
// those inside the opened scope) as large as they fit, at a readable size at least.
function wanted(focus, one) {
  const fit = Math.min(graph.clientWidth / FULL.w, graph.clientHeight / FULL.h);
  if (overview || fit >= READABLE) {
    return shaped(FULL.x + FULL.w / 2, FULL.y + FULL.h / 2, Math.min(MAX_SCALE, fit));
  }
  const boxes = focus.filter(Boolean).map(where);
  if (!boxes.length) return shaped(FULL.x + FULL.w / 2, FULL.y + FULL.h / 2, READABLE);
  const pad = 24;
  const x0 = Math.min(...boxes.map((b) => b.x0)) - pad, x1 = Math.max(...boxes.map((b) => b.x1)) + pad;
  const y0 = Math.min(...boxes.map((b) => b.y0)) - pad, y1 = Math.max(...boxes.map((b) => b.y1)) + pad;
  const scale = Math.min(graph.clientWidth / (x1 - x0), graph.clientHeight / (y1 - y0));
  // a step's box at the readable size, its neighbours around it; else as large as fits
  const chosen = one ? READABLE : Math.min(MAX_SCALE, Math.max(READABLE, scale));
  return shaped((x0 + x1) / 2, (y0 + y1) / 2, chosen);
}
function aim(focus, one) { setView(wanted(focus, one)); }

panAndZoom(graph, () => view, setView, 'g[id^="scope-"]');  // a click on a box opens it
window.addEventListener("resize", () => show(current));

// --- the controls -------------------------------------------------------------------------
function parent() { return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ""; }
function play() {
  if (timer) { clearInterval(timer); timer = null; show(current); return; }
  timer = setInterval(() => {
    if (current >= steps().length) { play(); return; }
    show(current + 1);
  }, 1500);
  show(current);
}
$("first").onclick = () => show(0);
$("prev").onclick = () => show(current - 1);
$("next").onclick = () => show(current + 1);
$("last").onclick = () => show(steps().length);
$("play").onclick = play;
$("overview").onclick = () => { overview = !overview; show(current); };
$("close").onclick = () => { if (path) open(parent()); };
$("quiz").onclick = () => { quiz = !quiz; revealed = false; $("quiz").classList.toggle("on", quiz); show(current); };
$("reveal").onclick = () => { revealed = true; show(current); };
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === "ArrowRight" || key === "PageDown") show(current + 1);
  else if (key === "ArrowLeft" || key === "PageUp") show(current - 1);
  else if (key === "Home") show(0);
  else if (key === "End") show(steps().length);
  else if (key === " ") play();
  else if (key === "o") $("overview").onclick();
  else if (key === "q") $("quiz").onclick();
  else if (key === "r") $("reveal").onclick();
  else if (key === "Escape" || key === "Backspace") $("close").onclick();
  else return;
  e.preventDefault();
});
open("");
