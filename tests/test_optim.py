"""Optimizers: hand-computed first steps, 150-step trajectories against torch.optim, bad input."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest

from micrograd_plus import Value
from micrograd_plus.optim import SGD, Adam, AdamW, Optimizer, RMSprop

START = [1.5, -0.5, 0.25]


def objective(p: list[Any]) -> Any:
    """A bowl with a twist, written once for Values and for torch tensors alike."""
    return (p[0] - 1) ** 2 + 3 * (p[1] + 2) ** 2 + (p[0] * p[2]) ** 2 + 0.5 * p[1] * p[2]


def _path(params: list[Any], make: Any, steps: int, read: Any) -> list[list[float]]:
    """The parameters after each of ``steps`` optimizer steps on the objective."""
    optimizer = make(params)
    path = []
    for _ in range(steps):
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        path.append([read(p) for p in params])
    return path


def _ours(make: Any, steps: int) -> list[list[float]]:
    return _path([Value(x) for x in START], make, steps, lambda p: p.data)


def _torch(make: Any, steps: int) -> list[list[float]]:
    torch = pytest.importorskip("torch")
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    return _path(params, make, steps, lambda p: p.item())


CONFIGS = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_trajectory_matches_torch_optim(name: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = _ours(lambda ps: globals()[name](ps, **kwargs), 150)
    theirs = _torch(lambda ps: getattr(torch.optim, name)(ps, **kwargs), 150)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-7, abs=1e-9), f"step {step + 1}"
    assert ours[-1] != ours[0]  # it moved


def test_defaults_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    ours = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}
    for name, cls in ours.items():
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        optimizer = cls([Value(0.0)])
        assert optimizer.lr == theirs["lr"], name
        for key in ("momentum", "alpha", "eps", "weight_decay"):
            if key in theirs and hasattr(optimizer, key):
                assert getattr(optimizer, key) == theirs[key], (name, key)
        if "betas" in theirs:
            assert (optimizer.beta1, optimizer.beta2) == theirs["betas"]


def test_adam_first_step_by_hand() -> None:
    # After one step m = (1 - b1) g and v = (1 - b2) g**2; bias correction turns them
    # back into g and g**2, so the step is lr * g / (|g| + eps): lr, against the gradient.
    a, b = Value(3.0), Value(-2.0)
    optimizer = Adam([a, b], lr=0.1)
    (a * 5 + b * b).backward()  # grads 5 and -4
    optimizer.step()
    assert a.data == pytest.approx(3.0 - 0.1 * 5 / (5 + 1e-8), rel=1e-12)
    assert b.data == pytest.approx(-2.0 + 0.1 * 4 / (4 + 1e-8), rel=1e-12)


def test_adam_step_count_advances_once_per_step_not_per_parameter() -> None:
    # If the count advanced per parameter, the bias correction of later parameters
    # would use t = 2, 3, ... and their first step would not be lr.
    params = [Value(float(i)) for i in range(5)]
    optimizer = Adam(params, lr=0.01)
    Value.sum(p * (i + 1) for i, p in enumerate(params)).backward()
    optimizer.step()
    assert optimizer.steps == 1
    for i, p in enumerate(params):
        assert p.data == pytest.approx(i - 0.01, rel=1e-6)


def test_sgd_by_hand_with_momentum() -> None:
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.5)
    for _ in range(2):
        optimizer.zero_grad()
        (p * 2).backward()  # gradient 2 every step
        optimizer.step()
    # b1 = 2, p = 1 - 0.2 = 0.8; b2 = 0.5 * 2 + 2 = 3, p = 0.8 - 0.3 = 0.5
    assert p.data == pytest.approx(0.5, rel=1e-12)


def test_zero_grad_clears_gradients() -> None:
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1)
    (p * 3).backward()
    optimizer.zero_grad()
    assert p.grad == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-1), "lr must be >= 0.0, got -1"),
        (lambda p: SGD(p, lr=float("nan")), "lr must be >= 0.0, got nan"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.1), "momentum must be >= 0.0"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "Nesterov momentum needs momentum > 0 and dampening 0",
        ),
        (lambda p: Adam(p, betas=(1.0, 0.999)), r"beta1 must be in \[0.0, 1.0\), got 1.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), r"beta2 must be in \[0.0, 1.0\)"),
        (lambda p: Adam(p, betas=(0.9,)), "betas must be a pair"),  # type: ignore[arg-type]
        (lambda p: Adam(p, eps=-1e-8), "eps must be >= 0.0"),
        (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay must be >= 0.0"),
        (lambda p: RMSprop(p, alpha=-0.5), "alpha must be >= 0.0"),
    ],
)
def test_bad_hyper_parameters_are_value_errors(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_a_hyper_parameter_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="lr must be a number, got str: 'fast'"):
        Adam([Value(1.0)], lr="fast")  # type: ignore[arg-type]


def test_centered_rmsprop_on_a_constant_gradient_runs_on_as_pytorch_does() -> None:
    # s - a**2 cancels to rounding noise after ~2,000 steps and can round below 0: its
    # sqrt is then nan, as in PyTorch, not an exception
    torch = pytest.importorskip("torch")
    ours = Value(1.0)
    optimizer = RMSprop([ours], lr=0.01, centered=True)
    theirs = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    reference = torch.optim.RMSprop([theirs], lr=0.01, centered=True)
    for step in range(4000):
        ours.grad, theirs.grad = 0.1, torch.tensor(0.1, dtype=torch.float64)
        optimizer.step()
        reference.step()
        if step < 1500:  # before the cancellation, the same path
            assert ours.data == pytest.approx(theirs.item(), rel=1e-9), step
    assert math.isnan(ours.data) == math.isnan(theirs.item())


def test_bad_parameter_lists() -> None:
    with pytest.raises(ValueError, match="empty list of parameters"):
        Adam([])
    p = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]


def test_the_base_class_needs_an_update_rule() -> None:
    optimizer = Optimizer([Value(1.0)], lr=0.1)
    with pytest.raises(NotImplementedError):
        optimizer.step()


def test_optimizers_descend() -> None:
    for make in [
        lambda ps: SGD(ps, lr=0.01, momentum=0.5),
        lambda ps: RMSprop(ps, lr=0.01),
        lambda ps: Adam(ps, lr=0.05),
    ]:
        path = _ours(make, 200)
        start = objective([Value(x) for x in START]).data
        end = objective([Value(x) for x in path[-1]]).data
        assert end < start / 2 and math.isfinite(end)


# --- explain(): the update that was made, with its numbers ---------------------------------


def _combinations() -> list[tuple[str, dict[str, Any]]]:
    """Every optimizer with every combination of its options (those torch accepts)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for momentum, dampening, nesterov, decay, maximize in itertools.product(
        [0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.1], [False, True]
    ):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        options = dict(momentum=momentum, dampening=dampening, nesterov=nesterov)
        out.append(("SGD", dict(lr=0.05, weight_decay=decay, maximize=maximize, **options)))
    for momentum, centered, decay, maximize in itertools.product(
        [0.0, 0.5], [False, True], [0.0, 0.1], [False, True]
    ):
        options = dict(momentum=momentum, centered=centered, weight_decay=decay)
        out.append(("RMSprop", dict(lr=0.01, maximize=maximize, **options)))
    for name, decay, amsgrad, maximize in itertools.product(
        ["Adam", "AdamW"], [0.0, 0.1], [False, True], [False, True]
    ):
        out.append((name, dict(lr=0.05, weight_decay=decay, amsgrad=amsgrad, maximize=maximize)))
    return out


