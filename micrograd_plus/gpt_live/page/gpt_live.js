// The GPT live view's front end: an anywidget module (render({model, el})) that draws the
// frames Python sends and sends back what the user does. The same module runs in Jupyter
// (the widget's model) and in the page `micrograd-plus gpt-live` serves (a model over a
// WebSocket, made in page_index.html). Python owns the run, every setting and its limits;
// a frame carries what is on view. While playing, the page asks for one tick at a time
// and asks for the next when the reply to the last has been drawn.

const BLUE = [8, 119, 189], ORANGE = [245, 147, 34], PURPLE = [118, 42, 131], WHITE = [255, 255, 255];
const SVGNS = "http://www.w3.org/2000/svg";

const TEMPLATE = `
<div class="mgp-gpt" tabindex="0">
  <header>
    <button id="reset" title="a new model at step 0">⟲</button>
    <button id="play" title="train (space)"><span class="play">▶</span><span class="pause">❚❚</span></button>
    <button id="step" title="one step: the next name">▶|</button>
    <label>Step <b id="step-number">0</b> of <input id="steps" type="number" min="1"></label>
    <label title="Adam's learning rate at step 0; it falls linearly to 0 at the last step">Learning rate
      <input id="lr" type="number" step="0.001"> <span id="lr-now" class="hint"></span></label>
    <label title="sampling divides the logits by it: low is safe, high is wild">Temperature
      <input id="temperature" type="range" step="0.05"> <span id="temperature-value"></span></label>
    <label title="the name whose attention and predictions are shown">Name <input id="name" size="10"></label>
  </header>
  <div id="banner" role="status" aria-live="polite"></div>
  <main>
    <section class="left">
      <h2>Loss <span id="loss-now"></span> <span class="hint">each step's name (grey), the mean of the last 50 (blue)</span></h2>
      <svg id="curve"></svg>
      <div class="scrub"><input id="scrub" type="range" min="0" step="1" aria-label="step on view">
        <button id="now" title="back to the run now">now</button>
        <button id="train-from" title="forget the steps after this one and train on from it">train on from here</button></div>
      <p id="viewing" class="hint"></p>
      <h2>Names it makes up <button id="sample" title="new names at this step and temperature">sample</button></h2>
      <p id="samples-title" class="hint"></p>
      <ol id="samples"></ol>
      <label class="every">Sample every <input id="sample_every" type="number" min="1"> steps;
        <input id="per_tick" type="number" min="1"> steps per frame of play</label>
    </section>
    <section class="middle">
      <h2>Attention on <span id="name-shown"></span> <span class="hint">row: the position that looks; column: where it looks (white 0, blue 1); · is BOS, a name's start</span></h2>
      <div id="layers"></div>
      <div id="heads"></div>
    </section>
    <section class="right">
      <h2>Next token <span class="hint">p after each position (white 0, purple 1, square-root scale); the name's own next letter outlined</span></h2>
      <svg id="probs"></svg>
      <h2>Token embedding <span class="hint">wte, a row per token (orange below 0, blue above, scaled to its largest entry), and its rows on 2 principal components (vowels in pink)</span></h2>
      <div class="embedding"><svg id="wte"></svg><svg id="projection"></svg></div>
    </section>
  </main>
  <div id="tip" hidden></div>
</div>`;

