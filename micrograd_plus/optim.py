"""Optimizers: use each parameter's ``grad`` to move its ``data`` downhill.

Each follows its ``torch.optim`` namesake step for step: the same defaults, the same
formulas, and state that advances once per ``step()`` (not once per parameter).
In the formulas, p is a parameter, g its gradient, lr the learning rate, t the step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from micrograd_plus import floats
from micrograd_plus._checks import real_number
from micrograd_plus.engine import Value

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]


class Optimizer:
    """Holds the parameters; ``zero_grad()`` clears their gradients, ``step()`` updates them."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears more than once: it would be updated twice")
        self.lr = real_number("lr", lr)
        self.steps = 0  # t: how many times step() has run
        self.last: list[tuple[float, float, float]] = []  # per parameter: g, p before, after

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        self.steps += 1
        self.last = []
        for i, p in enumerate(self.params):
            before = p.data
            p.data -= self.update(i, p.grad, p.data)
            self.last.append((p.grad, before, p.data))

    def explain(self, i: int = 0, name: str = "p") -> str:
        """The update the last ``step()`` made to parameter ``i``, with its numbers."""
        if not self.last:
            raise RuntimeError("explain describes the last step: call step() first")
        g, before, after = self.last[i]
        lines = [f"step {self.steps} of {type(self).__name__} for {name}: grad g = {_n(g)}"]
        lines += self._explain_state(i, g)
        lines.append(f"{name}: {_n(before)} - {_n(before - after)} = {_n(after)}")
        return "\n".join(lines)

    def _explain_state(self, i: int, g: float) -> list[str]:
        return [f"step = lr * g = {_n(self.lr)} * {_n(g)}"]

    def update(self, i: int, g: float, p: float) -> float:
        """How much to subtract from parameter i, given its gradient g and value p."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    g = g + weight_decay * p;  with momentum:  b = momentum * b + g  (b = g at first),
    and g = b, or g = g + momentum * b with Nesterov's variant;  then  p = p - lr * g.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = real_number("momentum", momentum)
        self.weight_decay = real_number("weight_decay", weight_decay)
        if nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov
        self.velocity = [0.0] * len(self.params)  # b, the momentum buffer

    def update(self, i: int, g: float, p: float) -> float:
        g += self.weight_decay * p
        if self.momentum:
            b = g if self.steps == 1 else self.momentum * self.velocity[i] + g
            self.velocity[i] = b
            g = g + self.momentum * b if self.nesterov else b
        return self.lr * g

    def _explain_state(self, i: int, g: float) -> list[str]:
        if not self.momentum:
            return super()._explain_state(i, g)
        return [
            f"momentum buffer b = {_n(self.momentum)} * b + g = {_n(self.velocity[i])}",
            f"step = lr * b = {_n(self.lr)} * {_n(self.velocity[i])}",
        ]


def _n(x: float) -> str:
    return f"{x:.4g}"


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients.

    g = g + weight_decay * p;  s = alpha * s + (1 - alpha) * g**2;
    (centered: a = alpha * a + (1 - alpha) * g, and s - a**2 in place of s);
    d = g / (sqrt(s) + eps);  with momentum: b = momentum * b + d and d = b;
    p = p - lr * d.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = real_number("alpha", alpha)
        self.eps = real_number("eps", eps)
        self.weight_decay = real_number("weight_decay", weight_decay)
        self.momentum = real_number("momentum", momentum)
        self.centered = centered
        n = len(self.params)
        self.square_avg, self.grad_avg, self.velocity = [0.0] * n, [0.0] * n, [0.0] * n

    def update(self, i: int, g: float, p: float) -> float:
        g += self.weight_decay * p
        s = self.alpha * self.square_avg[i] + (1 - self.alpha) * g * g
        self.square_avg[i] = s
        if self.centered:
            a = self.grad_avg[i]
            a = self.grad_avg[i] = a + (1 - self.alpha) * (g - a)  # as torch's lerp computes it
            s -= a * a
        # centered, s - a**2 can round below 0: its sqrt is then nan, as in PyTorch
        d = g / (floats.sqrt(s) + self.eps)
        if self.momentum:
            d = self.velocity[i] = self.momentum * self.velocity[i] + d
        return self.lr * d

    def _explain_state(self, i: int, g: float) -> list[str]:
        s = self.square_avg[i]
        lines = [f"s = {_n(self.alpha)} * s + {_n(1 - self.alpha)} * g**2 = {_n(s)}"]
        if self.centered:
            lines.append(f"a = {_n(self.grad_avg[i])}; s - a**2 = {_n(s - self.grad_avg[i] ** 2)}")
        lines.append("step = lr * g / (sqrt(s) + eps), scaled by the gradient's recent size")
        return lines


class Adam(Optimizer):
    """Adaptive moments: momentum (m) and a per-parameter step size (from v).

    g = g + weight_decay * p;  m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g**2;  (amsgrad: v_max = max(v_max, v), used for v);
    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps).
    The divisions by 1 - beta**t undo the pull of m and v towards their start at 0.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = real_number("beta1", betas[0], 0.0, 1.0)
        self.beta2 = real_number("beta2", betas[1], 0.0, 1.0)
        self.eps = real_number("eps", eps)
        self.weight_decay = real_number("weight_decay", weight_decay)
        self.amsgrad = amsgrad
        n = len(self.params)
        self.m, self.v, self.v_max = [0.0] * n, [0.0] * n, [0.0] * n

    def update(self, i: int, g: float, p: float) -> float:
        t = self.steps
        shrink = 0.0
        if self.decoupled_weight_decay:  # AdamW: shrink p itself, apart from the gradient
            shrink = self.lr * self.weight_decay * p
            p -= shrink
        else:
            g += self.weight_decay * p
        m = self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
        v = self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
        if self.amsgrad:
            v = self.v_max[i] = max(self.v_max[i], v)
        step_size = self.lr / (1 - self.beta1**t)
        denominator = math.sqrt(v) / math.sqrt(1 - self.beta2**t) + self.eps
        return shrink + step_size * m / denominator

    def _explain_state(self, i: int, g: float) -> list[str]:
        t, b1, b2 = self.steps, self.beta1, self.beta2
        m, v = self.m[i], self.v_max[i] if self.amsgrad else self.v[i]
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        denominator = math.sqrt(v_hat) + self.eps
        return [
            f"m = {_n(b1)} * m + {_n(1 - b1)} * g = {_n(m)}   (the mean of recent gradients)",
            f"v = {_n(b2)} * v + {_n(1 - b2)} * g**2 = {_n(v)}   (their mean square)",
            f"bias correction at t = {t}: m_hat = m / (1 - {_n(b1)}**{t}) = {_n(m_hat)}, "
            f"v_hat = v / (1 - {_n(b2)}**{t}) = {_n(v_hat)}",
            f"step = lr * m_hat / (sqrt(v_hat) + eps) = {_n(self.lr)} * {_n(m_hat)} / "
            f"{_n(denominator)} = {_n(self.lr * m_hat / denominator)}",
        ]


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
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
