"""Guard overhead per granted tool call, against calling the tool directly.

A blocking :class:`~scopecast.runtime.ScopeGuard` on a real SQLite run store; the run holds
every scope the tool needs, so each call takes the granted fast path (plus, once per
``refresh_interval``, a re-read of the grants from the store: that cost is included, as in
production). Measured for a decorated tool (``@guard.tool``) and for ``run.check(tool)``.
Writing the recorded calls to the store happens later, in bulk (``save_calls``, at the end
of a run); its cost per call is reported beside the overhead, not in it.

Also the trace recorder at the end of a run, on a trace file that already holds many
traces: a recorder's first record indexes the whole file, each later one reads only what
was appended since; the baseline is the streamed scan of the whole file that every record
made before the index.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._measure import per_call_seconds


def _noop(x: int) -> int:
    return x


def run_guard(quick: bool) -> dict[str, object]:
    """Measure the per-call overhead in microseconds (median of repeated batches)."""
    from scopecast import Catalogue, ScopeSpec, ToolSpec
    from scopecast.runtime import CallbackAuthorizer, RunStore, ScopeGuard

    catalogue = Catalogue(
        tools=(ToolSpec(name="email.search", scopes=("google:gmail.readonly",)),),
        scopes=(
            ScopeSpec(name="google:gmail.modify", risk=0.7, implies=("google:gmail.readonly",)),
            ScopeSpec(name="google:gmail.readonly", risk=0.3),
        ),
    )
    n, repeat = (20_000, 7) if quick else (200_000, 15)
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(f"sqlite:///{Path(tmp) / 'runs.db'}")
        guard = ScopeGuard(
            catalogue,
            store=store,
            authorizer=CallbackAuthorizer(lambda request: request.requested),
        )
        search = guard.wrap(_noop, name="email.search")
        with guard.start("Find the invoice", granted=["google:gmail.modify"]) as run:
            direct = per_call_seconds(lambda: _noop(1), n, repeat)
            wrapped = per_call_seconds(lambda: search(1), n, repeat)
            checked = per_call_seconds(lambda: run.check("email.search"), n, repeat)
            recorded = len(run._live.buffer)
            start = time.perf_counter()
            guard.save_calls(run)
            save_s = time.perf_counter() - start
        store.close()
    direct_us = statistics.median(direct) * 1e6
    wrapped_us = statistics.median(wrapped) * 1e6
    checked_us = statistics.median(checked) * 1e6
    return {
        **_recorder(quick),
        "calls_per_batch": n,
        "batches": repeat,
        "direct_call_us": direct_us,
        "guarded_call_us": wrapped_us,
        "overhead_us": wrapped_us - direct_us,
        "check_us": checked_us - direct_us,
        "ratio_guarded_vs_direct": wrapped_us / direct_us,
        "save_calls_us_per_call": save_s / recorded * 1e6,
        "target_overhead_us": 5.0,
    }


def _recorder(quick: bool) -> dict[str, object]:
    """Milliseconds of the first record into a large trace file, and of each later one."""
    from scopecast.runtime import TraceRecorder
    from scopecast.traces import Call, Trace, trace_to_json_line

    n_existing, n_records = (20_000, 50) if quick else (200_000, 200)
    calls = tuple(Call(tool="email.search", scopes=("google:gmail.readonly",)) for _ in range(5))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.jsonl"
        with path.open("w", encoding="utf-8") as file:
            for i in range(n_existing):
                old = Trace(trace_id=f"old-{i}", task="Find the invoice from March", calls=calls)
                file.write(trace_to_json_line(old) + "\n")
        recorder = TraceRecorder(path)
        times = []
        for i in range(n_records + 1):
            trace = Trace(trace_id=f"new-{i}", task="Find the invoice", calls=calls)
            start = time.perf_counter()
            recorder.record(trace)
            times.append(time.perf_counter() - start)
        size_mb = path.stat().st_size / 1e6
        scans = [_scan_seconds(path, f"absent-{i}") for i in range(5)]
    first_ms, later_ms = times[0] * 1e3, statistics.median(times[1:]) * 1e3
    scan_ms = statistics.median(scans) * 1e3
    return {
        "recorder_file_traces": n_existing,
        "recorder_file_mb": size_mb,
        "recorder_first_record_ms": first_ms,
        "recorder_record_ms": later_ms,
        "recorder_full_scan_ms": scan_ms,
        "ratio_full_scan_vs_record": scan_ms / later_ms,
    }


def _scan_seconds(path: Path, trace_id: str) -> float:
    """The baseline: what each record cost before the index, a streamed scan of the whole
    file for the id (parsing only lines that contain it)."""
    import json

    needle = json.dumps(trace_id).encode("utf-8")
    start = time.perf_counter()
    with path.open("rb") as file:
        for raw in file:
            if needle in raw and json.loads(raw).get("trace_id") == trace_id:
                break
    return time.perf_counter() - start
