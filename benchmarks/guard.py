"""Guard overhead per granted tool call, against calling the tool directly.

A blocking :class:`~scopecast.runtime.ScopeGuard` on a real SQLite run store; the run holds
every scope the tool needs, so each call takes the granted fast path (plus, once per
``refresh_interval``, a re-read of the grants from the store: that cost is included, as in
production). Measured for a decorated tool (``@guard.tool``) and for ``run.check(tool)``.
Writing the recorded calls to the store happens later, in bulk (``save_calls``, at the end
of a run); its cost per call is reported beside the overhead, not in it.
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
