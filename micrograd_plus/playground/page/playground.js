// The playground's front end: an anywidget module (render({model, el})) that draws what
// Python sends and sends back what the user does. The same module runs in Jupyter (the
// widget's model) and in the page `micrograd-plus playground` serves (a model over a
// WebSocket, made in index.html). It only uses model.send and model.on("msg:custom").
// Python owns the state and every choice and limit (sent once as `choices`); a frame
// carries only what changed. While playing, the page asks for one iteration at a time
// and asks for the next when the reply to the last has been drawn.

const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], GREEN = [0, 158, 115], WHITE = [255, 255, 255];
const CLASS_COLOURS = [ORANGE, BLUE, GREEN];
const CHOSEN = "#c2185b";  // the chosen weight: neither class's colour
const SVGNS = "http://www.w3.org/2000/svg";

const TEMPLATE = `
<div class="mgp-playground" tabindex="0">
  <header>
    <button id="reset-button" title="a new network at iteration 0">⟲</button>
    <button id="play-pause-button" title="train (space)"><span class="play">▶</span><span class="pause">❚❚</span></button>
    <button id="next-step-button" title="one iteration">▶|</button>
    <label class="iter">Iteration <span id="iter-number">000,000</span></label>
    <label>Learning rate <select id="learningRate"></select></label>
    <label>Activation <select id="activations"></select></label>
    <label>Regularization <select id="regularizations"></select></label>
    <label>Reg. rate <select id="regularRate"></select></label>
    <label>Problem <select id="problem"></select></label>
    <label>Loss <select id="loss"></select></label>
    <label>Optimizer <select id="optimizer"></select></label>
    <label title="projector mode: every text at least 18 px (key P)"><input type="checkbox" id="projector"> P</label>
  </header>
  <div id="banner" role="status" aria-live="polite"><span id="message"></span><span id="notes"></span></div>
  <main>
    <section class="data">
      <h2>Data</h2>
      <div id="datasets"></div>
      <label>Ratio of training to test data: <span id="percTrainData-value"></span>%
        <input type="range" id="percTrainData" step="10"></label>
      <label>Noise: <span id="noise-value"></span>
        <input type="range" id="noise" step="5"></label>
      <label>Batch size: <span id="batchSize-value"></span>
        <input type="range" id="batchSize" min="1" max="30" step="1"></label>
      <button id="data-regen-button">Regenerate</button>
      <h2>Features</h2>
      <div id="features"></div>
      <p class="hint">Click the plane to add a point of <select id="point-class"></select>;
        shift-click removes one; click a point to see its graph.</p>
    </section>
    <section class="middle">
      <h2><button id="add-layers" title="add a hidden layer">+</button><button id="remove-layers" title="remove a hidden layer">−</button>
        <span id="num-layers"></span>
        <label><input type="checkbox" id="show-grads"> edges: dL/dw of the batch</label></h2>
      <div id="layer-buttons"></div>
      <div id="network-box"><canvas id="network-canvas"></canvas><svg id="network" xmlns="http://www.w3.org/2000/svg"></svg></div>
      <h2>One sample's graph: <span id="sample-name"></span>
        <button id="graph-fit" title="the whole graph in view">fit</button>
        <button id="graph-in" title="zoom in">+</button><button id="graph-out" title="zoom out">−</button>
        <button id="open-stepper">step through it</button></h2>
      <div id="sample-graph"><canvas></canvas><svg xmlns="http://www.w3.org/2000/svg"></svg>
        <div id="neuron-detail" hidden></div><div id="chosen-label" hidden></div></div>
    </section>
    <section class="output">
      <h2>Output</h2>
      <div>Test loss <span id="loss-test"></span> · Training loss <span id="loss-train"></span></div>
      <svg id="linechart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg>
      <div class="scrub"><input type="range" id="scrubber" min="0" max="0" value="0" title="the run's history">
        <button id="train-from" hidden>train from here</button><button id="back-to-now" hidden>now</button></div>
      <div id="heatmap"><canvas width="40" height="40"></canvas><svg viewBox="0 0 300 300"></svg></div>
      <label><input type="checkbox" id="show-test-data"> Show test data</label>
      <label><input type="checkbox" id="discretize"> Discretize output</label>
      <div class="export"><button id="export-model">model.json</button>
        <button id="export-script">script.py</button></div>
      <h2>What the optimizer did to <span id="explain-name"></span></h2>
      <div id="weight-box" hidden><span id="weight-name"></span> =
        <input id="weight-value" type="number" step="0.01"><button id="weight-set">set</button></div>
      <pre id="explain"></pre>
    </section>
  </main>
  <div id="edge-tip" hidden></div>
</div>`;