COMBINATIONS = _combinations()


def _number(text: str) -> float:
    return float(text.strip().strip("()"))


def _check_arithmetic(line: str) -> None:
    """``name = formula = arithmetic = value``: the arithmetic, evaluated, gives the value
    (to the 4 significant digits the numbers are shown with)."""
    parts = line.split("   (")[0].split(" = ")
    if len(parts) < 4:
        return
    arithmetic, value = parts[-2], _number(parts[-1])
    result = eval(arithmetic, {"__builtins__": {}}, {"sqrt": math.sqrt, "max": max})
    numbers = [abs(float(x)) for x in re.findall(r"\d+\.?\d*(?:e[-+]?\d+)?", arithmetic)]
    assert result == pytest.approx(value, rel=1e-3, abs=1e-4 * max(numbers)), line


@pytest.mark.parametrize(("name", "kwargs"), COMBINATIONS, ids=str)
def test_explain_states_the_update_that_was_made(name: str, kwargs: dict[str, Any]) -> None:
    params = [Value(x) for x in START]
    optimizer = globals()[name](params, **kwargs)
    for step in range(1, 4):
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        for i in range(len(params)):
            _, before, after = optimizer.last[i]
            text = optimizer.explain(i, f"p{i}")
            lines = text.splitlines()
            assert lines[0].startswith(f"step {step} of {name}(")
            for option, value in kwargs.items():  # every option that shapes the rule is named
                if value:
                    assert f"{option}=" in lines[0], (option, lines[0])
            for line in lines[1:]:
                _check_arithmetic(line)
            steps = [line for line in lines if line.startswith("step = ")]
            assert _number(steps[-1].rsplit(" = ", 1)[1]) == pytest.approx(
                before - after, rel=1e-3, abs=1e-12
            ), text
            assert lines[-1].startswith(f"p{i} = p{i} - step = ")
            assert _number(lines[-1].rsplit(" = ", 1)[1]) == pytest.approx(after, rel=1e-3)
            assert (optimizer.last[i][1], optimizer.last[i][2]) == (before, after)
    # explaining changed nothing: the next step is the one it would have been anyway
    twin = globals()[name]([Value(x) for x in START], **kwargs)
    twin_params = twin.params
    for _ in range(4):
        twin.zero_grad()
        objective(twin_params).backward()
        twin.step()
    optimizer.zero_grad()
    objective(params).backward()
    optimizer.step()
    assert [p.data for p in params] == [p.data for p in twin_params]


def test_explain_of_sgd_with_weight_decay_by_hand() -> None:
    # the case that once said lr * g = 0.05 while the update was 0.1425
    w = Value(1.0)
    optimizer = SGD([w], lr=0.05, weight_decay=1.85)
    (w * 1.0).backward()
    optimizer.step()
    assert optimizer.explain(0, "w").splitlines()[1:] == [
        "g = g + weight_decay * p = 1.0 + 1.85 * 1.0 = 2.85",
        "step = lr * g = 0.05 * 2.85 = 0.1425",
        "w = w - step = 1.0 - 0.1425 = 0.8575",
    ]


def test_explain_needs_a_step_and_a_parameter_that_exists() -> None:
    optimizer = Adam([Value(1.0)])
    with pytest.raises(RuntimeError, match="call step"):
        optimizer.explain()
    optimizer.step()
    with pytest.raises(IndexError, match="there are 1 parameters; got parameter 3"):
        optimizer.explain(3)
