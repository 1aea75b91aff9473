"""Timing and memory measurement shared by the benchmarks."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (the benchmarks import the ``scopecast`` next to them)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest-rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[rank]


def per_call_seconds(fn: Callable[[], object], n: int, repeat: int) -> list[float]:
    """Seconds per call of ``fn`` over ``repeat`` batches of ``n`` calls each."""
    timer = time.perf_counter
    out = []
    for _ in range(repeat):
        start = timer()
        for _ in range(n):
            fn()
        out.append((timer() - start) / n)
    return out


def single_call_seconds(fn: Callable[[], object], n: int, warmup: int = 50) -> list[float]:
    """Seconds of each of ``n`` single calls of ``fn`` (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    timer = time.perf_counter
    out = []
    for _ in range(n):
        start = timer()
        fn()
        out.append(timer() - start)
    return out


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, p99, min and count of a list of timings (seconds)."""
    return {
        "median": statistics.median(values),
        "p99": percentile(values, 99),
        "min": min(values),
        "n": float(len(values)),
    }


@dataclass(frozen=True)
class ChildResult:
    """What a benchmark child process reported, its wall time and its peak memory."""

    wall: float
    peak_rss_bytes: int
    output: dict[str, object]


def run_child(
    code: str, *, env: dict[str, str] | None = None, timeout: float = 3600
) -> ChildResult:
    """Run ``python -c code`` in a fresh process; its last stdout line may be a JSON object.

    The peak resident memory is the child's own ``ru_maxrss`` (read by the child at its end
    through ``resource``), so that the parent's memory never counts.
    """
    wrapped = (
        code
        + "\nimport json as _j, resource as _r, sys as _s\n"
        + "_s.stdout.write('\\n' + _j.dumps({'__peak_kib__': "
        + "_r.getrusage(_r.RUSAGE_SELF).ru_maxrss}) + '\\n')\n"
    )
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = str(ROOT)
    child_env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    child_env.update(env or {})
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", wrapped],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    output: dict[str, object] = {}
    peak_kib = 0
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            data = json.loads(line)
            if "__peak_kib__" in data:
                peak_kib = int(data["__peak_kib__"])
            else:
                output.update(data)
    return ChildResult(wall, peak_kib * 1024, output)


def children_peak_rss_bytes() -> int:
    """Peak resident memory of the largest waited-for child so far (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
