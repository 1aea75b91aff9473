"""Reading traces: what the repeated-key check costs on top of parsing and validating.

Each line is validated by pydantic's JSON parser, then parsed again by ``json.loads`` with a
hook that refuses an object repeating a key (:mod:`scopecast._unique_keys`). The baseline is
the same read in the same process with that second parse replaced by a no-op, so the ratio
is the check's cost, whatever the machine's speed.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.data import traces_file


def _best_read_seconds(path: Path, repeat: int) -> float:
    from scopecast.traces import read_traces

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        read_traces(path)
        best = min(best, time.perf_counter() - start)
    return best


def run_reading(quick: bool) -> dict[str, object]:
    """Best-of-``repeat`` seconds of ``read_traces`` with and without the repeated-key check."""
    from unittest import mock

    n, repeat = (2_000, 3) if quick else (20_000, 5)
    path = traces_file(n)
    with_check = _best_read_seconds(path, repeat)
    # the baseline: the second parse replaced by a no-op
    with mock.patch("scopecast.traces.find_repeated_key", return_value=None):
        without_check = _best_read_seconds(path, repeat)
    return {
        "traces": n,
        "megabytes": round(path.stat().st_size / 1e6, 2),
        "seconds_without_check": without_check,
        "seconds_with_check": with_check,
        "ratio": with_check / without_check,
        "microseconds_per_trace_for_the_check": (with_check - without_check) / n * 1e6,
    }
