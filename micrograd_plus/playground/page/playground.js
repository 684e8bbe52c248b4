// The playground's front end: an anywidget module (render({model, el})) that draws what
// Python sends and sends back what the user does. The same module runs in Jupyter (the
// widget's model) and in the page `micrograd-plus playground` serves (a model over a
// WebSocket, made in index.html). It only uses model.send and model.on("msg:custom").
// Python owns the state: while playing, the page asks for one iteration at a time and
// asks for the next when the last has been drawn.

const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], GREEN = [0, 158, 115], WHITE = [255, 255, 255];
const CLASS_COLOURS = [ORANGE, BLUE, GREEN];
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULAR_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DATASETS = [["circle", "circle"], ["xor", "xor"], ["gauss", "gauss"], ["spiral", "spiral"],
                  ["moons", "moons"], ["three", "3 classes"]];
const FEATURE_KEYS = [["x", "x1"], ["y", "x2"], ["xSquared", "x1²"], ["ySquared", "x2²"],
                      ["xTimesY", "x1·x2"], ["sinX", "sin x1"], ["sinY", "sin x2"]];
const MAX_LAYERS = 8, MAX_NEURONS = 16;

const TEMPLATE = `
<div class="mgp-playground">
  <header>
    <button id="reset-button" title="reset the network">⟲</button>
    <button id="play-pause-button" title="train"><span class="play">▶</span><span class="pause">❚❚</span></button>
    <button id="next-step-button" title="one iteration">▶|</button>
    <label>Iteration <span id="iter-number">000,000</span></label>
    <label>Learning rate <select id="learningRate"></select></label>
    <label>Activation <select id="activations">
      <option value="relu">ReLU</option><option value="tanh">Tanh</option>
      <option value="sigmoid">Sigmoid</option><option value="linear">Linear</option>
      <option value="leakyrelu">Leaky ReLU</option></select></label>
    <label>Regularization <select id="regularizations">
      <option value="none">None</option><option value="L1">L1</option><option value="L2">L2</option></select></label>
    <label>Reg. rate <select id="regularRate"></select></label>
    <label>Problem <select id="problem"><option value="classification">Classification</option></select></label>
    <label>Loss <select id="loss"><option value="bce">BCE</option><option value="mse">MSE</option>
      <option value="cross_entropy">Cross-entropy</option></select></label>
    <label>Optimizer <select id="optimizer"><option value="sgd">SGD</option>
      <option value="momentum">Momentum</option><option value="rmsprop">RMSprop</option>
      <option value="adam">Adam</option><option value="adamw">AdamW</option></select></label>
  </header>
  <main>
    <section class="data">
      <h2>Data</h2>
      <div id="datasets"></div>
      <label>Ratio of training to test data: <span id="percTrainData-value"></span>%
        <input type="range" id="percTrainData" min="10" max="90" step="10"></label>
      <label>Noise: <span id="noise-value"></span>
        <input type="range" id="noise" min="0" max="50" step="5"></label>
      <label>Batch size: <span id="batchSize-value"></span>
        <input type="range" id="batchSize" min="1" max="30" step="1"></label>
      <button id="data-regen-button">Regenerate</button>
      <h2>Features</h2>
      <div id="features"></div>
      <p class="hint">Click the plane to add a point of class <select id="point-class">
        <option value="0">orange</option><option value="1" selected>blue</option>
        <option value="2">green</option></select>; shift-click removes one; click a point
        to see its graph.</p>
    </section>
    <section class="network">
      <h2><button id="add-layers">+</button><button id="remove-layers">−</button>
        <span id="num-layers"></span> hidden layers
        <label><input type="checkbox" id="show-grads"> edges show dL/dw over the batch</label></h2>
      <div id="layer-buttons"></div>
      <svg id="network" xmlns="http://www.w3.org/2000/svg"></svg>
      <div id="weight-box" hidden>
        <label><span id="weight-name"></span> = <input id="weight-value" type="number" step="0.01"></label>
        <button id="weight-set">set</button>
      </div>
    </section>
    <section class="output">
      <h2>Output</h2>
      <div>Test loss <span id="loss-test"></span> · Training loss <span id="loss-train"></span></div>
      <svg id="linechart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg>
      <div id="heatmap"><canvas width="40" height="40"></canvas><svg viewBox="0 0 300 300"></svg></div>
      <label><input type="checkbox" id="show-test-data"> Show test data</label>
      <label><input type="checkbox" id="discretize"> Discretize output</label>
      <div class="export"><button id="export-model">model.json</button>
        <button id="export-script">script.py</button></div>
    </section>
  </main>
  <section class="sample">
    <h2>One sample's graph: <span id="sample-name"></span>
      <button id="open-stepper">step through it</button></h2>
    <div id="sample-graph"></div>
    <h2>What the optimizer just did to <span id="explain-name"></span></h2>
    <pre id="explain"></pre>
    <div id="message" role="status"></div>
  </section>
</div>`;

