"""The trace recorder: finished runs appended as plan traces, so production runs become training data.

Each trace is one JSON Lines record in the trace format (``trace-format.md``), appended
under an exclusive file lock so that many processes can share one file. The trace holds
task, context, plan, the calls with their scopes, status and time, and the start time;
never a token, and never call arguments.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scopecast.exceptions import ConfigError, RunStoreError
from scopecast.runtime._records import RunRecord, iso_utc
from scopecast.runtime._store_failures import trace_not_recorded
from scopecast.traces import Trace, trace_to_json_line

if TYPE_CHECKING:
    from scopecast.runtime._store import RunStore

__all__ = ["TraceRecorder", "record_finished", "trace_of"]

logger = logging.getLogger(__name__)


class TraceRecorder:
    """Append finished runs to a JSON Lines trace file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; created (with its directory) on the first record.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from scopecast.traces import Trace, read_traces
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl"
    >>> TraceRecorder(path).record(Trace(trace_id="r1", task="Email Carlos", calls=()))
    True
    >>> [t.trace_id for t in read_traces(path)]
    ['r1']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ConfigError(
                f"TraceRecorder needs a file path, got the directory {str(self.path)!r}. "
                f"Pass e.g. {str(self.path / 'runs.jsonl')!r}."
            )

    def __repr__(self) -> str:
        return f"TraceRecorder({str(self.path)!r})"

    def record(self, trace: Trace) -> bool:
        """Append ``trace`` as one line (atomic with respect to other recorders of the file).

        Returns ``False`` (and writes nothing) if the file already holds a trace with this
        ``trace_id``: recording again after a crash between writing and noting it in the run
        store must not duplicate the trace. The check reads the file under the same lock.
        """
        line = (trace_to_json_line(trace) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _holds_trace(fd, trace.trace_id):
                logger.debug("trace %s is already in %s", trace.trace_id, self.path)
                return False
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        logger.debug(
            "recorded trace %s (%d calls) to %s", trace.trace_id, len(trace.calls), self.path
        )
        return True


def _holds_trace(fd: int, trace_id: str) -> bool:
    """Whether the open trace file ``fd`` has a record with ``trace_id`` (streamed line by line)."""
    needle = json.dumps(trace_id).encode("utf-8")
    with os.fdopen(os.dup(fd), "rb") as file:
        file.seek(0)
        for raw in file:
            if needle in raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    continue  # a torn or foreign line is not this trace
                if isinstance(parsed, dict) and parsed.get("trace_id") == trace_id:
                    return True
    return False


def trace_of(record: RunRecord) -> Trace:
    """The run as a trace: id, task, context, plan, calls (scopes, status, time), start time."""
    return Trace(
        trace_id=record.run_id,
        task=record.task,
        context=record.context,
        plan=record.plan,
        calls=tuple(c.to_call() for c in record.calls),
        started_at=iso_utc(record.started_at),
    )


def record_finished(
    store: RunStore, recorder: TraceRecorder | None, run_id: str, *, finished_now: bool
) -> Trace | None:
    """The trace of a run just finished, written by ``recorder`` once; ``None`` if done before.

    Crash-safe: a run finished by a process killed before its trace was written
    (``recorded_at`` unset) is recorded by the next finish of it, and the recorder skips a
    trace it already holds.
    """
    if not finished_now and recorder is None:
        return None
    written = False
    try:
        record = store.get_run(run_id)
        if not finished_now and record.recorded_at is not None:
            return None
        trace = trace_of(record)
        if recorder is not None:
            recorder.record(trace)
            written = True
            store.mark_recorded(run_id)
    except RunStoreError as err:
        raise trace_not_recorded(err, run_id, written=written) from err
    return trace
