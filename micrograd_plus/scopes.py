"""Scopes: names for the regions of a graph, as TensorBoard groups a graph by name scope
and ``jax.named_scope`` names a region of a program.

    with scope("attention"):
        with scope("head 1"):
            q = ...  # every Value computed here has scope "attention/head 1"

A Value remembers the scope it was computed in (``Value.scope``, "" outside any); the
pictures draw a graph too big for a screen collapsed by scope, each scope one box that
opens. Each thread (or asyncio task) has its own scope, as it has its own ``no_grad()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_scope", "scope"]

_path: ContextVar[str] = ContextVar("micrograd_plus_scope", default="")


def current_scope() -> str:
    """The scope Values computed now get: "attention/head 1", or "" outside any."""
    return _path.get()


@contextmanager
def scope(name: str) -> Iterator[str]:
    """Name the Values computed inside the block: ``with scope("mlp"):``. Scopes nest,
    their names joined by "/"; a name is text without "/"."""
    if type(name) is not str or not name or "/" in name:
        raise ValueError(f"a scope's name is non-empty text without '/', got {name!r}")
    outer = _path.get()
    token = _path.set(f"{outer}/{name}" if outer else name)
    try:
        yield _path.get()
    finally:
        _path.reset(token)
