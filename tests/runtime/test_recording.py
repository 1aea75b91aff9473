"""A finished run's trace is recorded exactly once, even when a process dies between the steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scopecast import Catalogue, ScopeDeniedError, read_traces
from scopecast.runtime import CallbackAuthorizer, RunStore, ScopeGuard, TraceRecorder
from scopecast.runtime._recorder import trace_of
from scopecast.traces import Trace, trace_to_json_line


def _guard(catalogue: Catalogue, store: RunStore, path: Path) -> ScopeGuard:
    return ScopeGuard(catalogue, store=store, mode="pausing", recorder=TraceRecorder(path))


def test_refinish_records_a_run_finished_but_not_recorded(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    path = tmp_path / "runs.jsonl"
    guard = _guard(catalogue, store, path)
    run = guard.start("Email Carlos", granted=["google:gmail.send"], run_id="r1")
    run.check("email.send")
    guard.save_calls(run)
    assert store.finish("r1")  # the process is killed right after this commit
    again = _guard(catalogue, RunStore(store.url), path)
    trace = again.finish("r1")
    assert trace is not None
    assert [c.tool for c in trace.calls] == ["email.send"]
    assert again.finish("r1") is None
    assert [t.trace_id for t in read_traces(path)] == ["r1"]
    assert store.get_run("r1").recorded_at is not None


def test_refinish_after_the_trace_was_written_does_not_duplicate_it(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    path = tmp_path / "runs.jsonl"
    guard = _guard(catalogue, store, path)
    guard.start("Email Carlos", run_id="r1")
    assert store.finish("r1")
    assert TraceRecorder(path).record(trace_of(store.get_run("r1")))  # killed after writing
    assert store.get_run("r1").recorded_at is None
    guard.finish("r1")
    assert [t.trace_id for t in read_traces(path)] == ["r1"]
    assert store.get_run("r1").recorded_at is not None
    assert not TraceRecorder(path).record(trace_of(store.get_run("r1")))


def test_a_run_left_by_a_denial_is_recorded_once_finished(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    """README (Recording traces): a run that ``with run:`` leaves by an uncaught
    ``ScopeDeniedError`` is not finished nor recorded; ``guard.finish`` records it."""
    path = tmp_path / "runs.jsonl"
    guard = ScopeGuard(
        catalogue,
        store=store,
        authorizer=CallbackAuthorizer(lambda request: ()),
        recorder=TraceRecorder(path),
    )
    with pytest.raises(ScopeDeniedError), guard.start("Email Carlos", run_id="r1") as run:
        run.check("email.send")
    assert store.get_run("r1").status == "running"
    assert not path.exists() or read_traces(path) == []
    guard.finish(run.run_id)
    (trace,) = read_traces(path)
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "denied")]


def _trace(trace_id: str) -> Trace:
    return Trace(trace_id=trace_id, task="Email Carlos", calls=())


def test_recorders_of_one_file_see_each_others_traces(tmp_path: Path) -> None:
    """Each recorder indexes the file once, then reads only what was appended since, by
    itself or by any other recorder (another process has its own)."""
    path = tmp_path / "runs.jsonl"
    first, second = TraceRecorder(path), TraceRecorder(path)
    assert first.record(_trace("r1"))
    assert second.record(_trace("r2"))
    assert not first.record(_trace("r2"))  # appended by the other recorder
    assert not second.record(_trace("r1"))
    assert not first.record(_trace("r1"))
    with path.open("a", encoding="utf-8") as file:  # another tool, another key order
        file.write(json.dumps({"task": "t", "calls": [], "trace_id": "r3"}) + "\n")
    assert not first.record(_trace("r3"))
    assert [t.trace_id for t in read_traces(path)] == ["r1", "r2", "r3"]


def test_a_replaced_or_truncated_file_is_indexed_again(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    recorder = TraceRecorder(path)
    assert recorder.record(_trace("r1"))
    path.unlink()  # rotated away
    assert recorder.record(_trace("r1"))
    assert recorder.record(_trace("r2"))
    path.write_text("", encoding="utf-8")  # truncated in place
    assert recorder.record(_trace("r2"))
    assert [t.trace_id for t in read_traces(path)] == ["r2"]


def test_a_torn_last_line_does_not_hide_or_swallow_a_trace(tmp_path: Path) -> None:
    """A writer that died mid-line left no record: its trace can be written again, and the
    record appended after the torn line stands on a line of its own."""
    path = tmp_path / "runs.jsonl"
    recorder = TraceRecorder(path)
    assert recorder.record(_trace("r1"))
    whole = trace_to_json_line(_trace("r2"))
    with path.open("a", encoding="utf-8") as file:
        file.write(whole[: len(whole) // 2])  # no newline: torn
    assert recorder.record(_trace("r2"))
    assert not recorder.record(_trace("r2"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == trace_to_json_line(_trace("r1"))
    assert lines[1] == whole[: len(whole) // 2]
    assert lines[2] == whole


def test_a_whole_last_record_without_its_newline_is_held(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text(trace_to_json_line(_trace("r1")), encoding="utf-8")  # no newline
    recorder = TraceRecorder(path)
    assert not recorder.record(_trace("r1"))
    assert recorder.record(_trace("r2"))
    assert [t.trace_id for t in read_traces(path)] == ["r1", "r2"]


def test_a_file_truncated_in_place_and_grown_again_is_indexed_again(tmp_path: Path) -> None:
    """``copytruncate`` rotation: same inode, and by the next record the file may be larger
    than what the recorder had read."""
    path = tmp_path / "runs.jsonl"
    recorder = TraceRecorder(path)
    for trace_id in ("a1", "a2"):
        assert recorder.record(_trace(trace_id))
    with path.open("r+", encoding="utf-8") as file:
        file.truncate(0)
        for i in range(5):  # another process's records, past the old size
            file.write(trace_to_json_line(_trace(f"other-{i}")) + "\n")
    assert not recorder.record(_trace("other-3"))
    assert recorder.record(_trace("a1"))
    ids = [t.trace_id for t in read_traces(path)]
    assert ids == [f"other-{i}" for i in range(5)] + ["a1"]


def test_a_trace_file_that_cannot_be_written_says_the_run_finished(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    """An OSError of the trace file (a full disk, a wrong path) leaves `with run:` after the
    run finished: the error must say so, or the agent is run again, its calls with it."""
    (tmp_path / "not-a-dir").write_text("")
    recorder = TraceRecorder(tmp_path / "not-a-dir" / "runs.jsonl")
    guard = ScopeGuard(catalogue, store=store, mode="pausing", recorder=recorder)
    run = guard.start("Email Carlos", granted=["google:gmail.send"], run_id="r1")
    with pytest.raises(OSError, match=r"File exists|Not a directory") as info, run:
        run.check("email.send")
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "Run 'r1' is finished and its calls are saved" in notes
    assert "finish()" in notes
    assert store.get_run("r1").status == "finished"
    recorder.path = tmp_path / "runs.jsonl"  # the file is writable again
    trace = guard.finish("r1")
    assert trace is not None
    assert [t.trace_id for t in read_traces(recorder.path)] == ["r1"]
