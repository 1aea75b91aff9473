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
import re
import threading
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
        self._index = _TraceIndex()

    def __repr__(self) -> str:
        return f"TraceRecorder({str(self.path)!r})"

    def record(self, trace: Trace) -> bool:
        """Append ``trace`` as one line (atomic with respect to other recorders of the file).

        Returns ``False`` (and writes nothing) if the file already holds a trace with this
        ``trace_id``: recording again after a crash between writing and noting it in the run
        store must not duplicate the trace. The check is made under the same lock, on an
        index of the file's trace ids that each recorder reads once and then extends by what
        was appended since (by any process), so a record costs the new lines, not the file.
        """
        line = (trace_to_json_line(trace) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            with self._index.lock:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if self._index.holds(fd, trace.trace_id):
                    logger.debug("trace %s is already in %s", trace.trace_id, self.path)
                    return False
                if self._index.ends_mid_line:  # a writer died mid-line
                    line = b"\n" + line  # end that line, so this record stands on its own
                os.write(fd, line)
                os.fsync(fd)  # the next record reads this line into the index like any other
        finally:
            os.close(fd)
        logger.debug(
            "recorded trace %s (%d calls) to %s", trace.trace_id, len(trace.calls), self.path
        )
        return True


class _TraceIndex:
    """Where each trace id of one trace file has a line, read once and then only what was
    appended since (by this recorder or any other).

    Used under the file's exclusive lock. A line of :func:`~scopecast.traces.trace_to_json_line`
    (``trace_id`` first) is indexed by its leading id without parsing it; any other line is
    parsed. The index keeps the hash of each id and the offsets of its lines, and an id
    counts as held only if one of them parses as a trace record with that id (checked at
    each look-up), so neither a hash collision nor a torn line (a writer died mid-line) can
    hide a trace. A last line without its newline is looked at on every look-up and read
    past once completed. The file is read again from the start when it is no longer the
    one indexed: another inode, smaller than already read, other first bytes, or no line
    end just before where reading stopped (a ``copytruncate`` rotation that grew again).
    """

    _HEAD = 256
    """How many first bytes identify the file."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._lines: dict[int, int | list[int]] = {}
        self._inode: int | None = None
        self._head = b""
        self._offset = 0
        self._unended: int | None = None

    def holds(self, fd: int, trace_id: str) -> bool:
        """Whether the open file ``fd`` has a whole record of ``trace_id``."""
        self._read(fd)
        found = self._lines.get(hash(trace_id), ())
        offsets = [found] if isinstance(found, int) else list(found)
        if self._unended is not None:
            offsets.append(self._unended)
        return any(_trace_id_of(_line_at(fd, at)) == trace_id for at in offsets)

    @property
    def ends_mid_line(self) -> bool:
        """After :meth:`holds`: whether the file's last line lacks its newline."""
        return self._unended is not None

    def _same_file(self, fd: int, size: int, inode: int) -> bool:
        if inode != self._inode or size < self._offset:
            return False
        if os.pread(fd, len(self._head), 0) != self._head:
            return False
        return self._offset == 0 or os.pread(fd, 1, self._offset - 1) == b"\n"

    def _read(self, fd: int) -> None:
        status = os.fstat(fd)
        if not self._same_file(fd, status.st_size, status.st_ino):
            self._lines, self._inode, self._offset = {}, status.st_ino, 0
            self._head = os.pread(fd, self._HEAD, 0)
        self._unended = None
        if status.st_size <= self._offset:
            return
        with os.fdopen(os.dup(fd), "rb") as file:
            file.seek(self._offset)
            for raw in file:
                if not raw.endswith(b"\n"):
                    self._unended = self._offset  # looked at, not read past, until ended
                    break
                match = _LEADING_ID.match(raw)
                trace_id = _trace_id_of(raw) if match is None else _string(match.group(1))
                if trace_id is not None:
                    self._add(hash(trace_id), self._offset)
                self._offset += len(raw)

    def _add(self, key: int, offset: int) -> None:
        found = self._lines.get(key)
        if found is None:
            self._lines[key] = offset
        elif isinstance(found, int):
            self._lines[key] = [found, offset]
        else:
            found.append(offset)


_LEADING_ID = re.compile(rb'\{"trace_id": ("(?:[^"\\]|\\.)*")')
"""The leading id of a line written by :func:`~scopecast.traces.trace_to_json_line`."""


def _string(literal: bytes) -> str | None:
    """The string of a JSON string literal (most ids have no escape: decoded directly)."""
    if b"\\" not in literal:
        try:
            return literal[1:-1].decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        value = json.loads(literal)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _line_at(fd: int, offset: int) -> bytes:
    with os.fdopen(os.dup(fd), "rb") as file:
        file.seek(offset)
        return file.readline()


def _trace_id_of(raw: bytes) -> str | None:
    """The ``trace_id`` of one line, or ``None`` if it is not a whole trace record (a torn
    line run into the next one is not, so that trace is written again, not lost)."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    value = parsed.get("trace_id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


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
            try:
                recorder.record(trace)
            except OSError as err:  # a full disk, a wrong path: said, so no one runs it again
                err.add_note(
                    f"Run {run_id!r} is finished and its calls are saved, but its trace was not "
                    f"written to {str(recorder.path)!r}; call finish() of the run again once "
                    f"the file can be written (the trace is written once). Do not run its "
                    f"calls again."
                )
                raise
            written = True
            store.mark_recorded(run_id)
    except RunStoreError as err:
        raise trace_not_recorded(err, run_id, written=written) from err
    return trace