const STYLE = `
.mgp-playground { font-family: Helvetica, Arial, sans-serif; font-size: 13px; color: #212121; }
.mgp-playground header { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center;
  padding: 6px 8px; background: #183d4e; color: white; }
.mgp-playground header label { white-space: nowrap; }
.mgp-playground header select { font-size: 13px; }
.mgp-playground button { font-size: 13px; cursor: pointer; }
#play-pause-button { width: 44px; height: 44px; border-radius: 50%; font-size: 18px; }
#play-pause-button .pause, #play-pause-button.playing .play { display: none; }
#play-pause-button.playing .pause { display: inline; }
#iter-number { font-size: 20px; font-variant-numeric: tabular-nums; }
.mgp-playground main { display: grid; grid-template-columns: 210px 1fr 320px; gap: 12px; padding: 8px; }
.mgp-playground h2 { font-size: 13px; text-transform: uppercase; margin: 6px 0; font-weight: normal; color: #555; }
.mgp-playground section.data label { display: block; margin: 6px 0; }
.mgp-playground input[type=range] { width: 100%; }
#datasets button { margin: 2px; }
#datasets button.selected, #features button.selected { outline: 2px solid #183d4e; font-weight: bold; }
#features button { margin: 2px; }
#network { width: 100%; height: 330px; }
#network .edge { cursor: pointer; }
#network .chosen { stroke: #e6a000 !important; }
#heatmap { position: relative; width: 300px; height: 300px; }
#heatmap canvas, #heatmap svg { position: absolute; left: 0; top: 0; width: 300px; height: 300px; }
#heatmap canvas { image-rendering: auto; }
#heatmap svg circle.selected { stroke: #e6a000; stroke-width: 3; }
#linechart { width: 300px; height: 60px; background: #fafafa; }
#loss-train, #loss-test { font-variant-numeric: tabular-nums; }
.mgp-playground section.sample { padding: 0 8px 8px; }
#sample-graph { max-height: 360px; overflow: auto; border: 1px solid #ddd; }
#sample-graph svg { max-width: none; }
#explain { background: #fff8e1; padding: 6px; margin: 0; white-space: pre-wrap; }
#message { color: #b2182b; min-height: 1.2em; }
.hint { color: #666; }
`;

function html(el, text) { el.innerHTML = text; }  // only our own templates, never data

function colourFor(value, classes) {  // value in [-1, 1]: orange .. white .. blue
  const [r, g, b] = value < 0 ? ORANGE : BLUE;
  const t = Math.min(1, Math.abs(value));
  return [WHITE[0] + (r - WHITE[0]) * t, WHITE[1] + (g - WHITE[1]) * t, WHITE[2] + (b - WHITE[2]) * t];
}

function bytes(text) {  // base64 of 0..255 -> numbers in [-1, 1]
  const raw = atob(text), out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i) / 127.5 - 1;
  return out;
}

function paint(canvas, size, values, classes, nclasses, discretize) {
  canvas.width = size; canvas.height = size;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    let rgb;
    if (nclasses > 2) {
      const c = Math.round((classes[i] + 1) / 2 * (nclasses - 1));
      const base = CLASS_COLOURS[c], strength = discretize ? 1 : Math.max(0, (values[i] + 1) / 2);
      rgb = base.map((v, k) => WHITE[k] + (v - WHITE[k]) * strength * 0.8);
    } else {
      const v = discretize ? Math.sign(values[i]) : values[i];
      rgb = colourFor(v * 0.85);
    }
    image.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

function featureMap(key, size) {  // an input feature over the plane, scaled to [-1, 1]
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = -6 + 12 * c / (size - 1), y = 6 - 12 * r / (size - 1);
      const v = {x: x / 6, y: y / 6, xSquared: x * x / 18 - 1, ySquared: y * y / 18 - 1,
                 xTimesY: x * y / 36, sinX: Math.sin(x), sinY: Math.sin(y)}[key];
      out[r * size + c] = v;
    }
  }
  return out;
}