const STYLE = `
.mgp-playground { font-family: Helvetica, Arial, sans-serif; font-size: 13px; color: #212121; outline: none; }
.mgp-playground header { display: flex; flex-wrap: wrap; gap: 2px 8px; align-items: center;
  padding: 3px 8px; background: #183d4e; color: white; font-size: 12px; }
.mgp-playground header label { white-space: nowrap; }
.mgp-playground select, .mgp-playground button, .mgp-playground input { font-size: inherit; }
.mgp-playground header select { max-width: 96px; }
.mgp-playground header #loss { max-width: 120px; }
.mgp-playground button:disabled { cursor: default; opacity: 0.4; }
.mgp-playground button { cursor: pointer; }
#play-pause-button { width: 34px; height: 34px; border-radius: 50%; font-size: 15px; }
#play-pause-button .pause, #play-pause-button.playing .play { display: none; }
#play-pause-button.playing .pause { display: inline; }
#iter-number { font-size: 1.5em; font-variant-numeric: tabular-nums; }
#banner { min-height: 18px; padding: 1px 8px; font-size: 0.95em; }
#message { color: #b2182b; margin-right: 10px; }
#notes { color: #0b5394; }
#notes .hint { background: #fff3cd; color: #6b4e00; padding: 0 4px; }
.mgp-playground main { display: grid; grid-template-columns: 190px minmax(0, 1fr) 290px; gap: 10px; padding: 0 8px 4px; }
.mgp-playground h2 { font-size: 1em; text-transform: uppercase; margin: 4px 0; font-weight: normal; color: #555; }
.mgp-playground h2 span, .mgp-playground h2 label { text-transform: none; }
.mgp-playground section.data label { display: block; margin: 4px 0; }
.mgp-playground input[type=range] { width: 100%; margin: 0; }
#datasets { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3px; }
#datasets button { padding: 1px; font-size: 0.85em; }
#datasets canvas { display: block; width: 100%; aspect-ratio: 1; }
#datasets button.selected, #features button.selected { outline: 2px solid #183d4e; font-weight: bold; background: #e3eef4; }
#features button { margin: 1px; }
#layer-buttons { font-size: 0.9em; height: 1.5em; position: relative; white-space: nowrap; }
#layer-buttons span { position: absolute; top: 0; transform: translateX(-50%); }
#layer-buttons button { padding: 0 3px; }
#network-box { position: relative; height: 230px; }
#weight-box { margin: 2px 0; }
#weight-value { width: 80px; }
#network-box canvas, #network, #sample-graph canvas, #sample-graph svg { position: absolute; left: 0; top: 0;
  width: 100%; height: 100%; }
#sample-graph { height: 330px; border: 1px solid #ddd; overflow: hidden; cursor: grab; position: relative; }
#sample-graph svg { user-select: none; }
#sample-graph .box { cursor: pointer; }
#neuron-detail, #chosen-label { position: absolute; background: #fffdf5; border: 1.5px solid ${CHOSEN};
  border-radius: 4px; padding: 2px 6px; font-size: 12px; white-space: pre; cursor: default; }
#neuron-detail div[data-weight] { cursor: pointer; }
#neuron-detail div[data-weight]:hover { background: #fde7ef; }
#chosen-label { pointer-events: none; padding: 0 4px; }
#edge-tip { position: fixed; pointer-events: none; background: #212121; color: white; padding: 2px 6px;
  border-radius: 3px; font-size: 12px; z-index: 10; }
.mgp-playground.projector #edge-tip { font-size: 18px; }
#heatmap { position: relative; width: 240px; height: 240px; }
#heatmap canvas, #heatmap svg { position: absolute; left: 0; top: 0; width: 240px; height: 240px; }
#heatmap svg circle.selected { stroke: ${CHOSEN}; stroke-width: 3; }
#linechart { width: 280px; height: 56px; background: #fafafa; display: block; }
.scrub { display: flex; gap: 4px; align-items: center; width: 280px; height: 22px; }
.scrub input { flex: 1; min-width: 0; }
.scrub button { white-space: nowrap; padding: 0 4px; font-size: 0.9em; }
#loss-train, #loss-test { font-variant-numeric: tabular-nums; }
#explain { background: #fff8e1; padding: 4px; margin: 0; white-space: pre-wrap; font-size: 0.85em;
  max-height: 120px; overflow: auto; }
.mgp-playground .hint { color: #666; font-size: 0.9em; }
.mgp-playground.projector, .mgp-playground.projector *:not(svg, svg *) { font-size: 18px !important; }
.mgp-playground.projector main { grid-template-columns: 230px minmax(0, 1fr) 320px; }
.mgp-playground.projector header select, .mgp-playground.projector header #loss { max-width: 170px; }
`;

function html(el, text) { el.innerHTML = text; }  // only our own templates, never data

function mix(base, t) { return WHITE.map((w, k) => Math.round(w + (base[k] - w) * t)); }
function rgb(c) { return `rgb(${c[0]},${c[1]},${c[2]})`; }
function diverging(v) { return mix(v < 0 ? ORANGE : BLUE, Math.min(1, Math.abs(v))); }  // [-1, 1]

function bytes(text) {  // base64 of 0..255 (numbers in [-1, 1] as (v + 1) * 127.5)
  const raw = atob(text), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function floats(text) {  // base64 of little-endian float32
  const raw = atob(text), buffer = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) buffer[i] = raw.charCodeAt(i);
  return new Float32Array(buffer.buffer);
}

// The colour of each byte 0..255 (a number in [-1, 1]) on the orange-white-blue scale.
const SCALE = Array.from({length: 256}, (_, b) => diverging((b / 127.5 - 1) * 0.85));

