"""What a run-store failure means for a run's tool calls, said where the guard knows it.

The store's :class:`~scopecast.exceptions.RunStoreError` says what the store could not do
(its transaction was rolled back). Whether the tool call at hand ran is known only to the
guard: a call refused because its scopes could not be checked did not run, but the calls
being saved, or the run being finished, ran already. These errors add that, so that a
developer neither runs a side-effecting call twice nor trusts a call that did not run.
"""

from __future__ import annotations

from collections.abc import Sequence

from scopecast.exceptions import RunStoreError
from scopecast.runtime._records import CallRecord

__all__ = [
    "call_not_run",
    "calls_not_saved",
    "resumed_not_loaded",
    "run_not_finished",
    "trace_not_recorded",
]


def call_not_run(err: RunStoreError, tool: str) -> RunStoreError:
    """The store failed while a call of ``tool`` waited for its scopes: it did not run."""
    return RunStoreError(
        f"{err} Tool {tool!r} was not run (fail closed); call it again once the store works."
    )


def calls_not_saved(err: RunStoreError, run_id: str, calls: Sequence[CallRecord]) -> RunStoreError:
    """The store failed to save calls that the guard let through: they ran, unrecorded."""
    ran = sum(1 for call in calls if call.status != "denied")
    return RunStoreError(
        f"{err} {ran} call(s) of run {run_id!r} already ran and are not in the store yet: do "
        f"not run them again. This process keeps them and saves them with the run's next "
        f"save_calls() or finish()."
    )


def resumed_not_loaded(err: RunStoreError, run_id: str) -> RunStoreError:
    """This resume won the run (it is running in the store), but reading it back failed."""
    return RunStoreError(
        f"{err} The answer was applied and resumed run {run_id!r} (it is running in the "
        f"store), but the run could not be read back, so nothing was run. A resume of the "
        f"same answer now raises ResumeConflictError: continue the run with "
        f"guard.attach({run_id!r}) once the store works."
    )


def run_not_finished(err: RunStoreError, run_id: str) -> RunStoreError:
    """The calls were saved but the run could not be marked finished."""
    return RunStoreError(
        f"{err} The calls of run {run_id!r} ran and are saved; the run is still running in the "
        f"store. Call finish() of it again; do not run its calls again."
    )


def trace_not_recorded(err: RunStoreError, run_id: str, *, written: bool) -> RunStoreError:
    """The run is finished; its trace was not written, or written but not noted in the store."""
    if written:
        return RunStoreError(
            f"{err} Run {run_id!r} is finished and its trace is written, but the store does "
            f"not know it yet; a later finish() of the run notes it (the recorder does not "
            f"write a trace twice)."
        )
    return RunStoreError(
        f"{err} Run {run_id!r} is finished and its calls are saved, but its trace was not "
        f"written; call finish() of the run again to record it."
    )
