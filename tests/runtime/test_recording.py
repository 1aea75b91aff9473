"""A finished run's trace is recorded exactly once, even when a process dies between the steps."""

from __future__ import annotations

from pathlib import Path

from scopecast import Catalogue, read_traces
from scopecast.runtime import RunStore, ScopeGuard, TraceRecorder
from scopecast.runtime._recorder import trace_of


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