const STYLE = `
.mgp-gpt { font: 14px system-ui, sans-serif; color: #222; padding: 6px 10px; outline: none; }
.mgp-gpt header { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
.mgp-gpt header button { font-size: 18px; min-width: 40px; height: 34px; }
.mgp-gpt #play .pause, .mgp-gpt.playing #play .play { display: none; }
.mgp-gpt.playing #play .pause { display: inline; }
.mgp-gpt input[type=number] { width: 72px; font-size: 14px; }
.mgp-gpt #steps { width: 80px; }
.mgp-gpt #banner { min-height: 20px; margin: 4px 0; color: #555; }
.mgp-gpt #banner.error { color: #b00020; font-weight: 600; }
.mgp-gpt #banner.busy { color: #777; font-style: italic; }
.mgp-gpt main { display: grid; grid-template-columns: 400px 430px 400px; gap: 16px; }
.mgp-gpt h2 { font-size: 15px; margin: 4px 0; }
.mgp-gpt .hint { font-weight: normal; color: #666; font-size: 12px; }
.mgp-gpt .scrub { display: flex; gap: 6px; align-items: center; }
.mgp-gpt #viewing { margin: 2px 0; min-height: 16px; }
.mgp-gpt #layers button { font-size: 13px; margin: 0 4px 4px 0; }
.mgp-gpt #layers button.on { font-weight: bold; border-color: #0877bd; }
.mgp-gpt #scrub { flex: 1; }
.mgp-gpt #samples { columns: 2; margin: 2px 0; padding-left: 28px; font: 15px ui-monospace, monospace; }
.mgp-gpt .every { font-size: 12px; color: #444; }
.mgp-gpt .every input { width: 56px; }
.mgp-gpt .embedding { display: flex; gap: 8px; }
.mgp-gpt svg text { font: 12px system-ui, sans-serif; fill: #333; }
.mgp-gpt svg rect.cell:hover { stroke: #000; stroke-width: 1.5; }
.mgp-gpt #tip { position: fixed; pointer-events: none; background: #222; color: #fff;
  padding: 4px 8px; border-radius: 4px; font-size: 13px; z-index: 10; white-space: nowrap; }
`;

