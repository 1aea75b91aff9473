"""Import time of the runtime path, in fresh processes, against the interpreter alone and scikit-learn."""

from __future__ import annotations

import statistics

from benchmarks._measure import run_child

HEAVY = ("sklearn", "scipy", "pandas", "mlflow", "pyarrow", "matplotlib")
"""Packages the runtime path must not import."""

_PROBE = """
import sys, time, json
_t = time.perf_counter()
{stmt}
_t = time.perf_counter() - _t
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"seconds": _t, "heavy": heavy}}))
"""

STATEMENTS: dict[str, str] = {
    "python": "pass",
    "scopecast": "import scopecast",
    "scopecast.policy": "import scopecast.policy",
    "scopecast.runtime": "import scopecast.runtime",
    "sklearn (baseline)": "import sklearn.linear_model",
}


def run_imports(quick: bool) -> dict[str, object]:
    """Median in-process import seconds of each statement over fresh processes."""
    repeat = 3 if quick else 7
    results: dict[str, object] = {}
    for name, stmt in STATEMENTS.items():
        seconds = []
        heavy: list[str] = []
        for _ in range(repeat):
            child = run_child(_PROBE.format(stmt=stmt, heavy=HEAVY))
            seconds.append(float(child.output["seconds"]))  # type: ignore[arg-type]
            heavy = list(child.output["heavy"])  # type: ignore[call-overload]
        results[name] = {"median_s": statistics.median(seconds), "heavy_modules": heavy}
    base = results["sklearn (baseline)"]["median_s"]  # type: ignore[index]
    for name in STATEMENTS:
        entry = results[name]
        entry["ratio_vs_sklearn"] = entry["median_s"] / base  # type: ignore[index]
    return results
