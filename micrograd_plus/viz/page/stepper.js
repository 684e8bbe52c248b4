// The stepper: one SVG laid out once; each step changes texts, colours and widths in
// place, and the camera (the SVG's viewBox) moves to the current node. All text is set
// with textContent: labels and titles stay text.
const DATA = JSON.parse(document.getElementById("data").textContent);
const FRAMES = DATA.frames;
// the colours of the current step and the flags come from the package's palette
document.documentElement.style.setProperty("--current", DATA.colours.current);
const $ = (id) => document.getElementById(id);
const graph = $("graph");
const svg = document.getElementById("picture");
const SVGNS = "http://www.w3.org/2000/svg";
const MAX_SCALE = 2.0;   // screen pixels per SVG unit, at the most
// The least scale at which a box's text is 12.5 px high: below it, text is too small to
// read from the back of a room, and inputs that do not fit are shown in an inset instead.
// (from the font size: a text's box measured while the graph is shown small is not its
// size once zoomed in; a box is about 1.1 of its font size)
const TEXT_UNITS = 1.1 * Math.min(...[...svg.querySelectorAll('g.node text')].slice(0, 50)
  .map((t) => parseFloat(t.getAttribute("font-size"))).filter((size) => size > 0), 14);
const READABLE = 12.5 / TEXT_UNITS;
const inset = document.createElementNS(SVGNS, "g");  // copies of inputs out of view
inset.id = "inset";
const layer = svg.querySelector("g");  // Graphviz's top group, moved by a translate:
const moved = layer.transform.baseVal.consolidate();  // boxes are where it puts them
const DX = moved ? moved.matrix.e : 0, DY = moved ? moved.matrix.f : 0;
layer.appendChild(inset);

// --- the SVG's parts, found once (graph_update.js) ---------------------------------------
const parts = findParts(svg, DATA.gradCell);
const boxes = parts.boxes, ops = parts.ops, edges = parts.edges;

// --- the state at each step: the first frame in full, then what changed ------------------
const STATES = [];
{
  let nodes = {}, lines = {}, dead = {};
  for (const frame of FRAMES) {
    nodes = Object.assign({}, nodes, frame.nodes);
    lines = Object.assign({}, lines, frame.edges);
    dead = Object.assign({}, dead, frame.dead);
    STATES.push({nodes: nodes, edges: lines, dead: dead});
  }
}

let current = 0, quiz = false, revealed = false, timer = null, overview = false;
let score = 0;
const answered = {};  // "frame:item" -> true once answered right

function asking() { return quiz && !revealed && FRAMES[current].quiz.length > 0; }

function draw() {
  const frame = FRAMES[current], state = STATES[current];
  for (const [id, row] of Object.entries(state.nodes)) showNode(parts, id, row);
  for (const [key, row] of Object.entries(state.edges)) showEdge(parts, key, row);
  for (const [id, row] of Object.entries(state.dead)) showDead(parts, id, row[0], DATA.colours);
  for (const el of svg.querySelectorAll(".current")) el.classList.remove("current");
  if (frame.current) {
    const id = frame.current;
    if (boxes[id]) boxes[id].group.classList.add("current");
    if (ops[id]) ops[id].classList.add("current");
    for (const [key, edge] of Object.entries(edges)) {
      if (key.startsWith(id + "-")) edge.group.classList.add("current");
    }
  }
  if (asking()) {  // hide only what this step computes
    for (const item of frame.quiz.concat(frame.hidden || [])) {
      const box = boxes[item.node];
      if (!box || !box.cell) continue;
      if (item.kind === "grad") {
        box.grad.textContent = "grad ?";
        box.cell.setAttribute("fill", DATA.colours.blank);
        box.grad.setAttribute("fill", "black");
      } else {
        box.data.textContent = "data ?";
      }
    }
    if (frame.phase === "backward" && frame.current) {  // nor what flows: no width, no dashes
      const flowing = frame.math ? Object.keys(frame.edges) : [];  // a layer's: all of them
      for (const [key, edge] of Object.entries(edges)) {
        if (!key.startsWith(frame.current + "-") && !flowing.includes(key)) continue;
        showEdge(parts, key, [DATA.colours.edge, 2, edge.label ? "?" : "", 0]);
      }
    }
    if (frame.phase === "forward" && frame.math) {  // a dead ReLU would say h = 0
      for (const id of Object.keys(frame.dead)) showDead(parts, id, 0, DATA.colours);
    }
  }
  $("counter").textContent = "step " + current + " / " + (FRAMES.length - 1);
  $("phase").textContent = frame.phase;
  $("title").textContent = frame.title;
  const lines = $("lines");
  lines.replaceChildren();
  const shown = asking() ? (frame.phase === "backward" ? frame.lines.slice(0, 1) : []) : frame.lines;
  let into = lines;
  const layerMath = !!frame.math && frame.math.z ? frame.math.z.length > 1
    : !!frame.math && frame.math.delta.length > 1;
  document.querySelector("main").classList.toggle("math", layerMath);  // a wider panel
  document.querySelector("main").classList.toggle("neuron-math", !!frame.math && !layerMath);
  drawMath(frame);
  if (frame.math && shown.length) {  // the scalar steps a click away, under the equations
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "the " + shown.length + " scalar lines";
    details.appendChild(summary);
    lines.appendChild(details);
    into = details;
  }
  for (const line of shown) {
    const div = document.createElement("div");
    div.textContent = line;
    into.appendChild(div);
  }
  drawAnswers(frame);
  if (frame.math) fit($("math"));  // with everything under the equations in the panel
  $("quiz").classList.toggle("on", quiz);
  $("overview").classList.toggle("on", overview);
  $("play").textContent = timer ? "pause" : "play";
  $("score").textContent = quiz || score ? "score: " + score + " right" : "";
  aim();
}

