"use strict";
// The camera over a picture (an SVG's viewBox), shared by the stepper and the explorer:
// the wheel zooms about the pointer, a drag pans. `view()` gives the current view
// {x, y, w, h}, `setView(v)` sets one; a drag that starts on `fixed` (a CSS selector:
// what a click opens) is left to the click.
function panAndZoom(graph, view, setView, fixed) {
  graph.addEventListener("wheel", (e) => {
    e.preventDefault();
    const v = view(), rect = graph.getBoundingClientRect();
    const factor = e.deltaY > 0 ? 1.15 : 1 / 1.15;
    const ux = v.x + (e.clientX - rect.left) / rect.width * v.w;
    const uy = v.y + (e.clientY - rect.top) / rect.height * v.h;
    setView({x: ux - (ux - v.x) * factor, y: uy - (uy - v.y) * factor,
             w: v.w * factor, h: v.h * factor});
  }, {passive: false});
  let drag = null;
  graph.addEventListener("pointerdown", (e) => {
    if (fixed && e.target.closest(fixed)) return;
    drag = {x: e.clientX, y: e.clientY, view: Object.assign({}, view())};
    graph.classList.add("dragging");
    graph.setPointerCapture(e.pointerId);
  });
  graph.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const k = drag.view.w / graph.clientWidth;
    setView({x: drag.view.x - (e.clientX - drag.x) * k, y: drag.view.y - (e.clientY - drag.y) * k,
             w: drag.view.w, h: drag.view.h});
  });
  const end = () => { drag = null; graph.classList.remove("dragging"); };
  graph.addEventListener("pointerup", end);
  graph.addEventListener("pointercancel", end);
}