function mix(base, t) {
  if (t === null || Number.isNaN(t)) return "#bdbdbd";  // not a number: a diverged run
  const c = WHITE.map((w, k) => Math.round(w + (base[k] - w) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}
function label(parent, x, y, text, anchor = "middle") {
  const t = svgEl("text", {x, y, "text-anchor": anchor, "dominant-baseline": "middle"}, parent);
  t.textContent = text;
  return t;
}
function fmt(x) { return x === null ? "not a number" : Number(x).toPrecision(3); }
function shown(token) { return token === "BOS" ? "·" : token; }  // BOS drawn as a dot

// A heat map of rows x columns, laid out once per shape; each later frame only colours it.
function heatMap(svg, rows, cols, cell, left, top, tall = cell) {
  svg.replaceChildren();
  const cells = [];
  for (let r = 0; r < rows; r++) {
    cells.push([]);
    for (let c = 0; c < cols; c++) {
      const rect = svgEl("rect", {class: "cell", x: left + c * cell, y: top + r * tall,
        width: cell - 1, height: tall - 1, "data-row": r, "data-col": c}, svg);
      cells[r].push(rect);
    }
  }
  return cells;
}

function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.appendChild(style);
  const root = document.createElement("div");
  root.innerHTML = TEMPLATE;  // our own template, never data
  el.appendChild(root);
  const view = root.firstElementChild;
  const $ = (id) => view.querySelector(`#${id}`);
  const tip = $("tip");
  let frame = null, playing = false, busy = false, shapes = "", flying = null;
  let layerShown = 0, errorAt = 0, slow = null;
  const waiting = [];  // messages sent while one is in flight, in order
  const standalone = !!model.get("standalone");  // the served page, not a notebook's cell
  let headCells = [], probCells = [], wteCells = [];

  function send(message) {  // one message in flight; the others wait their turn
    if (busy) {
      const last = waiting[waiting.length - 1];  // a scrub replaces a scrub still waiting,
      const same = last && last.type === message.type;  // a setting the same setting's
      if (same && (message.type === "scrub" || (message.type === "set" && last.key === message.key))) {
        waiting.pop();
      }
      waiting.push(message);
      return;
    }
    busy = true;
    flying = message;
    clearTimeout(slow);  // a reply that takes a while (a new name length is recorded): said
    slow = setTimeout(() => { if (busy && !$("banner").classList.contains("error")) say("working…", "busy"); }, 400);
    model.send(message);
  }
  function setPlaying(on) {
    playing = on;
    view.classList.toggle("playing", on);
    if (on && !busy) send({type: "tick"});
  }
  function say(text, kind = "") {  // kind: "error", "busy" or "" (a note)
    $("banner").textContent = text;
    $("banner").classList.toggle("error", kind === "error");
    $("banner").classList.toggle("busy", kind === "busy");
    if (kind === "error") errorAt = Date.now();
  }

  // --- hover: one tip for every cell and point --------------------------------------------
  function hover(target, text) {
    target.addEventListener("mousemove", (event) => {
      tip.textContent = text();
      tip.hidden = false;
      tip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 4)}px`;
      tip.style.top = `${event.clientY + 16}px`;
    });
    target.addEventListener("mouseleave", () => { tip.hidden = true; });
  }

  // --- the layouts, made when the shape of what is drawn changes ---------------------------
  function layout(f) {
    const [layers, heads, n] = [f.maps.length, f.maps[0].length, f.tokens.length];
    const key = `${layers}x${heads}x${n}x${f.vocab.length}x${f.embedding[0].length}x${layerShown}`;
    if (key === shapes) return;
    shapes = key;
    // attention: one layer at a time (tabs), a panel per head, as large as they fit
    layerShown = Math.min(layerShown, layers - 1);
    const tabs = $("layers");
    tabs.replaceChildren();
    for (let l = 0; layers > 1 && l < layers; l++) {
      const tab = document.createElement("button");
      tab.textContent = `layer ${l}`;
      tab.classList.toggle("on", l === layerShown);
      tab.addEventListener("click", () => { layerShown = l; shapes = ""; draw(frame); });
      tabs.appendChild(tab);
    }
    const across = heads <= 4 ? 2 : 3, down = Math.ceil(heads / across), margin = 22;
    const size = Math.min(Math.floor(430 / across) - 6, Math.floor((layers > 1 ? 560 : 590) / down) - 24);
    const cell = Math.max(4, Math.floor((size - margin) / n));
    const box = $("heads");
    box.replaceChildren();
    headCells = [];
    box.style.display = "grid";
    box.style.gridTemplateColumns = `repeat(${across}, ${size}px)`;
    box.style.gap = "6px";
    const l = layerShown;
    for (let h = 0; h < heads; h++) {
      const svg = svgEl("svg", {width: size, height: size + 18, class: "head",
        "data-layer": l, "data-head": h}, box);
      const cells = heatMap(svg, n, n, cell, margin, 18 + margin);
      label(svg, margin, 8, layers > 1 ? `layer ${l} head ${h}` : `head ${h}`, "start");
      const every = cell >= 12 ? 1 : Math.ceil(12 / cell);
      for (let i = 0; i < n; i += every) {
        const row = label(svg, margin - 4, 18 + margin + i * cell + cell / 2, "", "end");
        const col = label(svg, margin + i * cell + cell / 2, 18 + margin - 8, "");
        row.classList.add("query"); col.classList.add("key");
        row.dataset.i = i; col.dataset.i = i;
      }
      cells.forEach((rowCells, i) => rowCells.forEach((rect, j) => hover(rect, () => {
        const t = frame.tokens;
        if (j > i) return `position ${i} cannot look ahead at position ${j}`;
        const which = layers > 1 ? `layer ${l} head ${h}` : `head ${h}`;
        return `${which}: '${shown(t[i])}' (position ${i}) looks at '${shown(t[j])}' ` +
          `(position ${j}): ${fmt(frame.maps[l][h][i][j])}`;
      })));
      headCells.push(cells);
    }
    // next-token probabilities: a row per position, a column per token
    const vocab = f.vocab.length, pcell = Math.min(22, Math.floor((400 - 30) / vocab));
    const ptall = Math.min(pcell, Math.max(12, Math.floor(230 / n)));  // 16 rows fit 230 px
    const probs = $("probs");
    probs.setAttribute("width", 400);
    probs.setAttribute("height", 20 + n * ptall + 4);
    probCells = heatMap(probs, n, vocab, pcell, 30, 20, ptall);
    f.vocab.forEach((token, c) => label(probs, 30 + c * pcell + pcell / 2, 10, shown(token)));
    for (let i = 0; i < n; i++) {
      label(probs, 26, 20 + i * ptall + ptall / 2, "", "end").classList.add("after");
    }
    probCells.forEach((rowCells, i) => rowCells.forEach((rect, c) => hover(rect, () => {
      const before = frame.tokens.slice(1, i + 1).map(shown).join("");
      const target = frame.targets[i] === c ? " (the name's next)" : "";
      return `after '${before || "·"}' (position ${i}): p('${shown(frame.vocab[c])}') = ` +
        `${fmt(frame.probs[i][c])}${target}`;
    })));
    // the embedding: a row per token, a column per dimension
    const dims = f.embedding[0].length;
    const wcell = Math.max(4, Math.floor(Math.min(14, 180 / dims)));
    const tall = Math.max(6, Math.min(12, Math.floor(330 / vocab)));
    const wte = $("wte");
    wte.setAttribute("width", 20 + dims * wcell);
    wte.setAttribute("height", vocab * tall + 4);
    wteCells = heatMap(wte, vocab, dims, wcell, 20, 0, tall);
    const labelled = Math.ceil(13 / tall);  // a row label every few rows, never overlapping
    f.vocab.forEach((token, r) => {
      if (r % labelled === 0) label(wte, 14, r * tall + tall / 2, shown(token), "end");
    });
    wteCells.forEach((rowCells, r) => rowCells.forEach((rect, d) => hover(rect, () =>
      `wte['${shown(frame.vocab[r])}'][${d}] = ${fmt(frame.embedding[r][d])}`)));
    const projection = $("projection");
    projection.setAttribute("width", 400 - 28 - dims * wcell);
    projection.setAttribute("height", Math.max(200, vocab * tall));
  }

  // --- each frame ---------------------------------------------------------------------------
  function draw(f) {
    frame = f;
    layout(f);
    const s = f.settings;
    for (const key of ["steps", "lr", "sample_every", "per_tick"]) {
      const input = $(key);
      if (document.activeElement !== input) input.value = s[key];
      input.min = f.limits[key][0];
      input.max = f.limits[key][1];
    }
    const temperature = $("temperature");
    temperature.min = f.limits.temperature[0];
    temperature.max = f.limits.temperature[1];
    if (document.activeElement !== temperature) temperature.value = s.temperature;
    $("temperature-value").textContent = Number(s.temperature).toFixed(2);
    const named = flying && flying.type === "set" && flying.key === "name";  // as the run took it
    if (named || document.activeElement !== $("name")) $("name").value = s.name;
    $("step-number").textContent = f.shown.toLocaleString();
    $("viewing").textContent = f.live ? "" :
      `viewing step ${f.shown.toLocaleString()}; the run is at ${f.step.toLocaleString()}`;
    $("lr-now").textContent = f.live ? `next step ${fmt(f.lr_next)}` : `at step ${f.shown}: ${fmt(f.lr_shown)}`;
    $("name-shown").textContent = `"${s.name}" (loss ${fmt(f.name_loss)})`;
    const scrub = $("scrub");
    scrub.max = f.step;
    if (document.activeElement !== scrub) scrub.value = f.shown;
    $("train-from").disabled = f.live;
    $("now").disabled = f.live;
    drawCurve(f);
    // attention
    const t = f.tokens;
    view.querySelectorAll("#heads text.query, #heads text.key").forEach((text) => {
      text.textContent = shown(t[Number(text.dataset.i)]);
    });
    f.maps[layerShown].forEach((map, h) => {
      headCells[h].forEach((rowCells, i) => rowCells.forEach((rect, j) => {
        rect.setAttribute("fill", j > i ? "#eee" : mix(BLUE, map[i][j]));
      }));
    });
    // next token
    view.querySelectorAll("#probs text.after").forEach((text, i) => { text.textContent = shown(t[i]); });
    probCells.forEach((rowCells, i) => rowCells.forEach((rect, c) => {
      const p = f.probs[i][c];
      rect.setAttribute("fill", mix(PURPLE, p === null ? null : Math.sqrt(p)));
      const target = f.targets[i] === c;
      rect.setAttribute("stroke", target ? "#e65100" : "none");
      rect.setAttribute("stroke-width", target ? 2 : 0);
    }));
    // embedding
    const limit = Math.max(1e-9, ...f.embedding.flat().filter((v) => v !== null).map(Math.abs));
    wteCells.forEach((rowCells, r) => rowCells.forEach((rect, d) => {
      const v = f.embedding[r][d];
      rect.setAttribute("fill", v === null ? mix(BLUE, null) : mix(v < 0 ? ORANGE : BLUE, Math.abs(v) / limit));
    }));
    drawProjection(f);
    // samples
    const sampled = f.samples;
    $("samples-title").textContent = sampled === null ? "" :
      `at step ${sampled.step.toLocaleString()}, temperature ${Number(sampled.temperature).toFixed(2)}:`;
    $("samples").replaceChildren(...(sampled ? sampled.names : []).map((name) => {
      const item = document.createElement("li");
      item.textContent = name || "(nothing: BOS first)";
      return item;
    }));
    if (f.notes.length) say(f.notes.join("; "), f.diverged !== null ? "error" : "");
    else if (!$("banner").classList.contains("error") || Date.now() - errorAt > 4000) say("");
  }

  function drawCurve(f) {
    const svg = $("curve"), W = 400, H = 240, L = 30, R = 22, T = 10, B = 26;
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.replaceChildren();
    const total = Math.max(1, f.settings.steps);
    const finite = f.curve.loss.filter((v) => v !== null);
    const highest = finite.length ? Math.max(...finite) : 0;
    const top = Math.min(10, Math.max(4, Math.ceil(f.uniform + 0.5), Math.ceil(highest)));
    const x = (step) => L + ((W - L - R) * step) / total;
    const y = (loss) => T + (H - T - B) * (1 - Math.min(top, loss) / top);
    for (let v = 0; v <= top; v++) {
      svgEl("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#eee"}, svg);
      label(svg, L - 6, y(v), String(v), "end");
    }
    const tick = 10 ** Math.floor(Math.log10(total));
    const every = Math.max(1, total / tick >= 5 ? tick : tick / 2);  // whole steps
    for (let s = 0; s <= total; s += every) {  // the last one ends at the axis' end
      label(svg, x(s), H - 10, s.toLocaleString(), x(s) > W - R - 30 ? "end" : "middle");
    }
    svgEl("line", {x1: L, x2: W - R, y1: y(f.uniform), y2: y(f.uniform), stroke: "#e65100",
      "stroke-dasharray": "5 4"}, svg);
    label(svg, W - R, y(f.uniform) - 9, `uniform guess: ln ${f.vocab.length} = ${f.uniform.toFixed(2)}`, "end");
    const line = (values, colour, width) => {  // not a number: drawn at the top
      if (!values.length) return;
      const points = values.map((v, i) => `${x(f.curve.step[i]).toFixed(1)},${y(v === null ? top : v).toFixed(1)}`);
      svgEl("polyline", {points: points.join(" "), fill: "none", stroke: colour, "stroke-width": width}, svg);
    };
    if (highest > top || finite.length < f.curve.loss.length) {
      label(svg, L + 6, T + 8, `losses above ${top} drawn at ${top}`, "start");
    }
    line(f.curve.loss, "#bbb", 1);
    line(f.curve.mean, "rgb(8,119,189)", 2.5);
    svgEl("line", {x1: x(f.shown), x2: x(f.shown), y1: T, y2: H - B, stroke: "#c2185b",
      "stroke-width": f.live ? 1 : 2}, svg);
    const catcher = svgEl("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "transparent"}, svg);
    catcher.style.cursor = "pointer";
    hover(catcher, () => "click: view this step");
    catcher.addEventListener("click", (event) => {
      const box = catcher.getBoundingClientRect();
      const step = Math.round(((event.clientX - box.left) / box.width) * total);
      setPlaying(false);  // looking back pauses the run, as the scrubber does
      send({type: "scrub", step: Math.min(step, frame.step)});
    });
    $("loss-now").textContent = f.loss_shown === null ? (f.shown ? "not a number" : "") : fmt(f.loss_shown);
  }

  function drawProjection(f) {
    const svg = $("projection"), pad = 14;
    const W = Number(svg.getAttribute("width")), H = Number(svg.getAttribute("height"));
    svg.replaceChildren();
    const xs = f.projection.map((p) => p[0]), ys = f.projection.map((p) => p[1]);
    const span = (v) => [Math.min(...v), Math.max(...v) - Math.min(...v) || 1];
    const [x0, dx] = span(xs), [y0, dy] = span(ys);
    svgEl("rect", {x: 0.5, y: 0.5, width: W - 1, height: H - 1, fill: "none", stroke: "#ddd"}, svg);
    if (xs.includes(null)) { label(svg, W / 2, H / 2, "no projection: not numbers"); return; }
    f.projection.forEach((p, r) => {
      const px = pad + ((W - 2 * pad) * (p[0] - x0)) / dx, py = H - pad - ((H - 2 * pad) * (p[1] - y0)) / dy;
      const vowel = "aeiouy".includes(f.vocab[r]);
      const t = label(svg, px, py, shown(f.vocab[r]));
      t.setAttribute("class", "point");
      t.style.fill = vowel ? "#c2185b" : "#333";
      t.style.fontWeight = "600";
      hover(t, () => `'${shown(frame.vocab[r])}': (${fmt(frame.projection[r][0])}, ${fmt(frame.projection[r][1])})`);
    });
  }

  // --- what the user does -------------------------------------------------------------------
  $("play").addEventListener("click", () => setPlaying(!playing));
  $("step").addEventListener("click", () => { setPlaying(false); send({type: "step"}); });
  $("reset").addEventListener("click", () => { setPlaying(false); send({type: "reset"}); });
  $("sample").addEventListener("click", () => { setPlaying(false); send({type: "sample"}); });
  $("now").addEventListener("click", () => send({type: "scrub", step: null}));
  $("train-from").addEventListener("click", () => send({type: "train_from", step: frame.shown}));
  $("scrub").addEventListener("input", (event) => {
    setPlaying(false);
    send({type: "scrub", step: Number(event.target.value)});
  });
  for (const key of ["steps", "lr", "sample_every", "per_tick", "temperature", "name"]) {
    $(key).addEventListener("change", (event) => send({type: "set", key, value: event.target.value}));
  }
  $("temperature").addEventListener("input", (event) => {
    $("temperature-value").textContent = Number(event.target.value).toFixed(2);
  });
  // space plays and pauses: anywhere on the served page, inside the view in a notebook;
  // not while typing in a field (a slider is no field)
  (standalone ? document : view).addEventListener("keydown", (event) => {
    const typing = event.target.tagName === "INPUT" && event.target.type !== "range";
    if (event.key === " " && !typing) {
      event.preventDefault();
      setPlaying(!playing);
    }
  });

  model.on("msg:custom", (message) => {
    if (message.type === "connection") {  // the served page's socket dropped, or is back
      if (!message.open) { setPlaying(false); say(message.text, "error"); return; }
      busy = false;  // what was in flight is lost with the old run
      waiting.length = 0;
      if (frame) {  // a new run on the server: the settings this page had, again
        for (const key of ["steps", "lr", "temperature", "sample_every", "per_tick", "name"]) {
          send({type: "set", key, value: frame.settings[key]});
        }
      }
      send({type: "frame"});
      say("reconnected to the server: a new run from step 0 with the same settings");
      return;
    }
    busy = false;
    clearTimeout(slow);
    if ($("banner").classList.contains("busy")) say("");
    if (message.type === "error") {
      setPlaying(false);
      say(message.message, "error");
      if (flying && flying.type === "set" && frame) {  // the refused field: back to the run's
        const field = $(flying.key);
        field.value = frame.settings[flying.key];
        if (flying.key === "temperature") $("temperature-value").textContent = Number(field.value).toFixed(2);
      }
    } else if (message.type === "frame") {
      draw(message);
      if (message.done || message.diverged !== null) setPlaying(false);  // the end, or lost
    }
    if (waiting.length) send(waiting.shift());
    else if (playing) requestAnimationFrame(() => { if (playing && !busy) send({type: "tick"}); });
  });
  send({type: "frame"});
}

export default { render };
