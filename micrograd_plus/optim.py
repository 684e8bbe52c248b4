"""Optimizers: use each parameter's ``grad`` to move its ``data`` downhill.

Each follows its ``torch.optim`` namesake step for step (equal to rounding: an ulp may
differ where the same formula is evaluated in another order): the same options and
defaults, the same formulas, and state that advances once per ``step()`` (not once per parameter).
In the formulas, p is a parameter, g its gradient, lr the learning rate, t the step.

Each update rule is written once, in ``update``, in arithmetic that works on one number
and on a numpy array alike: ``step()`` runs it once on all the parameters as arrays (a
model's parameters live in one array, ``micrograd_plus.parameters``, so there is no
Python loop over them), and ``explain`` runs it
again on one parameter from the state before the last step, asking it to say each line
with its numbers, so an explanation is always the update that was made (explain checks
it to the last bit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from micrograd_plus._checks import real_number
from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number as _n
from micrograd_plus.floats import operand_text
from micrograd_plus.parameters import Numbers

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]

Notes = list[str] | None  # where an update says what it does, or None: quietly


def say(notes: list[str], name: str, formula: str, value: float, **numbers: float) -> None:
    """One line of an explanation: ``m = beta1 * m + (1 - beta1) * g = 0.9 * 0.1 + (1 -
    0.9) * 2.0 = 0.29``: the formula, the same with each name replaced by its number (in
    parentheses when negative, so the line still reads as arithmetic), the value."""
    arithmetic = re.sub(
        r"[A-Za-z_]\w*",
        lambda word: operand_text(numbers[word[0]]) if word[0] in numbers else word[0],
        formula,
    )
    notes.append(f"{name} = {formula} = {arithmetic} = {_n(value)}")


class Optimizer:
    """Holds the parameters; ``zero_grad()`` clears their gradients, ``step()`` updates them,
    ``explain(i)`` writes out the last update of parameter i with its numbers."""

    buffers: tuple[str, ...] = ()  # names of the state arrays, a number per parameter

    def __init__(self, params: Iterable[Value], lr: float, maximize: bool = False) -> None:
        if hasattr(params, "parameters"):
            raise TypeError(
                f"an optimizer takes the parameters, not the {type(params).__name__}: "
                "pass model.parameters()"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears more than once: it would be updated twice")
        # a model's parameters are one array (micrograd_plus.parameters): no loop over them
        self._numbers = Numbers(self.params)
        self.lr = real_number("lr", lr)
        self.maximize = bool(maximize)
        self.steps = 0  # t: how many times step() has run
        self._last = (np.empty(0), np.empty(0), np.empty(0))  # g, p before, p after
        for name in self.buffers:
            setattr(self, name, np.zeros(len(self.params)))
        self._before: dict[str, np.ndarray] = {}  # the buffers before the last step
        self._step_lr = self.lr

    def zero_grad(self) -> None:
        self._numbers.zero_grad()

    def step(self) -> None:
        """p = p - update(g, p) for every parameter, as arrays."""
        self.steps += 1
        self._before = {name: getattr(self, name).copy() for name in self.buffers}
        g, before = self._numbers.grad(), self._numbers.data()
        with np.errstate(all="ignore"):  # inf and nan as PyTorch gives them
            after = before - self.update(slice(None), g, before)
        self._numbers.set_data(after)
        self._last = (g, before, after)
        self._step_lr = self.lr  # explain() replays the step with the rate it used

    @property
    def last(self) -> list[tuple[float, float, float]]:
        """Per parameter, what the last step did: (its gradient, before, after)."""
        g, before, after = self._last
        return list(zip(g.tolist(), before.tolist(), after.tolist()))

    def update(self, i: Any, g: Any, p: Any, notes: Notes = None) -> Any:
        """How much to subtract from parameter i, given its gradient g and value p; with
        ``notes``, each line of the rule is said there with its numbers."""
        raise NotImplementedError

    def explain(self, i: int = 0, name: str = "p") -> str:
        """The update the last ``step()`` made to parameter ``i``, with its numbers."""
        if not self.steps:
            raise RuntimeError("explain describes the last step: call step() first")
        if not 0 <= i < len(self.params):
            raise IndexError(f"there are {len(self.params)} parameters; got parameter {i}")
        g, before, after = (float(column[i]) for column in self._last)
        now = {buffer: getattr(self, buffer)[i] for buffer in self.buffers}
        for buffer in self.buffers:  # back to the state the last step started from
            getattr(self, buffer)[i] = self._before[buffer][i]
        lr, self.lr = self.lr, self._step_lr  # the rate may have changed since the step
        notes = [f"step {self.steps} of {self._title()} for {name}: grad g = {_n(g)}"]
        if lr != self._step_lr:
            notes.append(f"(the learning rate is {_n(lr)} now: the next step uses it)")
        try:
            with np.errstate(all="ignore"):  # as step() ran it
                step = self.update(i, g, before, notes)
        finally:
            self.lr = lr
            for buffer, value in now.items():
                getattr(self, buffer)[i] = value
        arithmetic = f"{operand_text(before)} - {operand_text(step)}"
        notes.append(f"{name} = {name} - step = {arithmetic} = {_n(before - step)}")
        if before - step != after and not (math.isnan(after) and math.isnan(before - step)):
            raise RuntimeError(f"explain replayed another update than step() made to {name}")
        return "\n".join(notes)

    def _title(self) -> str:
        """The optimizer as it was made: ``SGD(lr=0.1, momentum=0.9, nesterov=True)``."""
        options = {"lr": self.lr, **{k: v for k, v in self._options().items() if v}}
        given = (f"{k}={v}" if isinstance(v, bool) else f"{k}={_n(v)}" for k, v in options.items())
        return f"{type(self).__name__}({', '.join(given)})"

    def _options(self) -> dict[str, float | bool]:
        """The options that shape the rule, beside lr (those at 0 or False are left out)."""
        return {"maximize": self.maximize}

    def _gradient(self, g: float, p: float, weight_decay: float, notes: Notes) -> float:
        """The gradient the rule follows: -g to maximize, plus weight_decay * p (L2)."""
        if self.maximize:
            g = -g
            if notes is not None:
                notes.append(f"maximize: g = -g = {_n(g)}")
        if weight_decay:
            decayed = g + weight_decay * p
            if notes is not None:
                say(
                    notes, "g", "g + weight_decay * p", decayed, g=g, weight_decay=weight_decay, p=p
                )
            g = decayed
        return g


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    g = g + weight_decay * p;  with momentum:  b = momentum * b + (1 - dampening) * g
    (b = g at the first step), and g = b, or g = g + momentum * b with Nesterov's
    variant;  then  p = p - lr * g.
    """

    buffers = ("velocity",)  # b, the momentum buffer
    velocity: list[float]

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, maximize)
        self.momentum = real_number("momentum", momentum)
        self.dampening = real_number("dampening", dampening)
        self.weight_decay = real_number("weight_decay", weight_decay)
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening 0")
        self.nesterov = nesterov

    def update(self, i: Any, g: Any, p: Any, notes: Notes = None) -> Any:
        g = self._gradient(g, p, self.weight_decay, notes)
        if self.momentum:
            momentum, dampening, b = self.momentum, self.dampening, self.velocity[i]
            if self.steps == 1:
                b = g
                if notes is not None:
                    say(notes, "b", "g", b, g=g)
            else:
                b = momentum * b + (1 - dampening) * g
                if notes is not None:
                    formula = "momentum * b + " + ("(1 - dampening) * g" if dampening else "g")
                    say(notes, "b", formula, b, momentum=momentum, b=self.velocity[i],
                        dampening=dampening, g=g)  # fmt: skip
            self.velocity[i] = b
            if self.nesterov:
                direction = g + momentum * b
                if notes is not None:
                    say(notes, "g", "g + momentum * b", direction, g=g, momentum=momentum, b=b)
                g = direction
            else:
                g = b
        step = self.lr * g
        if notes is not None:
            say(notes, "step", "lr * g" if not self.momentum or self.nesterov else "lr * b",
                step, lr=self.lr, g=g, b=g)  # fmt: skip
        return step

    def _options(self) -> dict[str, float | bool]:
        return {
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
            **super()._options(),
        }


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients.

    g = g + weight_decay * p;  s = alpha * s + (1 - alpha) * g**2;
    (centered: a = alpha * a + (1 - alpha) * g, and s - a**2 in place of s);
    d = g / (sqrt(s) + eps);  with momentum: b = momentum * b + d and d = b;
    p = p - lr * d.
    """

    buffers = ("square_avg", "grad_avg", "velocity")  # s, a, b
    square_avg: list[float]
    grad_avg: list[float]
    velocity: list[float]

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, maximize)
        self.alpha = real_number("alpha", alpha)
        self.eps = real_number("eps", eps)
        self.weight_decay = real_number("weight_decay", weight_decay)
        self.momentum = real_number("momentum", momentum)
        self.centered = centered

    def update(self, i: Any, g: Any, p: Any, notes: Notes = None) -> Any:
        g = self._gradient(g, p, self.weight_decay, notes)
        alpha = self.alpha
        s = self.square_avg[i] = alpha * self.square_avg[i] + (1 - alpha) * g * g
        if notes is not None:
            say(notes, "s", "alpha * s + (1 - alpha) * g**2", s,
                alpha=alpha, s=self._before["square_avg"][i], g=g)  # fmt: skip
        mean_square = s
        if self.centered:
            a = self.grad_avg[i]
            a = self.grad_avg[i] = a + (1 - alpha) * (g - a)  # as torch's lerp computes it
            mean_square = s - a * a  # can round below 0: its sqrt is then nan, as in PyTorch
            if notes is not None:
                say(notes, "a", "a + (1 - alpha) * (g - a)", a,
                    a=self._before["grad_avg"][i], alpha=alpha, g=g)  # fmt: skip
                say(notes, "s_centered", "s - a**2", mean_square, s=s, a=a)
        d = g / (np.sqrt(mean_square) + self.eps)  # below 0 by rounding: nan, as PyTorch
        if notes is not None:
            name = "s_centered" if self.centered else "s"
            say(notes, "d", f"g / (sqrt({name}) + eps)", d,
                g=g, s=s, s_centered=mean_square, eps=self.eps)  # fmt: skip
        if self.momentum:
            b = self.velocity[i] = self.momentum * self.velocity[i] + d
            if notes is not None:
                say(notes, "b", "momentum * b + d", b,
                    momentum=self.momentum, b=self._before["velocity"][i], d=d)  # fmt: skip
            d = b
        step = self.lr * d
        if notes is not None:
            say(notes, "step", "lr * b" if self.momentum else "lr * d", step,
                lr=self.lr, b=d, d=d)  # fmt: skip
        return step

    def _options(self) -> dict[str, float | bool]:
        return {
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
            **super()._options(),
        }


class Adam(Optimizer):
    """Adaptive moments: momentum (m) and a per-parameter step size (from v).

    g = g + weight_decay * p;  m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g**2;  (amsgrad: v_max = max(v_max, v), used for v);
    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps).
    The divisions by 1 - beta**t undo the pull of m and v towards their start at 0.
    """

    buffers = ("m", "v", "v_max")
    m: list[float]
    v: list[float]
    v_max: list[float]
    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, maximize)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = real_number("beta1", betas[0], 0.0, 1.0)
        self.beta2 = real_number("beta2", betas[1], 0.0, 1.0)
        self.eps = real_number("eps", eps)
        self.weight_decay = real_number("weight_decay", weight_decay)
        self.amsgrad = amsgrad

    def update(self, i: Any, g: Any, p: Any, notes: Notes = None) -> Any:
        t, lr, beta1, beta2 = self.steps, self.lr, self.beta1, self.beta2
        shrink = 0.0
        if self.decoupled_weight_decay:  # AdamW: shrink p itself, apart from the gradient
            g = self._gradient(g, p, 0.0, notes)
            shrink = lr * self.weight_decay * p
            if notes is not None:
                say(notes, "decay", "lr * weight_decay * p", shrink,
                    lr=lr, weight_decay=self.weight_decay, p=p)  # fmt: skip
        else:
            g = self._gradient(g, p, self.weight_decay, notes)
        m = self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
        v = self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
        if notes is not None:
            before = self._before
            say(notes, "m", "beta1 * m + (1 - beta1) * g", m,
                beta1=beta1, m=before["m"][i], g=g)  # fmt: skip
            notes[-1] += "   (the mean of recent gradients)"
            say(notes, "v", "beta2 * v + (1 - beta2) * g**2", v,
                beta2=beta2, v=before["v"][i], g=g)  # fmt: skip
            notes[-1] += "   (their mean square)"
        if self.amsgrad:
            v = self.v_max[i] = np.maximum(self.v_max[i], v)
            if notes is not None:
                say(notes, "v_max", "max(v_max, v)", v, v_max=self._before["v_max"][i], v=self.v[i])
        step_size = lr / (1 - beta1**t)
        denominator = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        step = step_size * m / denominator
        if notes is not None:
            v_name = "v_max" if self.amsgrad else "v"
            say(notes, "m_hat", "m / (1 - beta1**t)", m / (1 - beta1**t), m=m, beta1=beta1, t=t)
            notes[-1] += "   (bias correction)"
            say(notes, "v_hat", f"{v_name} / (1 - beta2**t)", v / (1 - beta2**t),
                v=v, v_max=v, beta2=beta2, t=t)  # fmt: skip
            say(notes, "step", "lr * m / (1 - beta1**t) / (sqrt(v_hat) + eps)", step,
                lr=lr, m=m, beta1=beta1, t=t, v_hat=v / (1 - beta2**t), eps=self.eps)  # fmt: skip
            if shrink:
                say(notes, "step", "decay + step", shrink + step, decay=shrink, step=step)
        return shrink + step

    def _options(self) -> dict[str, float | bool]:
        return {
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
            **super()._options(),
        }


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p - lr * weight_decay * p, then Adam's step
    without weight decay in the gradient (Loshchilov and Hutter). Default decay 0.01."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