// --- a neuron or layer as its equations: small matrices, each entry tied to its node ------

const SIGNS = {relu: "relu", tanh: "tanh", sigmoid: "sigmoid", leaky_relu: "leaky_relu"};

function pointAt(td, on) {  // an entry and its scalar node (and edge) in the graph
  td.classList.toggle("pointed", on);
  const box = boxes[td.dataset.node], edge = edges[td.dataset.edge];
  if (box) box.group.classList.toggle("pointed", on);
  if (edge) edge.group.classList.toggle("pointed", on);
}

function lookAt(id) {  // a click on an entry: the camera on its node, at a readable size
  const b = DATA.boxes["node-" + id];
  if (b) setView(shaped(b[0] + b[2] / 2, b[1] + b[3] / 2, Math.min(MAX_SCALE, READABLE)));
}

function drawMath(frame) {
  const box = $("math");
  box.replaceChildren();
  const m = frame.math;
  if (!m) return;
  const f = SIGNS[m.activation] || m.activation;
  const b = m.name.replace(/\.[Ww]$/, ".b");
  // one neuron: its weights as a column beside x (z = w . x + b), however many there are
  const single = m.phase === "forward" ? m.W.length === 1 : m.dW.length === 1;
  if (m.phase === "forward") {
    const w = single ? matrix(column(m.W[0]), "W", m.name + "\u1d40") : matrix(m.W, "W", m.name);
    box.appendChild(equation("z =", w, single ? "\u00b7" : "", matrix(column(m.x), "x", "x"), "+",
                             matrix(column(m.b), "b", b), "=", matrix(column(m.z), "z", "z")));
    if (m.h) box.appendChild(equation("h = " + f + "(z) =", matrix(column(m.h), "h", "h")));
  } else {
    if (m.dh) {
      box.appendChild(equation("\u03b4 =", matrix(column(m.dh), "dh", "dL/dh"), "\u2299",
                               matrix(column(m.slope), "slope", f + "\u2032(z)"), "=",
                               matrix(column(m.delta), "delta", "\u03b4 = dL/dz")));
    } else {
      box.appendChild(equation("\u03b4 = dL/dz =", matrix(column(m.delta), "delta", "\u03b4")));
    }
    box.appendChild(single
      ? equation("dL/dw = \u03b4 x =", matrix(column(m.dW[0]), "dW", "dL/d" + m.name + "\u1d40"))
      : equation("dL/dW = \u03b4 x\u1d40 =", matrix(m.dW, "dW", "dL/d" + m.name)));
    box.appendChild(equation("dL/db = \u03b4 =", matrix(column(m.db), "db", "dL/d" + b),
                             "dL/dx = W\u1d40\u03b4 =", matrix(column(m.dx), "dx", "dL/dx")));
  }
  if (!asking()) return;
  for (const item of frame.quiz) {  // the asked entries: answer fields in the matrix
    const td = box.querySelector(`td[data-name="${item.cell}"]`);
    if (td) td.classList.add("asked");
  }
  for (const item of frame.hidden || []) {  // what follows from them: hidden, not asked
    const td = box.querySelector(`td[data-name="${item.cell}"]`);
    if (td) td.textContent = "?";
  }
}