// Maps of numbers in [-1, 1] (bytes, `size` x `size` each, one after another) painted
// side by side into one canvas (an atlas): one putImageData for them all.
function atlas(canvas, size, count, values, classes, nclasses, discretize, tints) {
  if (canvas.width !== size * Math.max(1, count)) { canvas.width = size * Math.max(1, count); canvas.height = size; }
  const ctx = canvas.getContext("2d"), picture = ctx.createImageData(canvas.width, size), out = picture.data;
  for (let m = 0; m < count; m++) {
    for (let i = 0; i < size * size; i++) {
      const b = values[m * size * size + i], at = ((i / size | 0) * canvas.width + m * size + i % size) * 4;
      let colour;
      if (tints) colour = mix(tints[m], b / 255);  // map m in its own colour: white .. full
      else if (nclasses > 2) {
        const c = Math.round(classes[i] / 127.5), strength = discretize ? 1 : Math.max(0, b / 127.5 - 1);
        colour = mix(CLASS_COLOURS[c] || WHITE, 0.25 + 0.55 * strength);
      } else colour = SCALE[discretize ? (b > 127 ? 255 : b < 127 ? 0 : 127) : b];
      out[at] = colour[0]; out[at + 1] = colour[1]; out[at + 2] = colour[2]; out[at + 3] = 255;
    }
  }
  ctx.putImageData(picture, 0, 0);
  return canvas;
}

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function fmt(x) {
  if (typeof x === "string") return x;
  if (!isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(3) : x.toExponential(2);
}

function weightName(l, k, j) { return `L${l + 1}.N${k + 1}.w${j}`; }

function render({ model, el }) {
  const root = document.createElement("div");
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.appendChild(style);
  el.appendChild(root);
  html(root, TEMPLATE);
  const app = root.firstElementChild;
  const $ = (id) => root.querySelector("#" + id);
  const standalone = !!(model.get && model.get("standalone"));
  let playing = false, waiting = false, destroyed = false, scrubbing = false;
  let state = null;  // the last frame, with what earlier frames sent (choices, shape, points)
  let net = null, graph = null;  // the network and sample-graph pictures, built per shape
  const opened = new Set();  // neurons of the sample graph opened into their nodes
  const send = (message) => {  // a user's action clears the last error; ticks and scrubs do not
    if (!["tick", "scrub"].includes(message.type)) $("message").textContent = "";
    model.send(message);
  };

  // --- controls -----------------------------------------------------------------------------
  const selects = {learningRate: ["learningRate", "learningRates"], activations: ["activation", "activations"],
                   regularizations: ["regularization", "regularizations"],
                   regularRate: ["regularizationRate", "regularizationRates"],
                   problem: ["problem", "problems"], loss: ["loss", "losses"], optimizer: ["optimizer", "optimizers"]};
  for (const [id, [key]] of Object.entries(selects)) {
    $(id).onchange = () => send({type: "set", key: key, value: $(id).value});
  }
  for (const key of ["percTrainData", "noise", "batchSize"]) {
    $(key).oninput = () => { $(key + "-value").textContent = $(key).value; };
    $(key).onchange = () => send({type: "set", key: key, value: $(key).value});
  }
  for (const [id, key] of [["show-test-data", "showTestData"], ["discretize", "discretize"]]) {
    $(id).onchange = () => send({type: "set", key: key, value: $(id).checked ? "true" : "false"});
  }
  $("show-grads").onchange = () => state && drawNetwork();
  $("projector").onchange = () => setProjector($("projector").checked);
  $("reset-button").onclick = () => send({type: "reset"});
  $("next-step-button").onclick = () => { setPlaying(false); send({type: "step"}); };
  $("play-pause-button").onclick = () => setPlaying(!playing);
  $("data-regen-button").onclick = () => send({type: "regenerate"});
  $("add-layers").onclick = () => shape(currentShape().concat([2]));
  $("remove-layers").onclick = () => shape(currentShape().slice(0, -1));
  $("export-model").onclick = () => send({type: "export", what: "model"});
  $("export-script").onclick = () => send({type: "export", what: "script"});
  $("open-stepper").onclick = () => send({type: "stepper"});
  $("weight-set").onclick = () => {
    const [layer, neuron, input] = state.chosen;
    send({type: "weight", layer: layer, neuron: neuron, input: input, value: Number($("weight-value").value)});
  };
  $("scrubber").oninput = () => {
    setPlaying(false);
    const at = Number($("scrubber").value);
    scrub(at >= state.runIteration ? null : at);
  };
  $("train-from").onclick = () => send({type: "train_from", iteration: state.iteration});
  $("back-to-now").onclick = () => scrub(null);
  // keys: P projector mode, space play/pause (on the whole page when it is ours alone)
  (standalone ? window : app).addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) || event.target.isContentEditable) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "p" || event.key === "P") { setProjector(!app.classList.contains("projector")); }
    else if (event.key === " ") { event.preventDefault(); setPlaying(!playing); }
  });
  let pendingScrub;
  function scrub(iteration) {  // one scrub in flight at a time: the latest wins
    if (scrubbing) { pendingScrub = {value: iteration}; return; }
    scrubbing = true;
    send({type: "scrub", iteration: iteration});
  }
  function setProjector(on) {
    app.classList.toggle("projector", on);
    $("projector").checked = on;
    if (state) { drawNetwork(); fitGraph(); drawGraph(); }
  }
  let asked = null, askedCount = 0;  // the network shape last asked for, until Python has it
  function currentShape() { return (asked || state.settings.networkShape).slice(); }
  function shape(sizes) {
    const [, most] = state.choices.limits.hiddenLayers;
    if (sizes.length > most) return;
    asked = sizes; askedCount++;
    send({type: "set", key: "networkShape", value: sizes.join(",")});
  }
  function setPlaying(on) {
    playing = on;
    $("play-pause-button").classList.toggle("playing", on);
    if (on && !waiting) tick();
  }
  function tick() {
    if (!playing || destroyed || waiting) return;
    waiting = true;
    send({type: "tick"});
  }

  function fillControls(choices) {  // the menus, from what Python offers
    for (const [id, [, list]] of Object.entries(selects)) {
      $(id).replaceChildren(...choices[list].map(([value, label]) => new Option(label, String(value))));
    }
    const limits = choices.limits;
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      $(key).min = String(limits[key][0]);
      $(key).max = String(key === "batchSize" ? 30 : limits[key][1]);
    }
    $("features").replaceChildren(...choices.features.map(([key, label]) => {
      const b = document.createElement("button");
      b.textContent = label; b.dataset.key = key; b.id = "feature-" + key;
      b.onclick = () => send({type: "set", key: key, value: state.settings.features.includes(key) ? "false" : "true"});
      return b;
    }));
  }

  function fillDatasets(s) {  // the data set buttons, with their previews
    const regression = s.problem === "regression";
    const list = regression ? state.choices.regDatasets : state.choices.datasets;
    const key = regression ? "regDataset" : "dataset";
    const shown = $("datasets"), classes = $("point-class");
    if (classes.dataset.kind !== s.problem + s.dataset) {
      classes.dataset.kind = s.problem + s.dataset;
      classes.replaceChildren(...(regression
        ? [["-1", "value −1 (orange)"], ["0", "value 0"], ["1", "value +1 (blue)"]]
        : [["0", "orange"], ["1", "blue"], ...(s.dataset === "three" ? [["2", "green"]] : [])]
      ).map(([v, label]) => new Option(label, v)));
      classes.value = "1";
    }
    if (shown.dataset.kind === key) return;
    shown.dataset.kind = key;
    shown.replaceChildren(...list.map(([name, label]) => {
      const b = document.createElement("button");
      b.dataset.key = name; b.title = label;
      b.onclick = () => send({type: "set", key: key, value: name});
      const canvas = document.createElement("canvas");
      canvas.width = 48; canvas.height = 48;
      const ctx = canvas.getContext("2d"), preview = state.choices.previews[name];
      preview.X.forEach((p, i) => {
        ctx.fillStyle = regression ? rgb(diverging(preview.y[i])) : rgb(CLASS_COLOURS[preview.y[i]]);
        ctx.beginPath(); ctx.arc((p[0] + 6) * 4, (6 - p[1]) * 4, 1.8, 0, 2 * Math.PI); ctx.fill();
      });
      b.appendChild(canvas);
      b.appendChild(document.createTextNode(label));
      return b;
    }));
  }

  // the plane: click adds a point, shift-click removes one, a click on a point selects it
  const plane = $("heatmap").querySelector("svg");
  plane.addEventListener("click", (event) => {
    const box = plane.getBoundingClientRect();
    const x = -6 + 12 * (event.clientX - box.left) / box.width;
    const y = 6 - 12 * (event.clientY - box.top) / box.height;
    if (event.shiftKey) { send({type: "remove", x: x, y: y}); return; }
    const hit = event.target.dataset && event.target.dataset.sample;
    if (hit !== undefined) { send({type: "select", sample: Number(hit)}); return; }
    send({type: "point", x: x, y: y, label: Number($("point-class").value)});
  });

  // --- drawing ------------------------------------------------------------------------------
  function drawControls() {
    const f = state, s = f.settings;
    $("iter-number").textContent = f.iteration.toLocaleString("en-US", {minimumIntegerDigits: 6});
    for (const [id, [key]] of Object.entries(selects)) {
      const value = String(s[key]);
      if (![...$(id).options].some((o) => o.value === value)) $(id).add(new Option(value, value));
      $(id).value = value;
    }
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      $(key).value = s[key]; $(key + "-value").textContent = String(s[key]);
    }
    $("show-test-data").checked = s.showTestData;
    $("discretize").checked = s.discretize;
    fillDatasets(s);
    const chosenSet = s.problem === "regression" ? s.regDataset : s.dataset;
    for (const b of $("datasets").children) b.classList.toggle("selected", b.dataset.key === chosenSet);
    for (const b of $("features").children) b.classList.toggle("selected", s.features.includes(b.dataset.key));
    const layers = s.networkShape.length, [, most] = state.choices.limits.hiddenLayers;
    $("num-layers").textContent = `${layers} hidden layer${layers === 1 ? "" : "s"}`;
    $("add-layers").disabled = layers >= most;
    $("remove-layers").disabled = layers === 0;
    for (const option of $("loss").options) option.disabled = !f.losses.includes(option.value);
    $("loss-train").textContent = fmt(Number(f.trainLoss));
    $("loss-test").textContent = fmt(Number(f.testLoss));
    const notes = $("notes");
    notes.replaceChildren();
    for (const text of f.notes) notes.appendChild(document.createTextNode(text + ". "));
    for (const text of f.hints) {
      const hint = document.createElement("span");
      hint.className = "hint"; hint.textContent = text;
      notes.appendChild(hint);
    }
  }

  function drawPlane() {
    const f = state, s = f.settings, regression = f.shape.regression;
    atlas($("heatmap").querySelector("canvas"), f.grid, 1, f.shadeBytes, f.classBytes,
          regression ? 2 : f.shape.nclasses, s.discretize);
    const key = [f.pointsVersion, s.showTestData, f.selected].join(",");
    if (plane.dataset.key === key) return;
    plane.dataset.key = key;
    plane.replaceChildren();
    const at = (v) => (v + 6) / 12 * 300;
    const dots = [["train", f.points.train, "white"]];
    if (s.showTestData) dots.push(["test", f.points.test, "black"]);
    for (const [kind, set, edge] of dots) {
      set.X.forEach((p, i) => {
        const colour = regression ? diverging(set.y[i]) : CLASS_COLOURS[set.y[i]];
        const dot = svgEl("circle", {cx: at(p[0]), cy: 300 - at(p[1]), r: 3.5, fill: rgb(colour),
          stroke: edge, "stroke-width": 1}, plane);
        if (kind === "train") {
          dot.dataset.sample = String(i);
          if (i === f.selected) dot.classList.add("selected");
        }
      });
    }
  }

  function drawLoss() {
    const f = state, chart = $("linechart"), h = f.curve;
    chart.replaceChildren();
    const first = h.iteration[0], n = Math.max(1, h.iteration[h.iteration.length - 1] - first);
    const values = h.train.concat(h.test).map(Number).filter((v) => isFinite(v));
    const top = Math.max(...values, 1e-9);
    for (const [series, colour] of [[h.test, "#9e9e9e"], [h.train, "#212121"]]) {
      const points = series.map((v, i) => {
        const y = isFinite(Number(v)) ? 58 - Math.min(Number(v) / top, 1) * 56 : 2;
        return `${(h.iteration[i] - first) / n * 300},${y}`;
      });
      svgEl("polyline", {points: points.join(" "), fill: "none", stroke: colour,
        "stroke-width": 1.5, "vector-effect": "non-scaling-stroke"}, chart);
    }
    if (f.scrubbed) {
      const x = (f.iteration - first) / n * 300;
      svgEl("line", {x1: x, x2: x, y1: 0, y2: 60, stroke: CHOSEN, "stroke-width": 2,
        "vector-effect": "non-scaling-stroke"}, chart);
    }
    const scrubber = $("scrubber");
    scrubber.min = String(first);
    scrubber.max = String(f.runIteration);
    if (!scrubbing) scrubber.value = String(f.iteration);
    $("train-from").hidden = !f.scrubbed;
    $("back-to-now").hidden = !f.scrubbed;
  }

  // the network: neurons as maps (one canvas under the SVG), edges by weight or dL/dw
  function layoutNetwork(box) {
    const sizes = state.shape.sizes, width = box.clientWidth || 600, height = box.clientHeight || 270;
    const most = Math.max(...sizes);
    const size = Math.max(8, Math.min(34, (height - 10) / (most * 1.25)));
    const x = (c) => 6 + c * (width - size - 12) / Math.max(1, sizes.length - 1);
    const y = (c, k) => (height - sizes[c] * size * 1.25 + size * 0.25) / 2 + k * size * 1.25;
    return {sizes, width, height, size, x, y};
  }

  function buildNetwork() {
    const svg = $("network"), box = $("network-box");
    svg.replaceChildren();
    const L = layoutNetwork(box), {sizes, size, x, y} = L;
    svg.setAttribute("viewBox", `0 0 ${L.width} ${L.height}`);
    const edges = [];  // drawn on the canvas: thousands of SVG paths repaint too slowly
    for (let l = 0; l + 1 < sizes.length; l++) {
      for (let k = 0; k < sizes[l + 1]; k++) {
        for (let j = 0; j < sizes[l]; j++) {
          const x0 = x(l) + size, y0 = y(l, j) + size / 2, x1 = x(l + 1), y1 = y(l + 1, k) + size / 2;
          edges.push({x0, y0, x1, y1, l, k, j, i: parameterIndex(l, k, j)});
        }
      }
    }
    sizes.forEach((count, c) => {
      for (let k = 0; k < count; k++) {
        const rect = svgEl("rect", {x: x(c), y: y(c, k), width: size, height: size, fill: "none", stroke: "#666"}, svg);
        const title = svgEl("title", {}, rect);
        title.textContent = c === 0 ? state.shape.features[k] : `L${c}.N${k + 1}`;
      }
    });
    const canvas = $("network-canvas"), ratio = window.devicePixelRatio || 1;
    canvas.width = L.width * ratio; canvas.height = L.height * ratio;
    const half = state.grid / 2, features = document.createElement("canvas");
    atlas(features, half, state.shape.features.length, bytes(state.shape.featureMaps), null, 2, false);
    net = {L, edges, features, maps: document.createElement("canvas"), outputs: document.createElement("canvas"),
           key: JSON.stringify([state.shape.sizes, L.width, L.height])};
    const buttons = $("layer-buttons");
    buttons.replaceChildren();
    const [, widest] = state.choices.limits.neurons;
    state.settings.networkShape.forEach((n, l) => {
      const span = document.createElement("span");
      for (const [label, delta] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button");
        b.textContent = label;
        b.onclick = () => {
          const sizes = currentShape();
          sizes[l] = Math.min(widest, Math.max(1, sizes[l] + delta));
          shape(sizes);
        };
        span.appendChild(b);
      }
      span.appendChild(document.createTextNode(` ${n} `));
      span.style.left = `${L.x(l + 1) + L.size / 2}px`;
      buttons.appendChild(span);
    });
  }

  function parameterIndex(l, k, j) {  // where weight j of neuron k of layer l sits in params
    const sizes = state.shape.sizes;
    let at = 0;
    for (let i = 0; i < l; i++) at += sizes[i + 1] * (sizes[i] + 1);
    return at + k * (sizes[l] + 1) + j;
  }

  function drawNetwork() {
    const box = $("network-box");
    const key = JSON.stringify([state.shape.sizes, box.clientWidth, box.clientHeight]);
    if (!net || net.key !== key) buildNetwork();
    const {L, edges} = net, grads = $("show-grads").checked, f = state;
    const amounts = grads ? f.gradArray : f.paramArray;
    let biggest = 1e-12;
    for (const e of edges) biggest = Math.max(biggest, Math.abs(amounts[e.i]) || 0);
    const ctx = $("network-canvas").getContext("2d"), ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, L.width, L.height);
    const chosen = f.chosen.join(",");
    let picked = null;
    for (const e of edges) {
      const a = amounts[e.i], share = Math.abs(a) / biggest || 0;
      if ([e.l, e.k, e.j].join(",") === chosen) picked = e;
      curve(ctx, e, a >= 0 ? "#0877bd" : "#f59322",
            (grads ? 0.5 + 4 * Math.sqrt(share) : 0.5 + 4 * share) * Math.min(1, L.size / 24));
    }
    if (picked) curve(ctx, picked, CHOSEN, 4);
    ctx.imageSmoothingEnabled = true;
    const half = f.grid / 2, sizes = L.sizes, hidden = sizes.slice(1, -1).reduce((a, b) => a + b, 0);
    atlas(net.maps, half, hidden, bytes(f.neurons), null, 2, false);
    if (f.outputs) atlas(net.outputs, half, sizes[sizes.length - 1], bytes(f.outputs), null, 2, false, CLASS_COLOURS);
    const output = $("heatmap").querySelector("canvas");
    let index = 0;
    sizes.forEach((count, c) => {
      for (let k = 0; k < count; k++) {
        const [x, y] = [L.x(c), L.y(c, k)];
        if (c === 0) ctx.drawImage(net.features, k * half, 0, half, half, x, y, L.size, L.size);
        else if (c === sizes.length - 1 && count > 1) ctx.drawImage(net.outputs, k * half, 0, half, half, x, y, L.size, L.size);
        else if (c === sizes.length - 1) ctx.drawImage(output, x, y, L.size, L.size);
        else ctx.drawImage(net.maps, (index++) * half, 0, half, half, x, y, L.size, L.size);
      }
    });
  }

  function curve(ctx, e, colour, width) {
    const mid = (e.x0 + e.x1) / 2;
    ctx.beginPath();
    ctx.moveTo(e.x0, e.y0);
    ctx.bezierCurveTo(mid, e.y0, mid, e.y1, e.x1, e.y1);
    ctx.strokeStyle = colour; ctx.lineWidth = width;
    ctx.stroke();
  }

  function nearestCurve(px, py) {  // the network's edge under the pointer, if any
    let best = null, bestDistance = 5;
    for (const e of net.edges) {
      if (px < e.x0 - 5 || px > e.x1 + 5) continue;
      const mid = (e.x0 + e.x1) / 2;
      for (let t = 0; t <= 1; t += 0.05) {
        const u = 1 - t;
        const x = u * u * u * e.x0 + 3 * u * u * t * mid + 3 * u * t * t * mid + t * t * t * e.x1;
        const y = u * u * u * e.y0 + 3 * u * u * t * e.y0 + 3 * u * t * t * e.y1 + t * t * t * e.y1;
        const d = Math.hypot(x - px, y - py);
        if (d < bestDistance) { bestDistance = d; best = e; }
      }
    }
    return best;
  }

  function tip(event, text) {
    const shown = $("edge-tip");
    shown.hidden = !text;
    if (!text) return;
    shown.textContent = text;
    shown.style.left = `${event.clientX + 12}px`;
    shown.style.top = `${event.clientY + 12}px`;
  }

  function weightText(e, sample) {
    const f = state, i = e.i;
    const batch = `${weightName(e.l, e.k, e.j)} = ${fmt(f.paramArray[i])}, dL/dw = ${fmt(f.gradArray[i])} (batch)`;
    return sample ? `${batch}, ${fmt(graph.dw[i])} (this sample)` : batch;
  }

  function pointer(event, element) {
    const box = element.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  $("network").addEventListener("mousemove", (event) => {
    if (!net) return;
    const e = nearestCurve(...pointer(event, $("network")));
    $("network").style.cursor = e ? "pointer" : "default";
    tip(event, e ? weightText(e, false) : "");
  });
  $("network").addEventListener("mouseleave", (event) => tip(event, ""));
  $("network").addEventListener("click", (event) => {
    const e = net && nearestCurve(...pointer(event, $("network")));
    if (e) chooseWeight(e.l, e.k, e.j);
  });

  function chooseWeight(l, k, j) {
    send({type: "weight", layer: l, neuron: k, input: j});
    $("weight-box").hidden = false;
    $("weight-name").textContent = weightName(l, k, j);
    $("weight-value").value = Number(state.paramArray[parameterIndex(l, k, j)]).toFixed(4);
    showInGraph([l, k, j]);
  }

  // --- the sample graph: an overview, one box a neuron, zoom and pan ---------------------------
  const graphBox = $("sample-graph"), graphSvg = graphBox.querySelector("svg");
  const BOX_W = 150, BOX_H = 46, PITCH_X = 190, PITCH_Y = 52, FONT = 12;
  let camera = {x: 0, y: 0, scale: 1};

  function buildGraph() {
    const sizes = state.shape.sizes, columns = [...sizes, 1];  // the inputs, the layers, the loss
    const tallest = Math.max(...columns);
    const place = (c, k) => [c * PITCH_X, (tallest - columns[c]) * PITCH_Y / 2 + k * PITCH_Y];
    graphSvg.replaceChildren();
    const world = svgEl("g", {}, graphSvg), boxLayer = svgEl("g", {}, world);
    const edges = [];  // on the canvas under the boxes
    for (let l = 0; l + 1 < sizes.length; l++) {
      for (let k = 0; k < sizes[l + 1]; k++) {
        for (let j = 0; j < sizes[l]; j++) {
          const [x0, y0] = place(l, j), [x1, y1] = place(l + 1, k);
          edges.push({x0: x0 + BOX_W, y0: y0 + BOX_H / 2, x1, y1: y1 + BOX_H / 2, l, k, j,
                      i: parameterIndex(l, k, j)});
        }
      }
    }
    const last = sizes.length - 1, outputs = [];
    for (let k = 0; k < sizes[last]; k++) {  // the outputs into the loss
      const [x0, y0] = place(last, k), [x1, y1] = place(last + 1, 0);
      outputs.push({x0: x0 + BOX_W, y0: y0 + BOX_H / 2, x1, y1: y1 + BOX_H / 2});
    }
    const boxes = [];
    columns.forEach((count, c) => {
      for (let k = 0; k < count; k++) {
        const [x, y] = place(c, k);
        const g = svgEl("g", {class: "box", transform: `translate(${x},${y})`}, boxLayer);
        const rect = svgEl("rect", {width: BOX_W, height: BOX_H, rx: 4, fill: "white", stroke: "#555"}, g);
        const lines = [0, 1, 2].map((i) => svgEl("text", {x: 5, y: 13 + i * 14.5, "font-size": FONT,
          "font-family": "Helvetica, Arial, sans-serif", fill: "#212121"}, g));
        const title = svgEl("title", {}, g);
        const neuron = c === 0 || c === columns.length - 1 ? null : [c - 1, k];
        if (neuron) g.onclick = (event) => { event.stopPropagation(); toggleOpen(neuron); };
        boxes.push({g, rect, lines, title, c, k, x, y, neuron});
      }
    });
    graph = {key: JSON.stringify([sizes, state.shape.loss]), world, edges, outputs, boxes, place,
             width: (columns.length - 1) * PITCH_X + BOX_W, height: tallest * PITCH_Y};
    fitGraph();
  }

  function minimumText() { return app.classList.contains("projector") ? 18 : 9; }

  function applyCamera() {
    graph.world.setAttribute("transform", `translate(${camera.x},${camera.y}) scale(${camera.scale})`);
    drawGraphEdges();
    // text too small to read is left out until zoomed in (at projector size: under 18 px)
    const shown = FONT * camera.scale >= minimumText() ? "visible" : "hidden";
    for (const b of graph.boxes) for (const t of b.lines) t.style.visibility = shown;
    placeOverlays();
  }

  function fitGraph() {
    if (!graph) return;
    const w = graphBox.clientWidth || 700, h = graphBox.clientHeight || 300;
    const whole = Math.min((w - 16) / graph.width, (h - 16) / graph.height, 2);
    const readable = minimumText() / FONT;  // in projector mode: the numbers before the whole
    const scale = app.classList.contains("projector") ? Math.max(whole, readable) : whole;
    const width = graph.width * scale;  // too wide for the view: the loss's end in it
    camera = {scale, x: width <= w ? (w - width) / 2 : w - 8 - width, y: (h - graph.height * scale) / 2};
    applyCamera();
  }

  function zoom(factor, cx, cy) {
    const w = graphBox.clientWidth || 700, h = graphBox.clientHeight || 300;
    cx = cx === undefined ? w / 2 : cx; cy = cy === undefined ? h / 2 : cy;
    const scale = Math.min(4, Math.max(0.05, camera.scale * factor));
    camera.x = cx - (cx - camera.x) * scale / camera.scale;
    camera.y = cy - (cy - camera.y) * scale / camera.scale;
    camera.scale = scale;
    applyCamera();
  }

  graphBox.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = graphBox.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX - box.left, event.clientY - box.top);
  }, {passive: false});
  let drag = null;
  graphBox.addEventListener("pointerdown", (event) => {
    if (event.target.closest("#neuron-detail")) return;
    drag = {x: event.clientX, y: event.clientY, moved: false};
  });
  $("neuron-detail").addEventListener("click", (event) => event.stopPropagation());
  window.addEventListener("pointermove", (event) => {
    if (!drag || !graph) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    camera.x += dx; camera.y += dy; drag.x = event.clientX; drag.y = event.clientY;
    applyCamera();
  });
  window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); });
  graphBox.addEventListener("dblclick", () => fitGraph());
  $("graph-fit").onclick = () => fitGraph();
  $("graph-in").onclick = () => zoom(1.5);
  $("graph-out").onclick = () => zoom(1 / 1.5);

  function toggleOpen(neuron) {
    if (drag && drag.moved) return;
    const key = neuron.join(",");
    if (opened.has(key)) opened.delete(key); else { opened.clear(); opened.add(key); }
    drawGraph();
  }

  // Screen-space labels over the graph, readable at any zoom: the opened neuron's nodes
  // beside its box, and the chosen weight's numbers on its edge (kept inside the view).
  function placeOverlays() {
    if (!graph) return;
    const w = graphBox.clientWidth, h = graphBox.clientHeight;
    const at = (x, y) => [camera.x + x * camera.scale, camera.y + y * camera.scale];
    const put = (el, x, y) => {
      el.style.left = `${Math.max(2, Math.min(w - el.offsetWidth - 2, x))}px`;
      el.style.top = `${Math.max(2, Math.min(h - el.offsetHeight - 2, y))}px`;
    };
    const panel = $("neuron-detail");
    if (!panel.hidden) {
      const [l, k] = panel.dataset.neuron.split(",").map(Number), [x, y] = graph.place(l + 1, k);
      const [sx, sy] = at(x + BOX_W, y);
      put(panel, sx + 8 + panel.offsetWidth < w ? sx + 8 : at(x, y)[0] - panel.offsetWidth - 8, sy);
    }
    const label = $("chosen-label");
    if (!label.hidden) {
      const [l, k, j] = state.chosen, [x0, y0] = graph.place(l, j), [x1, y1] = graph.place(l + 1, k);
      const [sx, sy] = at((x0 + BOX_W + x1) / 2, (y0 + y1 + BOX_H) / 2);
      put(label, sx - label.offsetWidth / 2, sy - label.offsetHeight - 4);
    }
  }

  function showInGraph(where) {  // a weight's edge into view, readable
    if (!graph) return;
    const [l, k, j] = where;
    const [x0, y0] = graph.place(l, j), [x1, y1] = graph.place(l + 1, k);
    const w = graphBox.clientWidth || 700, h = graphBox.clientHeight || 300;
    const fits = Math.min((w - 20) / (x1 + BOX_W - x0), (h - 20) / (Math.abs(y1 - y0) + BOX_H));
    const scale = Math.min(fits, Math.max(camera.scale, minimumText() / FONT * 1.1));
    camera = {scale, x: w / 2 - (x0 + x1 + BOX_W) / 2 * scale, y: h / 2 - (y0 + y1 + BOX_H) / 2 * scale};
    applyCamera();
  }

  function drawGraphEdges() {  // width by this sample's |dL/dw| (0 to 1 on a log scale), colour by w's sign
    if (!graph || !graph.dw) return;
    const canvas = graphBox.querySelector("canvas"), ratio = window.devicePixelRatio || 1;
    const w = graphBox.clientWidth || 700, h = graphBox.clientHeight || 330;
    if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(ratio * camera.scale, 0, 0, ratio * camera.scale, ratio * camera.x, ratio * camera.y);
    const dw = graph.dw, chosen = state.chosen.join(",");
    let biggest = 1e-12, picked = null;
    for (const v of dw) biggest = Math.max(biggest, Math.abs(v) || 0);
    for (const e of graph.edges) {
      const share = Math.log10(1 + 9 * Math.abs(dw[e.i]) / biggest) || 0;
      if ([e.l, e.k, e.j].join(",") === chosen) picked = e;
      line(ctx, e, state.paramArray[e.i] >= 0 ? "#0877bd" : "#f59322", 0.6 + 5 * share);
    }
    for (const e of graph.outputs) line(ctx, e, "#999", 1);
    if (picked) line(ctx, picked, CHOSEN, 6);
  }

  function line(ctx, e, colour, width) {
    ctx.beginPath(); ctx.moveTo(e.x0, e.y0); ctx.lineTo(e.x1, e.y1);
    ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.stroke();
  }

  function nearestLine(px, py) {  // the graph's edge under the pointer (world coordinates)
    let best = null, bestDistance = 5 / camera.scale;
    for (const e of graph.edges) {
      if (px < e.x0 || px > e.x1) continue;
      const dx = e.x1 - e.x0, dy = e.y1 - e.y0;
      const t = Math.max(0, Math.min(1, ((px - e.x0) * dx + (py - e.y0) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(e.x0 + t * dx - px, e.y0 + t * dy - py);
      if (d < bestDistance) { bestDistance = d; best = e; }
    }
    return best;
  }

  function graphEdgeAt(event) {
    if (!graph) return null;
    const [x, y] = pointer(event, graphBox);
    return nearestLine((x - camera.x) / camera.scale, (y - camera.y) / camera.scale);
  }
  graphBox.addEventListener("mousemove", (event) => {
    if (drag) return;
    const e = graphEdgeAt(event);
    tip(event, e ? weightText(e, true) : "");
  });
  graphBox.addEventListener("mouseleave", (event) => tip(event, ""));
  graphBox.addEventListener("click", (event) => {
    if (drag && drag.moved) return;
    const e = graphEdgeAt(event);
    if (e) chooseWeight(e.l, e.k, e.j);
  });

  function drawGraph() {
    const f = state, sample = f.sample, sizes = f.shape.sizes;
    const key = JSON.stringify([sizes, f.shape.loss]);
    if (!graph || graph.key !== key) buildGraph();
    graph.dw = floats(sample.dw);
    const dw = graph.dw;
    drawGraphEdges();
    const activation = f.shape.activation;
    let n = 0;
    for (const b of graph.boxes) {
      let texts, title;
      if (b.c === 0) {
        const name = f.shape.features[b.k];
        texts = [`input ${name}`, `data ${fmt(sample.x[b.k])}`, `grad ${fmt(sample.dx[b.k])}`];
        title = `input ${name} = ${sample.x[b.k]}`;
      } else if (b.neuron) {
        const [z, a] = [sample.z[n], sample.a[n]];
        const last = b.c === sizes.length - 1, act = last ? "linear" : activation;
        texts = [`L${b.c}.N${b.k + 1} = ${act}(z)`, `z ${fmt(z[0])}   grad ${fmt(z[1])}`,
                 `out ${fmt(a[0])}   grad ${fmt(a[1])}`];
        title = `L${b.c}.N${b.k + 1}: z = w·x + b = ${z[0]} (dL/dz ${z[1]}); ${last ? "output" : activation}(z) = ${a[0]} (dL/da ${a[1]}); click to open`;
        n++;
      } else {
        texts = [`loss (${f.shape.loss})`, `data ${fmt(sample.loss)}`, `target ${fmt(sample.target)}`];
        title = `the loss of this sample: ${sample.loss}`;
      }
      b.lines.forEach((t, i) => { t.textContent = texts[i]; });
      const out = b.neuron ? Number(sample.a[n - 1][0]) : 0;
      if (b.neuron) b.rect.setAttribute("fill", isFinite(out) ? rgb(mix(diverging(Math.tanh(out)), 0.45)) : "#e0e0e0");
      b.title.textContent = title;
      b.rect.setAttribute("stroke", b.neuron && opened.has(b.neuron.join(",")) ? CHOSEN : "#555");
    }
    drawDetail(dw);
    $("sample-name").textContent = `training point ${f.selected} (${sample.point.map((v) => v.toFixed(2)).join(", ")})`;
  }

  function drawDetail(dw) {  // an opened neuron: its products, the bias, the sum, the activation
    const panel = $("neuron-detail"), label = $("chosen-label"), f = state, sizes = f.shape.sizes;
    const [cl, ck, cj] = f.chosen;
    label.hidden = cl + 1 >= sizes.length || ck >= sizes[cl + 1] || cj >= sizes[cl];
    if (!label.hidden) {
      const i = parameterIndex(cl, ck, cj);
      label.textContent = `${weightName(cl, ck, cj)} = ${fmt(f.paramArray[i])}   dL/dw ${fmt(dw[i])}`;
    }
    panel.hidden = !opened.size;
    if (!opened.size) { placeOverlays(); return; }
    const [l, k] = [...opened][0].split(",").map(Number);
    if (l + 1 >= sizes.length || k >= sizes[l + 1]) { opened.clear(); panel.hidden = true; return; }
    const product = floats(f.sample.product), productGrad = floats(f.sample.productGrad);
    let n = 0;
    for (let i = 0; i < l; i++) n += sizes[i + 1];
    n += k;
    const lines = [];
    for (let j = 0; j < sizes[l]; j++) {
      const i = parameterIndex(l, k, j);
      const input = l === 0 ? f.shape.features[j] : `L${l}.N${j + 1}`;
      lines.push([`${weightName(l, k, j)} · ${input} = ${fmt(product[i])}   grad ${fmt(productGrad[i])}   dL/dw ${fmt(dw[i])}`, [l, k, j]]);
    }
    const b = parameterIndex(l, k, sizes[l]);
    lines.push([`+ b = ${fmt(f.paramArray[b])}   dL/db ${fmt(dw[b])}`]);
    lines.push([`Σ = z = ${fmt(f.sample.z[n][0])}   grad ${fmt(f.sample.z[n][1])}`]);
    const act = l + 1 === sizes.length - 1 ? "linear" : f.shape.activation;
    lines.push([`${act}(z) = ${fmt(f.sample.a[n][0])}   grad ${fmt(f.sample.a[n][1])}`]);
    panel.dataset.neuron = `${l},${k}`;
    panel.replaceChildren(...lines.map(([text, weight]) => {
      const row = document.createElement("div");
      row.textContent = text;
      if (weight) {
        row.dataset.weight = weight.join(",");
        row.onclick = (event) => { event.stopPropagation(); chooseWeight(...weight); };
      }
      return row;
    }));
    placeOverlays();
  }

  function draw(f) {
    if (f.choices) { state = {...(state || {}), choices: f.choices}; fillControls(f.choices); }
    const previous = state || {};
    state = {...previous, ...f};
    if (f.points) state.pointsVersion = (previous.pointsVersion || 0) + 1;
    if (f.shape) state.shape = {...f.shape, nclasses: f.settings.dataset === "three" && !f.shape.regression ? 3 : 2};
    if (!state.shape || !state.points || !state.choices) return;  // wait for the full frame
    state.paramArray = floats(f.params);
    state.gradArray = floats(f.grads);
    state.shadeBytes = bytes(f.shade);
    state.classBytes = bytes(f.classes);
    drawControls();
    drawPlane();
    drawLoss();
    drawNetwork();
    drawGraph();
    const [l, k, j] = f.chosen;
    $("explain-name").textContent = weightName(l, k, j);
    $("explain").textContent = f.explain;
    if (standalone && window.location.hash.slice(1) !== f.hash) {
      history.replaceState(null, "", "#" + f.hash);
    }
  }

  function download(name, text, type) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: type}));
    a.download = name;
    a.click();
  }

  function onMessage(message) {
    if (destroyed || !message || typeof message !== "object") return;
    if (message.re === "tick") waiting = false;
    if (message.re === "set" && askedCount > 0 && --askedCount === 0) asked = null;
    if (message.re === "scrub") {
      scrubbing = false;
      if (pendingScrub) { const next = pendingScrub.value; pendingScrub = undefined; scrub(next); }
    }
    if (message.type === "state") {
      if (playing && !waiting) tick();  // Python trains the next while this one is drawn
      draw(message);
    } else if (message.type === "error") {
      $("message").textContent = message.message;
      if (message.re === "tick") setPlaying(false);
      if (state && state.shape) drawControls();  // back to what Python holds
      if (standalone && state && message.re === "init") history.replaceState(null, "", "#" + state.hash);
    } else if (message.type === "export") {
      if (message.note) $("message").textContent = message.note;
      if (message.what === "script") download("playground_run.py", message.script, "text/x-python");
      else if (message.model) download("model.json", message.model, "application/json");
    } else if (message.type === "stepper") {
      window.open(URL.createObjectURL(new Blob([message.page], {type: "text/html"})), "_blank");
    } else if (message.type === "connection") {  // from index.html: the socket dropped or came back
      if (message.open) {
        waiting = false; scrubbing = false;
        send({type: "init", hash: window.location.hash.slice(1)});
      }
      $("message").textContent = message.text;
    }
  }
  model.on("msg:custom", onMessage);
  if (standalone) {
    window.addEventListener("hashchange", (event) => {  // the link as pasted, even if a
      const wanted = new URL(event.newURL).hash.slice(1);  // frame rewrote the address since
      if (!state || wanted !== state.hash) send({type: "init", hash: wanted});
    });
    send({type: "init", hash: window.location.hash.slice(1)});
  } else send({type: "frame"});
  const resized = new ResizeObserver(() => { if (state && state.shape) { drawNetwork(); fitGraph(); } });
  resized.observe($("network-box"));
  return () => { destroyed = true; playing = false; resized.disconnect(); };
}

export default { render };
