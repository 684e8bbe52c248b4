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
const MIN_SCALE = 1.2;   // screen pixels per SVG unit when following a step: 14 pt text >= 16 px
const MAX_SCALE = 2.0;

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
    for (const item of frame.quiz) {
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
      for (const [key, edge] of Object.entries(edges)) {
        if (!key.startsWith(frame.current + "-")) continue;
        showEdge(parts, key, [DATA.colours.edge, 2, edge.label ? "?" : "", 0]);
      }
    }
  }
  $("counter").textContent = "step " + current + " / " + (FRAMES.length - 1);
  $("phase").textContent = frame.phase;
  $("title").textContent = frame.title;
  const lines = $("lines");
  lines.replaceChildren();
  const shown = asking() ? (frame.phase === "backward" ? frame.lines.slice(0, 1) : []) : frame.lines;
  for (const line of shown) {
    const div = document.createElement("div");
    div.textContent = line;
    lines.appendChild(div);
  }
  drawAnswers(frame);
  $("quiz").classList.toggle("on", quiz);
  $("overview").classList.toggle("on", overview);
  $("play").textContent = timer ? "pause" : "play";
  $("score").textContent = quiz || score ? "score: " + score + " right" : "";
  aim();
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
    label.append(name, input, verdict);
    answers.appendChild(label);
  });
  const help = document.createElement("div");
  help.className = "verdict";
  help.textContent = revealed ? "" : "type an answer and press Enter; R reveals";
  answers.appendChild(help);
}

function check(input, value, verdict) {
  const typed = Number(input.value.trim());
  const expected = Number(value);
  let right;
  if (!isFinite(expected)) right = String(value) === input.value.trim();
  else right = input.value.trim() !== "" && isFinite(typed) &&
    Math.abs(typed - expected) <= 0.005 * Math.abs(expected) + 1e-12;  // 3 significant digits
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

function wanted() {
  const frame = FRAMES[current];
  const cw = Math.max(graph.clientWidth, 1), ch = Math.max(graph.clientHeight, 1);
  const known = frame.focus.map((id) => DATA.boxes[id]).filter(Boolean);
  if (overview || !known.length) {
    const scale = Math.min(cw / FULL.w, ch / FULL.h);
    return shaped(FULL.x + FULL.w / 2, FULL.y + FULL.h / 2, scale);
  }
  const pad = 24;
  const x0 = Math.min(...known.map((b) => b[0])) - pad, y0 = Math.min(...known.map((b) => b[1])) - pad;
  const x1 = Math.max(...known.map((b) => b[0] + b[2])) + pad;
  const y1 = Math.max(...known.map((b) => b[1] + b[3])) + pad;
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, cw / (x1 - x0), ch / (y1 - y0)));
  let v = shaped((x0 + x1) / 2, (y0 + y1) / 2, scale);
  const [bx, by, bw, bh] = known[0];  // the current node itself is always on screen
  if (bx < v.x || by < v.y || bx + bw > v.x + v.w || by + bh > v.y + v.h) {
    v = shaped(bx + bw / 2, by + bh / 2, scale);
  }
  return v;
}

function aim() {
  const from = Object.assign({}, view), to = wanted();
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

graph.addEventListener("wheel", (e) => {
  e.preventDefault();
  const rect = graph.getBoundingClientRect();
  const factor = e.deltaY > 0 ? 1.15 : 1 / 1.15;
  const ux = view.x + (e.clientX - rect.left) / rect.width * view.w;
  const uy = view.y + (e.clientY - rect.top) / rect.height * view.h;
  setView({x: ux - (ux - view.x) * factor, y: uy - (uy - view.y) * factor,
           w: view.w * factor, h: view.h * factor});
}, {passive: false});

let drag = null;
graph.addEventListener("pointerdown", (e) => {
  drag = {x: e.clientX, y: e.clientY, view: Object.assign({}, view)};
  graph.classList.add("dragging");
  graph.setPointerCapture(e.pointerId);
});
graph.addEventListener("pointermove", (e) => {
  if (!drag) return;
  const k = view.w / graph.clientWidth;
  setView({x: drag.view.x - (e.clientX - drag.x) * k, y: drag.view.y - (e.clientY - drag.y) * k,
           w: view.w, h: view.h});
});
const endDrag = () => { drag = null; graph.classList.remove("dragging"); };
graph.addEventListener("pointerup", endDrag);
graph.addEventListener("pointercancel", endDrag);
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
