"use strict";
// A graph laid out once by Graphviz (micrograd_plus.viz.live), updated in place: each
// look at it is rows of texts, colours and widths written into the same SVG. Shared by
// the stepper page and the playground. All text is set with textContent.

// The SVG's parts, found once: boxes (data and grad texts, the grad cell), op circles,
// edges (path, arrow head, label). The grad cell is found by its layout fill.
function findParts(svg, gradCell) {
  const parts = {boxes: {}, ops: {}, edges: {}};
  for (const g of svg.querySelectorAll("g.node")) {
    if (g.id.startsWith("node-")) {
      const texts = g.querySelectorAll("text");
      const cell = g.querySelector(`polygon[fill="${gradCell}"]`);
      parts.boxes[g.id.slice(5)] = cell
        ? {group: g, data: texts[texts.length - 2], grad: texts[texts.length - 1], cell: cell}
        : {group: g};
    } else if (g.id.startsWith("op-")) {
      g.classList.add("op");
      parts.ops[g.id.slice(3)] = g;
    }
  }
  for (const g of svg.querySelectorAll("g.edge")) {
    if (!g.id.startsWith("edge-")) continue;
    parts.edges[g.id.slice(5)] = {
      group: g, path: g.querySelector("path"), arrow: g.querySelector("polygon"),
      label: g.querySelector("text"),
    };
  }
  return parts;
}

// row: [data text, grad text, grad cell fill, grad text colour, italic]
function showNode(parts, id, row) {
  const box = parts.boxes[id];
  if (!box || !box.cell) return;
  box.data.textContent = row[0];
  box.grad.textContent = row[1];
  box.cell.setAttribute("fill", row[2]);
  box.grad.setAttribute("fill", row[3]);
  box.grad.setAttribute("font-style", row[4] ? "italic" : "normal");
}

// row: [colour, width, label, dashed]
function showEdge(parts, key, row) {
  const edge = parts.edges[key];
  if (!edge) return;
  const [colour, width, label, dashed] = row;
  const stroke = label ? width : 1;
  edge.path.setAttribute("stroke", colour);
  edge.path.setAttribute("stroke-width", stroke);
  edge.path.setAttribute("stroke-dasharray", dashed ? "5,2" : "none");
  if (edge.arrow) {
    edge.arrow.setAttribute("stroke", colour);
    edge.arrow.setAttribute("stroke-width", stroke);
    edge.arrow.setAttribute("fill", colour);
  }
  if (edge.label) {
    edge.label.textContent = label;
    edge.label.setAttribute("fill", colour);
  }
}

// A ReLU whose input is <= 0: its op circle black, "dead".
function showDead(parts, id, isDead, colours) {
  const op = parts.ops[id];
  if (!op) return;
  op.classList.toggle("dead", !!isDead);
  const ellipse = op.querySelector("ellipse");
  if (ellipse) ellipse.setAttribute("fill", isDead ? colours.dead : colours.op);
  for (const text of op.querySelectorAll("text")) text.setAttribute("fill", isDead ? "white" : "black");
}
