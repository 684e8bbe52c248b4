"use strict";
// Small matrices of a graph's numbers, each entry tied to its scalar node: shared by the
// stepper's layer steps and the explorer's attention heads. A page defines pointAt(td,
// on) (an entry hovered: light its node) and lookAt(id) (an entry clicked: go to its
// node). All text is set with textContent.

// A column vector as the rows of a matrix: each entry a row of one (a gap row stays null).
const column = (entries) => entries.map((e) => (e === null ? null : [e]));

function matrix(rows, key, caption) {
  // rows: each a list of entries, or null for rows left out; an entry is [text, node id,
  // edge key, the number in full], or null for columns left out. An entry is named by
  // its place: "W-1-0" in a matrix of rows, "z-2" in a column.
  const figure = document.createElement("figure");
  const table = document.createElement("table");
  table.className = "matrix";
  table.dataset.name = key;
  const width = Math.max(...rows.map((r) => (r ? r.length : 1)));
  rows.forEach((row, i) => {
    const tr = document.createElement("tr");
    for (let j = 0; j < width; j++) {
      const td = document.createElement("td");
      const entry = row ? row[j] : null;
      if (!entry) { td.textContent = row ? "\u22ef" : "\u22ee"; tr.appendChild(td); continue; }
      td.textContent = entry[0];
      td.dataset.name = entry[4];  // its place in the whole matrix: "z-11", "W-2-0"
      td.dataset.node = entry[1];
      td.dataset.edge = entry[2];
      td.addEventListener("mouseenter", () => pointAt(td, true));
      td.addEventListener("mouseleave", () => pointAt(td, false));
      td.addEventListener("click", (e) => {
        if (!(e.target instanceof HTMLInputElement)) lookAt(entry[1]);  // not while typing
      });
      tr.appendChild(td);
    }
    table.appendChild(tr);
  });
  const label = document.createElement("figcaption");
  label.textContent = caption;
  figure.append(table, label);
  return figure;
}

function equation(...parts) {
  const div = document.createElement("div");
  div.className = "eq";
  for (const part of parts) {
    if (part === "") continue;
    if (typeof part === "string") {
      const span = document.createElement("span");
      span.className = "op-sign";
      span.textContent = part;
      div.appendChild(span);
    } else div.appendChild(part);
  }
  return div;
}

// The equations as large as the panel holds them: the font shrinks (to 9 px at the least)
// until they fit its width and, with the text under them, its height.
function fit(box) {
  const panel = document.getElementById("panel");
  let size = 15;
  panel.scrollTop = 0;
  box.style.fontSize = size + "px";
  while (size > 9 && (box.scrollWidth > box.clientWidth + 1 ||
                      panel.scrollHeight > panel.clientHeight + 1)) {
    size -= 0.5;
    box.style.fontSize = size + "px";
  }
}

// Whether a typed answer is the number shown: to 3 significant digits (a number that is
// not finite, inf or nan, as written).
function answerIsRight(typed, value) {
  const text = typed.trim(), expected = Number(value), number = Number(text);
  if (!isFinite(expected)) return String(value) === text;
  return text !== "" && isFinite(number) &&
    Math.abs(number - expected) <= 0.005 * Math.abs(expected) + 1e-12;
}