function drawAnswers(frame) {
  const answers = $("answers");
  answers.replaceChildren();
  if (!quiz || !frame.quiz.length) return;
  frame.quiz.forEach((item, i) => {
    const label = document.createElement("label");
    const name = document.createElement("span");
    name.textContent = item.name + " =";
    const input = document.createElement("input");
    input.className = "answer";
    input.type = "text";
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.dataset.key = current + ":" + i;
    const verdict = document.createElement("span");
    verdict.className = "verdict";
    if (revealed) {
      input.value = String(item.value);
      input.readOnly = true;
    }
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { check(input, item.value, verdict); e.preventDefault(); }
      if (e.key === "Escape") input.blur();  // back to the keys that step
      e.stopPropagation();  // typing an answer does not step the page
    });
    const cell = item.cell && $("math").querySelector(`td[data-name="${item.cell}"]`);
    if (cell) {  // in its place in the matrix; Enter colours it right or wrong
      cell.replaceChildren(input);
      input.title = item.name;
      return;
    }
    label.append(name, input, verdict);
    answers.appendChild(label);
  });
  const help = document.createElement("div");
  help.className = "verdict";
  help.textContent = revealed ? "" : "type an answer and press Enter; R reveals";
  answers.appendChild(help);
}

function check(input, value, verdict) {
  const right = answerIsRight(input.value, value);
  input.classList.toggle("right", right);
  input.classList.toggle("wrong", !right);
  verdict.textContent = right ? "right" : "not yet";
  if (right && !answered[input.dataset.key]) {
    answered[input.dataset.key] = true;
    score += 1;
    $("score").textContent = "score: " + score + " right";
  }
}

// --- the camera: the SVG's viewBox -----------------------------------------------------
const base = svg.viewBox.baseVal;
const FULL = {x: base.x, y: base.y, w: base.width, h: base.height};
let view = Object.assign({}, FULL), animation = null;

function setView(v) {
  view = v;
  svg.setAttribute("viewBox", v.x + " " + v.y + " " + v.w + " " + v.h);
}

function shaped(cx, cy, scale) {  // a view centred on (cx, cy) at `scale` pixels per unit
  const w = graph.clientWidth / scale, h = graph.clientHeight / scale;
  return {x: cx - w / 2, y: cy - h / 2, w: w, h: h};
}

function inView(b, v) {
  return b[0] >= v.x && b[1] >= v.y && b[0] + b[2] <= v.x + v.w && b[1] + b[3] <= v.y + v.h;
}

// Where the camera rests for the current step: the node, its op and its inputs, as large
// as they fit (at most MAX_SCALE). When they cannot all fit at a readable size (a sum of
// inputs spread across a layer), it frames the node and its op at the readable size and
// the inputs out of view are shown in an inset at the view's left (see placeInset).
function wanted() {
  const frame = FRAMES[current];
  const cw = Math.max(graph.clientWidth, 1), ch = Math.max(graph.clientHeight, 1);
  const known = frame.focus.map((id) => DATA.boxes[id]).filter(Boolean);
  if (overview || !known.length) {
    const scale = Math.min(cw / FULL.w, ch / FULL.h);
    return shaped(FULL.x + FULL.w / 2, FULL.y + FULL.h / 2, scale);
  }
  const span = (boxes, pad = 24) => {
    const x0 = Math.min(...boxes.map((b) => b[0])) - pad, y0 = Math.min(...boxes.map((b) => b[1])) - pad;
    const x1 = Math.max(...boxes.map((b) => b[0] + b[2])) + pad;
    const y1 = Math.max(...boxes.map((b) => b[1] + b[3])) + pad;
    return {x0, y0, x1, y1, fit: Math.min(cw / (x1 - x0), ch / (y1 - y0))};
  };
  const all = span(known);
  if (all.fit >= READABLE || (frame.focus.length > 12 && !frame.core)) {  // all of it
    return shaped((all.x0 + all.x1) / 2, (all.y0 + all.y1) / 2, Math.min(MAX_SCALE, all.fit));
  }
  if (frame.core) {  // a neuron or layer: the current node, its neuron's sum, activation
    // and output, where they fit at a readable size; else the node and its op, as below
    const core = span(frame.focus.slice(0, frame.core).map((id) => DATA.boxes[id]).filter(Boolean), 12);
    if (core.fit >= READABLE) {
      return shaped((core.x0 + core.x1) / 2, (core.y0 + core.y1) / 2, Math.min(MAX_SCALE, core.fit));
    }
  }
  // as much of the graph as a readable size allows, the node and its op in its right part
  const own = span(known.slice(0, frame.focus[1] && frame.focus[1].startsWith("op-") ? 2 : 1));
  const v = shaped((own.x0 + own.x1) / 2, (own.y0 + own.y1) / 2, Math.min(MAX_SCALE, READABLE));
  const shift = Math.max(0, Math.min(v.w * 0.3, own.x0 - v.x - v.w * 0.05));
  return {x: v.x - shift, y: v.y, w: v.w, h: v.h};
}

