"""Prediction on the runtime path: cold start, ``plan()`` latency and batch throughput.

One model is trained (a bounded sample of generated traces, :func:`benchmarks.data.model_dir`)
and saved with its compact form. Then, each against a baseline measured in the same run:

- cold start: a new process imports scopecast, loads the model directory and plans one task
  with :class:`~scopecast.runtime.PreAuthorizer` (the compact form), vs. a new process that
  does the same through scikit-learn (``scopecast.model.load_scorer``: skops, sklearn);
- ``plan()`` latency for one task (median, p99), vs. scikit-learn ``predict_proba`` on one row;
  the compact scorer's own ``predict_scopes`` on one task is reported beside it; the three
  take turns by blocks on the same tasks, so that a drifting machine load affects them alike;
- batch throughput (tasks/s) of the compact scorer on 100k held-out tasks, vs. scikit-learn
  ``predict_proba`` on the first 10k of them (20k without ``--quick``).

``features_in`` says whether the compact scorer's features ran in the C speedups or in
Python (``SCOPECAST_NO_SPEEDUPS=1`` measures the Python path).

The model is small on purpose (fitted on a bounded sample of 200 generated traces with
``--quick``, 500 without, two values of C, 3 folds): how fast one task is planned depends on
the model's size (vocabulary, scopes), not on how many traces it was fitted on.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._measure import run_child, summary
from benchmarks.data import model_dir, traces_file

if TYPE_CHECKING:
    from scopecast.scoring import TaskInput

_COLD_COMPACT = """
import time
_t = time.perf_counter()
from scopecast.runtime import PreAuthorizer
pre = PreAuthorizer({directory!r})
plan = pre.plan({task!r}, {context!r})
_t = time.perf_counter() - _t
import json, sys
assert not pre.is_degraded
heavy = sorted(m for m in ("sklearn", "scipy", "pandas", "mlflow") if m in sys.modules)
print(json.dumps({{"seconds": _t, "heavy": heavy, "scorer": repr(pre)}}))
"""

_COLD_SKLEARN = """
import time
_t = time.perf_counter()
from scopecast.model import load_scorer
from scopecast.runtime import PreAuthorizer
bundle = load_scorer({directory!r})
pre = PreAuthorizer(bundle, catalogue=bundle.catalogue)
plan = pre.plan({task!r}, {context!r})
_t = time.perf_counter() - _t
import json
print(json.dumps({{"seconds": _t, "scorer": type(bundle.scorer).__name__}}))
"""


def _cold_start(
    directory: Path, task: str, context: dict[str, str], repeat: int
) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, template in (("compact", _COLD_COMPACT), ("sklearn", _COLD_SKLEARN)):
        walls, inner = [], []
        extra: dict[str, object] = {}
        for _ in range(repeat):
            child = run_child(template.format(directory=str(directory), task=task, context=context))
            walls.append(child.wall)
            inner.append(float(child.output["seconds"]))  # type: ignore[arg-type]
            extra = {k: v for k, v in child.output.items() if k != "seconds"}
        out[name] = {
            "process_wall_s_median": statistics.median(walls),
            "import_load_plan_s_median": statistics.median(inner),
            "repetitions": repeat,
            **extra,
        }
    compact = out["compact"]["process_wall_s_median"]  # type: ignore[index]
    sklearn = out["sklearn"]["process_wall_s_median"]  # type: ignore[index]
    out["speedup_vs_sklearn"] = sklearn / compact
    out["target"] = "<= 0.5 s and >= 4x faster than the scikit-learn path"
    return out


def _alternating_latencies(
    calls: list[Callable[[TaskInput], object]],
    probe: list[TaskInput],
    n: int,
    every: tuple[int, ...],
    rounds: int = 5,
    warmup: int = 20,
) -> list[list[float]]:
    """Seconds of single calls, the contenders taking turns by blocks on the same tasks.

    Each of ``rounds`` rounds times a block of ``n / rounds / every[k]`` consecutive calls
    of each contender in turn (consecutive: each measures its own warm path, not the cache
    misses left by the other). On a shared machine whose load drifts, the contenders see
    the same load in the same proportions, so their ratio is fair even when their absolute
    times are not those of an idle machine.
    """
    for call in calls:
        for item in probe[:warmup]:
            call(item)
    timer = time.perf_counter
    out: list[list[float]] = [[] for _ in calls]
    block = max(1, n // rounds)
    for r in range(rounds):
        for k, call in enumerate(calls):
            for i in range(max(1, block // every[k])):
                item = probe[(r * block + i) % len(probe)]
                start = timer()
                call(item)
                out[k].append(timer() - start)
    return out


def run_prediction(quick: bool) -> dict[str, object]:
    """Train (or reuse) the benchmark model, then measure cold start, latency and throughput."""
    from scopecast import iter_traces
    from scopecast.model import load_model
    from scopecast.runtime import PreAuthorizer, load_compact
    from scopecast.runtime._speedups_loader import speedups
    from scopecast.scoring import TaskInput

    directory, train_info = model_dir(quick)
    n_batch = 100_000
    path = traces_file(n_batch)
    # held-out tasks (another seed than the training traces), streamed: inputs only
    inputs = [TaskInput.from_trace(t, 0) for t in itertools.islice(iter_traces(path), n_batch)]
    probe = inputs[-1000:]
    first = inputs[-1]
    results: dict[str, object] = {
        "model": train_info,
        # the C speedups of the features (scopecast.runtime._speedups), or the Python path
        "features_in": "C speedups" if speedups() is not None else "Python",
    }

    results["cold_start"] = _cold_start(
        directory, first.task, dict(first.context), repeat=3 if quick else 7
    )

    compact = load_compact(directory).scorer
    sklearn_model = load_model(directory)
    pre = PreAuthorizer(directory)
    n_single = 300 if quick else 2000
    plan_s, compact_s, sklearn_s = _alternating_latencies(
        [
            lambda item: pre.plan(item.task, item.context),
            lambda item: compact.predict_scopes([item]),
            lambda item: sklearn_model.predict_proba([item]),
        ],
        probe,
        n_single,
        every=(1, 1, 4),
    )
    plan = summary(plan_s)
    base = summary(sklearn_s)
    results["latency_us"] = {
        "plan": {k: v * 1e6 if k != "n" else v for k, v in plan.items()},
        "compact_predict_one": {
            k: v * 1e6 if k != "n" else v for k, v in summary(compact_s).items()
        },
        "sklearn_predict_proba_one_row": {k: v * 1e6 if k != "n" else v for k, v in base.items()},
        "plan_speedup_vs_sklearn_median": base["median"] / plan["median"],
        "target": "plan median <= 100 us and >= 10x faster than sklearn predict_proba",
    }

    start = time.perf_counter()
    compact.predict_proba(inputs)
    compact_batch = time.perf_counter() - start
    sk_n = min(len(inputs), 10_000 if quick else 20_000)
    start = time.perf_counter()
    sklearn_model.predict_proba(inputs[:sk_n])
    sklearn_batch = time.perf_counter() - start
    results["throughput"] = {
        "tasks": len(inputs),
        "compact_tasks_per_s": len(inputs) / compact_batch,
        "sklearn_tasks": sk_n,
        "sklearn_tasks_per_s": sk_n / sklearn_batch,
        "ratio_compact_vs_sklearn": (len(inputs) / compact_batch) / (sk_n / sklearn_batch),
    }
    return results