function svgEl(name, attrs) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  return el;
}

function fmt(x) {
  if (typeof x === "string") return x;
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(3) : x.toExponential(2);
}

function render({ model, el }) {
  const root = document.createElement("div");
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.appendChild(style);
  el.appendChild(root);
  html(root, TEMPLATE);
  const $ = (id) => root.querySelector("#" + id);
  const standalone = !!(model.get && model.get("standalone"));
  let playing = false, waiting = false, frame = null, graphParts = null, destroyed = false;
  const send = (message) => { model.send(message); };

  // --- controls -----------------------------------------------------------------------------
  for (const rate of LEARNING_RATES) $("learningRate").add(new Option(String(rate), String(rate)));
  for (const rate of REGULAR_RATES) $("regularRate").add(new Option(String(rate), String(rate)));
  for (const [key, label] of DATASETS) {
    const b = document.createElement("button");
    b.textContent = label; b.dataset.key = key;
    b.onclick = () => send({type: "set", key: "dataset", value: key});
    $("datasets").appendChild(b);
  }
  for (const [key, label] of FEATURE_KEYS) {
    const b = document.createElement("button");
    b.textContent = label; b.dataset.key = key; b.id = "feature-" + key;
    b.onclick = () => {
      const on = !frame.settings.features.includes(key);
      send({type: "set", key: key, value: on ? "true" : "false"});
    };
    $("features").appendChild(b);
  }
  const selects = {learningRate: "learningRate", activations: "activation",
                   regularizations: "regularization", regularRate: "regularizationRate",
                   loss: "loss", optimizer: "optimizer"};
  for (const [id, key] of Object.entries(selects)) {
    $(id).onchange = () => send({type: "set", key: key, value: $(id).value});
  }
  for (const key of ["percTrainData", "noise", "batchSize"]) {
    $(key).oninput = () => { $(key + "-value").textContent = $(key).value; };
    $(key).onchange = () => send({type: "set", key: key, value: $(key).value});
  }
  for (const [id, key] of [["show-test-data", "showTestData"], ["discretize", "discretize"]]) {
    $(id).onchange = () => send({type: "set", key: key, value: $(id).checked ? "true" : "false"});
  }
  $("show-grads").onchange = () => frame && drawNetwork(frame);
  $("reset-button").onclick = () => { setPlaying(false); send({type: "reset"}); };
  $("next-step-button").onclick = () => { setPlaying(false); send({type: "step"}); };
  $("play-pause-button").onclick = () => setPlaying(!playing);
  $("data-regen-button").onclick = () => send({type: "regenerate"});
  $("add-layers").onclick = () => shape(frame.settings.networkShape.concat([2]));
  $("remove-layers").onclick = () => shape(frame.settings.networkShape.slice(0, -1));
  $("export-model").onclick = () => send({type: "export", what: "model"});
  $("export-script").onclick = () => send({type: "export", what: "script"});
  $("open-stepper").onclick = () => send({type: "stepper"});
  $("weight-set").onclick = () => {
    const [layer, neuron, input] = frame.chosen;
    send({type: "weight", layer: layer, neuron: neuron, input: input, value: Number($("weight-value").value)});
  };
  function shape(sizes) {
    if (sizes.length > MAX_LAYERS) return;
    send({type: "set", key: "networkShape", value: sizes.join(",")});
  }
  function setPlaying(on) {
    playing = on;
    $("play-pause-button").classList.toggle("playing", on);
    if (on && !waiting) tick();
  }
  function tick() {
    if (!playing || destroyed) return;
    waiting = true;
    send({type: "tick"});
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
  function drawControls(f) {
    const s = f.settings;
    $("iter-number").textContent = f.iteration.toLocaleString("en-US", {minimumIntegerDigits: 6});
    $("learningRate").value = String(s.learningRate);
    if ($("learningRate").value !== String(s.learningRate)) {
      $("learningRate").add(new Option(String(s.learningRate), String(s.learningRate)));
      $("learningRate").value = String(s.learningRate);
    }
    $("activations").value = s.activation;
    $("regularizations").value = s.regularization;
    $("regularRate").value = String(s.regularizationRate);
    $("loss").value = s.loss;
    $("optimizer").value = s.optimizer;
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      $(key).value = s[key]; $(key + "-value").textContent = String(s[key]);
    }
    $("show-test-data").checked = s.showTestData;
    $("discretize").checked = s.discretize;
    for (const b of $("datasets").children) b.classList.toggle("selected", b.dataset.key === s.dataset);
    for (const b of $("features").children) b.classList.toggle("selected", s.features.includes(b.dataset.key));
    $("num-layers").textContent = String(s.networkShape.length);
    $("loss-train").textContent = fmt(f.trainLoss);
    $("loss-test").textContent = fmt(f.testLoss);
  }

  function drawPlane(f) {
    const canvas = $("heatmap").querySelector("canvas");
    paint(canvas, f.grid, bytes(f.shade), bytes(f.classes), f.nclasses, f.settings.discretize);
    plane.replaceChildren();
    const at = (v) => (v + 6) / 12 * 300;
    const dots = [["train", f.train, "white"]];
    if (f.settings.showTestData) dots.push(["test", f.test, "black"]);
    for (const [kind, set, edge] of dots) {
      set.X.forEach((p, i) => {
        const c = CLASS_COLOURS[set.y[i]];
        const dot = svgEl("circle", {cx: at(p[0]), cy: 300 - at(p[1]), r: 3.5,
          fill: `rgb(${c[0]},${c[1]},${c[2]})`, stroke: edge, "stroke-width": 1});
        if (kind === "train") {
          dot.dataset.sample = String(i);
          if (i === f.selected) dot.classList.add("selected");
        }
        plane.appendChild(dot);
      });
    }
  }

  function drawLoss(f) {
    const chart = $("linechart");
    chart.replaceChildren();
    const h = f.history, n = h.step[h.step.length - 1] || 1;
    const values = h.train.concat(h.test).map(Number).filter((v) => isFinite(v));
    const top = Math.max(...values, 1e-9);
    for (const [series, colour] of [[h.test, "#9e9e9e"], [h.train, "#212121"]]) {
      const points = series.map((v, i) => `${h.step[i] / n * 300},${60 - Math.min(Number(v) / top, 1) * 58}`);
      chart.appendChild(svgEl("polyline", {points: points.join(" "), fill: "none", stroke: colour,
        "stroke-width": 1.5, "vector-effect": "non-scaling-stroke"}));
    }
  }

  function drawNetwork(f) {
    const svg = $("network"), grads = $("show-grads").checked;
    svg.replaceChildren();
    const width = svg.clientWidth || 600, height = 330, size = 34;
    const columns = [f.features.length, ...f.layers.map((l) => l.w.length)];
    const x = (c) => 20 + c * (width - 60) / Math.max(1, columns.length - 1);
    const y = (c, k) => 20 + k * (size + 8) + (height - 40 - columns[c] * (size + 8)) / 2;
    // edges first, under the neurons
    const chosen = f.chosen.join(",");
    f.layers.forEach((layer, l) => {
      const amounts = grads ? layer.g : layer.w;
      const biggest = Math.max(...amounts.flat().map((v) => Math.abs(Number(v)) || 0), 1e-12);
      layer.w.forEach((row, k) => row.forEach((w, j) => {
        const a = Number(amounts[k][j]), share = Math.abs(a) / biggest;
        const path = svgEl("path", {
          d: `M${x(l) + size},${y(l, j) + size / 2} C${(x(l) + size + x(l + 1)) / 2},${y(l, j) + size / 2} ` +
             `${(x(l) + size + x(l + 1)) / 2},${y(l + 1, k) + size / 2} ${x(l + 1)},${y(l + 1, k) + size / 2}`,
          fill: "none", stroke: a >= 0 ? "#0877bd" : "#f59322",
          "stroke-width": grads ? 0.5 + 5 * Math.sqrt(share) : 0.5 + 5 * share, class: "edge"});
        const name = `L${l + 1}.N${k + 1}.w${j}`;
        if ([l, k, j].join(",") === chosen) path.classList.add("chosen");
        const title = svgEl("title");
        title.textContent = `${name} = ${fmt(Number(w))}, dL/dw = ${fmt(Number(layer.g[k][j]))} (batch)`;
        path.appendChild(title);
        path.dataset.weight = [l, k, j].join(",");
        path.onclick = () => {
          send({type: "weight", layer: l, neuron: k, input: j});
          $("weight-box").hidden = false;
          $("weight-name").textContent = name;
          $("weight-value").value = Number(w).toFixed(4);
        };
        svg.appendChild(path);
      }));
    });
    // neurons: small maps of their activation over the plane
    const maps = [...f.features.map((_, j) => featureMap(frame.settings.features[j], f.grid)),
                  ...f.neurons.map(bytes)];
    let index = 0;
    columns.forEach((count, c) => {
      for (let k = 0; k < count; k++) {
        const canvas = document.createElement("canvas");
        const last = c === columns.length - 1;
        if (last) paint(canvas, f.grid, bytes(f.shade), bytes(f.classes), f.nclasses, false);
        else paint(canvas, c === 0 ? f.grid : Math.round(Math.sqrt(maps[index].length)), maps[index], null, 2, false);
        if (!last) index++;
        const image = svgEl("image", {x: x(c), y: y(c, k), width: size, height: size,
          href: canvas.toDataURL(), preserveAspectRatio: "none"});
        const title = svgEl("title");
        title.textContent = c === 0 ? f.features[k] : `L${c}.N${k + 1}`;
        image.appendChild(title);
        svg.appendChild(image);
        svg.appendChild(svgEl("rect", {x: x(c), y: y(c, k), width: size, height: size,
          fill: "none", stroke: "#666"}));
      }
    });
    // +/- neurons under each hidden layer
    const buttons = $("layer-buttons");
    buttons.replaceChildren();
    f.settings.networkShape.forEach((n, l) => {
      const span = document.createElement("span");
      for (const [label, delta] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button");
        b.textContent = label;
        b.onclick = () => {
          const sizes = frame.settings.networkShape.slice();
          sizes[l] = Math.min(MAX_NEURONS, Math.max(1, sizes[l] + delta));
          shape(sizes);
        };
        span.appendChild(b);
      }
      span.appendChild(document.createTextNode(` ${n} neurons `));
      buttons.appendChild(span);
    });
  }

  function drawGraph(f) {
    const g = f.graph;
    if (!g) return;
    const box = $("sample-graph");
    if (g.svg) {  // a new layout: our own SVG, drawn by Graphviz from escaped labels
      html(box, g.svg);
      const picture = box.querySelector("svg");
      picture.removeAttribute("id");
      const view = picture.viewBox.baseVal;  // its own size, in points: text stays readable
      picture.setAttribute("width", String(Math.round(view.width * 1.1)));
      picture.setAttribute("height", String(Math.round(view.height * 1.1)));
      graphParts = findParts(picture, g.gradCell);
      // start where the loss is: the output's box, near the right of the view
      const last = Object.keys(graphParts.boxes).sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)))[0];
      if (last) {
        const target = graphParts.boxes[last].group.getBoundingClientRect();
        const outer = box.getBoundingClientRect();
        box.scrollLeft += target.right - outer.left - outer.width + 20;
        box.scrollTop += target.top - outer.top - outer.height / 2;
      }
    }
    if (!graphParts) return;
    for (const [id, row] of Object.entries(g.nodes)) showNode(graphParts, id, row);
    for (const [key, row] of Object.entries(g.edges)) showEdge(graphParts, key, row);
    for (const [id, row] of Object.entries(g.dead)) showDead(graphParts, id, row[0], g.colours);
    $("sample-name").textContent = `training point ${f.selected}`;
  }

  function draw(f) {
    frame = f;
    drawControls(f);
    drawPlane(f);
    drawLoss(f);
    drawNetwork(f);
    drawGraph(f);
    const [l, k, j] = f.chosen;
    $("explain-name").textContent = `L${l + 1}.N${k + 1}.w${j}`;
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
    if (message.type === "state") {
      $("message").textContent = "";
      waiting = false;
      draw(message);
      if (playing) requestAnimationFrame(tick);
    } else if (message.type === "error") {
      waiting = false;
      $("message").textContent = message.message;
      if (frame) drawControls(frame);  // back to what Python holds
    } else if (message.type === "export") {
      if (message.what === "script") download("playground_run.py", message.script, "text/x-python");
      else download("model.json", message.model, "application/json");
    } else if (message.type === "stepper") {
      window.open(URL.createObjectURL(new Blob([message.page], {type: "text/html"})), "_blank");
    }
  }
  model.on("msg:custom", onMessage);
  if (standalone) send({type: "init", hash: window.location.hash.slice(1)});
  else send({type: "frame"});
  return () => { destroyed = true; playing = false; };
}

export default { render };
