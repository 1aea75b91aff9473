"""The handle of one guarded run: check calls, read its state, finish it, make it the current run."""

from __future__ import annotations

from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING

from scopecast.runtime._live import LiveRun
from scopecast.runtime._records import PendingRequest, RunStatus
from scopecast.traces import Call, Trace

if TYPE_CHECKING:
    from scopecast.runtime._guard import ScopeGuard

__all__ = ["Run"]


class Run:
    """A guarded run in this process (get one from ``ScopeGuard.start``, ``resume`` or ``attach``).

    Used as a context manager, it is the *current run* of its guard: tools wrapped with
    ``@guard.tool(...)`` are checked against it. On a normal exit the run is finished (and
    recorded as a trace); on an exception its calls are saved, and it stays paused (on
    :class:`AuthorizationRequired`) or running, so that it can be resumed or attached again.
    Either way the guard stops keeping it in memory (``ScopeGuard.release``).
    """

    def __init__(self, guard: ScopeGuard, live: LiveRun) -> None:
        self._guard = guard
        self._live = live
        self._tokens: list[Token[LiveRun | None]] = []

    def __repr__(self) -> str:
        return f"Run({self.run_id!r}, status={self.status!r})"

    @property
    def run_id(self) -> str:
        """The run's id in the store."""
        return self._live.run_id

    @property
    def task(self) -> str:
        """The task the agent received."""
        return self._live.task

    @property
    def context(self) -> dict[str, str]:
        """The run's pre-start context."""
        return dict(self._live.context)

    @property
    def status(self) -> RunStatus:
        """``running``, ``paused`` or ``finished`` (as this process last saw it)."""
        return self._live.status

    @property
    def granted(self) -> frozenset[str]:
        """Scopes granted and active (not closed under ``implies``)."""
        return self._live.granted

    @property
    def denied(self) -> frozenset[str]:
        """Scopes the user refused when a call needed them (never asked again in this run)."""
        return self._live.denied

    @property
    def pending(self) -> PendingRequest | None:
        """The consent request the run waits for, if paused."""
        return self._live.pending

    @property
    def calls(self) -> tuple[Call, ...]:
        """The calls made so far (saved and not yet saved), in the trace format."""
        return tuple(record.to_call() for record in self._guard.call_records(self._live))

    def check(self, tool: str, args: object = None) -> None:
        """Authorize one call of ``tool`` in this run and record it (see ``ScopeGuard.check``)."""
        self._guard.check(tool, args, run=self)

    def finish(self) -> Trace | None:
        """Finish the run; return its trace if this call finished it (``None`` if already done)."""
        return self._guard.finish(self)

    def __enter__(self) -> Run:
        self._tokens.append(self._guard.activate(self._live))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._guard.deactivate(self._tokens.pop())
        if exc is None:
            self._guard.finish(self)
            return
        # Paused or not, calls that ran after the last save (a parallel call that ended after
        # the pause saved the calls before it) are saved before the run is put aside.
        self._guard.save_calls(self)
        self._guard.release(self)  # paused or interrupted: the store keeps it, memory need not
