"""Scopes: each Value computed inside ``with scope(...)`` remembers where it was made,
nested scopes joined by "/", each thread and task its own, restored whatever happens."""

from __future__ import annotations

import asyncio
import threading

import pytest

from micrograd_plus import Value, no_grad, scope
from micrograd_plus.nn import MLP
from micrograd_plus.scopes import current_scope


def test_values_remember_the_scope_they_were_computed_in() -> None:
    x = Value(2.0, "x")
    with scope("attention") as where:
        assert where == "attention" == current_scope()
        a = x * 3
        with scope("head 1"):
            b = a.tanh() + 1
        c = b * a
    d = c + 1
    assert [x.scope, a.scope, b.scope, b.inputs[0].scope, c.scope, d.scope] == [
        "",
        "attention",
        "attention/head 1",
        "attention/head 1",
        "attention",
        "",
    ]
    assert b.inputs[1].scope == ""  # the constant 1, a leaf: leaves are not computed
    assert current_scope() == ""


def test_a_scope_is_left_whatever_happens_and_names_are_checked() -> None:
    with pytest.raises(RuntimeError), scope("outer"), scope("inner"):
        raise RuntimeError("inside")
    assert current_scope() == ""
    for bad in ["", "a/b", 3]:
        refused = pytest.raises(ValueError, match="a scope's name is non-empty text without '/'")
        with refused, scope(bad):  # type: ignore[arg-type]
            pass
    with scope("s"), no_grad():
        leaf = Value(1.0) * 2  # no graph, no scope: a leaf
    assert leaf.scope == "" and leaf.inputs == ()


def test_each_thread_and_task_has_its_own_scope() -> None:
    seen: dict[str, str] = {}

    def other() -> None:
        seen["thread"] = (Value(1.0) * 2).scope

    async def task(name: str) -> str:
        with scope(name):
            await asyncio.sleep(0)
            return (Value(1.0) * 2).scope

    async def both() -> list[str]:
        return list(await asyncio.gather(task("a"), task("b")))

    with scope("main"):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        assert asyncio.run(both()) == ["main/a", "main/b"]  # each task a copy of the context
    assert seen == {"thread": ""}


def test_a_models_values_have_no_scope_unless_given_one() -> None:
    model = MLP(2, [3, 1], seed=0)
    with scope("model"):
        out = model([1.0, 2.0])
    assert isinstance(out, Value)
    computed = [n for n in out.topological_order() if n.inputs]
    assert {n.scope for n in computed} == {"model"}
    assert {p.scope for p in model.parameters()} == {""}