// Copies (<use>) of the inputs the view cannot hold, stacked at its left edge in a framed
// column; they show the same texts as the boxes they copy, updated with them.
function placeInset(v) {
  inset.replaceChildren();
  const frame = FRAMES[current];
  if (overview || frame.focus.length > 12) return;
  const pad = 12;
  const out = frame.focus.slice(1).filter((id) => id.startsWith("node-") && DATA.boxes[id] &&
                                                  !inView(DATA.boxes[id], v));
  if (!out.length) return;
  const width = Math.max(...out.map((id) => DATA.boxes[id][2])) + 2 * pad;
  const height = out.reduce((sum, id) => sum + DATA.boxes[id][3] + 14, pad + 22);
  const back = document.createElementNS(SVGNS, "rect");  // one opaque, framed column
  back.setAttribute("x", v.x - DX + 4);
  back.setAttribute("y", v.y - DY + 4);
  back.setAttribute("width", width);
  back.setAttribute("height", height);
  back.setAttribute("class", "inset-frame");
  const note = document.createElementNS(SVGNS, "text");
  note.setAttribute("x", v.x - DX + 4 + pad);
  note.setAttribute("y", v.y - DY + 4 + 16);
  note.setAttribute("class", "inset-note");
  note.textContent = "inputs, from further away:";
  inset.append(back, note);
  let y = v.y + 4 + 26;
  for (const id of out) {
    const b = DATA.boxes[id];
    const copy = document.createElementNS(SVGNS, "use");
    copy.setAttribute("href", "#" + id);
    copy.setAttribute("transform", `translate(${v.x + 4 + pad - b[0]}, ${y - b[1]})`);
    copy.setAttribute("class", "inset");
    copy.dataset.of = id;
    inset.append(copy);
    y += b[3] + 14;
  }
}

function aim() {
  const from = Object.assign({}, view), to = wanted();
  placeInset(to);
  if (animation) cancelAnimationFrame(animation);
  const start = performance.now(), duration = 350;
  document.body.dataset.moving = "1";
  const frame = (now) => {
    const t = Math.min(1, (now - start) / duration), ease = t < 0.5 ? 2 * t * t : 1 - 2 * (1 - t) * (1 - t);
    setView({x: from.x + (to.x - from.x) * ease, y: from.y + (to.y - from.y) * ease,
             w: from.w + (to.w - from.w) * ease, h: from.h + (to.h - from.h) * ease});
    if (t < 1) animation = requestAnimationFrame(frame);
    else { animation = null; document.body.dataset.moving = "0"; }
  };
  animation = requestAnimationFrame(frame);
}

panAndZoom(graph, () => view, setView);
window.addEventListener("resize", () => aim());

// --- the controls ----------------------------------------------------------------------
function show(k) {
  current = Math.max(0, Math.min(FRAMES.length - 1, k));
  revealed = false;
  draw();
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
function legend() {
  const box = $("legend");
  if (!box.childElementCount) {
    for (const [fill, text, ink] of DATA.legend) {
      const row = document.createElement("div");
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.style.background = fill;
      chip.style.color = ink;
      const words = document.createElement("span");
      words.textContent = text;
      row.append(chip, words);
      box.appendChild(row);
    }
  }
  box.hidden = !box.hidden;
  $("legend-button").classList.toggle("on", !box.hidden);
}

$("first").onclick = () => show(0);
$("prev").onclick = () => show(current - 1);
$("next").onclick = () => show(current + 1);
$("last").onclick = () => show(FRAMES.length - 1);
$("play").onclick = play;
$("quiz").onclick = () => { quiz = !quiz; revealed = false; draw(); };
$("reveal").onclick = () => { revealed = true; draw(); };
$("overview").onclick = () => { overview = !overview; draw(); };
$("legend-button").onclick = legend;
$("layout").onclick = () => { document.querySelector("main").classList.toggle("beside"); aim(); };
document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === "ArrowRight" || key === "PageDown") show(current + 1);
  else if (key === "ArrowLeft" || key === "PageUp") show(current - 1);
  else if (key === "Home") show(0);
  else if (key === "End") show(FRAMES.length - 1);
  else if (key === " ") play();
  else if (key === "q") $("quiz").onclick();
  else if (key === "r") $("reveal").onclick();
  else if (key === "o") $("overview").onclick();
  else if (key === "g") legend();
  else if (key === "l") $("layout").onclick();
  else return;
  e.preventDefault();
});
// The arithmetic goes beside the graph, unless the graph is so wide that it reads better
// with the whole width of the screen and the text below it.
if (FULL.w / FULL.h > 2.2) document.querySelector("main").classList.remove("beside");
show(0);
