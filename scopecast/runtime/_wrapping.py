"""Tool functions (sync or async) wrapped so that each call is authorized, then recorded.

The wrapper's fast path is the guard's: the run's cached closure covers the tool's
precomputed scope set and the cache is still valid. Otherwise it takes the slow path (for
async tools in a worker thread, so that parallel misses are coalesced like threads).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar, cast

from scopecast.runtime._live import LiveRun

__all__ = ["guard_callable"]

P = ParamSpec("P")
R = TypeVar("R")


def guard_callable(
    fn: Callable[P, R],
    tool: str,
    required: frozenset[str],
    current: ContextVar[LiveRun | None],
    active: Callable[[str], LiveRun],
    authorize: Callable[[LiveRun, str, frozenset[str]], None],
) -> Callable[P, R]:
    """Wrap ``fn`` as tool ``tool`` needing ``required``.

    Parameters
    ----------
    fn : callable
        The tool; a coroutine function gives an async wrapper.
    tool : str
        Catalogue name of the tool.
    required : frozenset[str]
        The scopes each call needs.
    current : ContextVar
        The guard's current run (read directly on the fast path).
    active : callable
        Returns the current run, or raises when there is none.
    authorize : callable
        The guard's slow path; returns only when the call may run.
    """
    if inspect.iscoroutinefunction(fn):
        async_fn = cast(Callable[..., Awaitable[object]], fn)

        @functools.wraps(fn)
        async def guarded_async(*args: object, **kwargs: object) -> object:
            live = active(tool)
            if not (required <= live.closure and time.monotonic() < live.valid_until):
                await asyncio.to_thread(authorize, live, tool, required)
            at = time.time()
            try:
                result = await async_fn(*args, **kwargs)
            except BaseException:
                live.buffer.append((tool, "error", at))
                raise
            live.buffer.append((tool, "ok", at))
            return result

        return cast(Callable[P, R], guarded_async)

    now = time.time
    clock = time.monotonic  # the cache's deadlines are on it (see _live)

    @functools.wraps(fn)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        live = current.get() or active(tool)
        if not (required <= live.closure and clock() < live.valid_until):
            authorize(live, tool, required)
        at = now()
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            live.buffer.append((tool, "error", at))
            raise
        live.buffer.append((tool, "ok", at))
        return result

    return guarded
