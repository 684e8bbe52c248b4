"""Whether operations record a graph: ``no_grad()`` and ``enable_grad()``, as in PyTorch.

Each thread (or asyncio task) keeps its own count of the ``no_grad()`` blocks it is in:
a count, not an on/off flag that each block restores, so blocks left in any order (two
generators, say) still end with recording on, and another thread training at the same
time keeps recording.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

_no_grad_depth: ContextVar[int] = ContextVar("micrograd_plus_no_grad_depth", default=0)
F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """True unless this thread is inside a ``no_grad()`` block (and not in an
    ``enable_grad()`` block within it)."""
    return _no_grad_depth.get() == 0


class _GradMode:
    """A context manager and decorator that sets the depth while its block runs. As a
    decorator of a generator function it covers every step of the generator (each
    ``next``), as ``torch.no_grad`` does, not only the call that makes the generator."""

    def _depth(self, outer: int) -> int:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._saved = _no_grad_depth.get()
        _no_grad_depth.set(self._depth(self._saved))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        now = _no_grad_depth.get()  # undo only this block's change, whatever ran inside
        _no_grad_depth.set(now - (self._depth(self._saved) - self._saved))

    def __call__(self, fn: F) -> F:
        mode = type(self)
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
                inner = fn(*args, **kwargs)
                try:
                    with mode():
                        request = next(inner)
                    while True:
                        try:
                            reply = yield request
                        except GeneratorExit:
                            with mode():
                                inner.close()
                            raise
                        except BaseException as error:  # thrown in: passed on inside the mode
                            with mode():
                                request = inner.throw(error)
                        else:
                            with mode():
                                request = inner.send(reply)
                except StopIteration as stop:  # the inner generator ended: so do we, with
                    return stop.value  # its value (raised on, PEP 479 would make it an error)

            return generator  # type: ignore[return-value]

        @functools.wraps(fn)
        def function(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return function  # type: ignore[return-value]


class no_grad(_GradMode):
    """Inside ``with no_grad():`` operations record no graph (like ``torch.no_grad``): each
    result is a leaf. Also a decorator, ``@no_grad()``, of functions and generators."""

    def _depth(self, outer: int) -> int:
        return outer + 1


class enable_grad(_GradMode):
    """Inside ``with enable_grad():`` operations record a graph, even within ``no_grad()``."""

    def _depth(self, outer: int) -> int:
        return 0
