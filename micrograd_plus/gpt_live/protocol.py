"""The GPT live view's messages: what a page (or a kernel) asks, and the one reply to
each: the new frame, or ``{"type": "error", "message": ...}`` in this project's words.
No message can end a run: a refusal leaves it as it was.

Messages (JSON objects with a ``type``): ``frame``, ``tick`` (``per_tick`` steps, the
page's play), ``step`` (``n``, 1 unless given), ``set`` (key, value), ``reset``,
``scrub`` (step, or null for the run now), ``train_from`` (step), ``sample``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from micrograd_plus import loopback
from micrograd_plus.gpt_live.run import LIMITS, LiveRun
from micrograd_plus.loopback import Refused, text, whole

__all__ = ["Channel", "frame"]

CURVE_POINTS = 1000  # the loss curve's points at most (longer runs: each a mean of steps)
SMOOTH = 50  # the curve's second line: the mean of the last this many steps


def _rounded(array: Any, digits: int = 5) -> Any:
    """Numbers for the page, to ``digits`` decimals: nested lists, None where a number is
    not finite (a run whose learning rate was too high), which JSON cannot carry."""
    numbers = np.round(np.asarray(array, dtype=np.float64), digits)
    out = numbers.astype(object)
    out[~np.isfinite(numbers)] = None
    return out.tolist()


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _curve(losses: list[float]) -> dict[str, list[float]]:
    """Each step's loss and the running mean of the last ``SMOOTH``, at most
    ``CURVE_POINTS`` points (each the mean over its steps when the run is longer)."""
    if not losses:
        return {"step": [], "loss": [], "mean": []}
    loss = np.asarray(losses)
    total = np.concatenate([[0.0], np.cumsum(loss)])
    ends = np.arange(1, len(loss) + 1)
    mean = (total[ends] - total[np.maximum(0, ends - SMOOTH)]) / np.minimum(ends, SMOOTH)
    bins = max(1, math.ceil(len(loss) / CURVE_POINTS))
    cut = len(loss) // bins * bins
    if bins > 1:
        steps = ends[bins - 1 : cut : bins]
        loss = loss[:cut].reshape(-1, bins).mean(axis=1)
        mean = mean[bins - 1 : cut : bins]
    else:
        steps = ends
    return {"step": steps.tolist(), "loss": _rounded(loss), "mean": _rounded(mean)}


def frame(run: LiveRun) -> dict[str, Any]:
    """Everything the page draws, at the step on view."""
    look = run.look()
    table, points = run.embedding()
    labels = [*run.vocabulary.chars, "BOS"]
    sampled = run.samples_on_view()
    shown = run.step_on_view
    recent = run.losses[max(0, shown - SMOOTH) : shown]
    notes = list(run.notes)
    if run.diverged is not None and run.diverged <= shown:
        notes.append(
            f"the loss stopped being a number at step {run.diverged:,}: the learning rate "
            "is too high for it; scrub back and train on from before, or reset"
        )
    return {
        "type": "frame",
        "step": run.t,
        "shown": shown,
        "live": run.shown is None,
        "settings": dict(run.settings),
        "limits": {key: list(bounds) for key, bounds in LIMITS.items()},
        "lr_next": run.trainer.lr_at(run.t),  # the next step's
        "lr_shown": run.trainer.lr_at(max(0, shown - 1)),  # the step on view's
        "loss_shown": _finite(float(np.mean(recent))) if recent else None,
        "diverged": run.diverged,
        "done": run.t == int(run.settings["steps"]),
        "sizes": run.sizes,
        "curve": _curve(run.losses),
        "uniform": math.log(run.vocabulary.size),
        "kept": run.history.iterations[: run.history.count].tolist(),
        "vocab": labels,
        "tokens": [labels[t] for t in look.tokens],
        "targets": look.targets,
        "maps": _rounded(look.maps),
        "probs": _rounded(look.probs),
        "name_loss": _finite(look.loss),
        "embedding": _rounded(table),
        "projection": _rounded(points),
        "samples": None
        if sampled is None
        else {"step": sampled.step, "temperature": sampled.temperature, "names": sampled.names},
        "notes": notes,
    }


class Channel(loopback.Channel):
    """One page's conversation with a run: its messages in, one reply out each."""

    what = "the live view"

    def __init__(self, run: LiveRun) -> None:
        self.run = run

    def _do(self, message: dict[str, Any]) -> dict[str, Any]:
        run, kind = self.run, message["type"]
        if kind == "tick":  # at the run's end, a frame that says so (the page stops playing)
            left = int(run.settings["steps"]) - run.t
            run.step(min(left, int(run.settings["per_tick"])))
            if run.t == int(run.settings["steps"]):
                run.notes = [f"the run's {run.t:,} steps are done: set more steps, or reset"]
        elif kind == "step":
            run.step(whole(message, "n") if "n" in message else 1)
        elif kind == "set":
            value = message.get("value")
            if isinstance(value, str) and len(value) > 200:
                raise Refused("a setting's value is at most 200 characters")
            run.set(text(message, "key"), value)
        elif kind == "reset":
            run.reset()
        elif kind == "scrub":
            step = message.get("step")
            run.scrub(None if step is None else whole(message, "step"))
        elif kind == "train_from":
            run.train_from(whole(message, "step"))
        elif kind == "sample":
            run.sample()
        elif kind != "frame":
            raise Refused(f"unknown message type {kind!r}"[:200])
        return frame(run)
