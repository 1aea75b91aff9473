"""Training time and peak memory at 10k, 100k (and with ``--full``, 1M) generated traces.

Each size is trained in its own process (so that its peak resident memory is its own)
exactly as ``scopecast train FILE --max-traces N`` trains: :func:`scopecast.traces.iter_trace_files`
streams the file once (parsing and validating every trace, deriving the catalogue from all
of them, hashing them) into :func:`scopecast.model.train_stream_to_directory`, which fits the
calibrated model with ``scopecast train``'s default hyper-parameters (its grid of ``C``, its
grouped folds, its choice of calibration) on a bounded grouped sample of ``max_traces``
traces, chooses the policy by replaying the sample, and saves it. The report splits the
time into the streaming pass, the fit, the policy choice and the save, and gives the growth of the total from one size to the next against linear growth.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks._measure import run_child
from benchmarks.data import HELD_OUT_SEED, TRAIN_SEED, traces_file

MAX_TRACES = 1500
"""Traces the model is fitted on at every size (``scopecast train --max-traces 1500``).

Chosen by measurement on the project's 2-core machine at a load average of about 4 (other
jobs running), with the default hyper-parameters, 10k traces streamed: a sample of 1000
fitted in 198 s (held-out Brier 0.0060, mean PR-AUC 0.695), 2000 in 562 s (0.0051, 0.776),
5000 in about 20 minutes. The fit grows faster than the sample; 1500 is the largest round
sample whose fit plus the 1M-trace streaming pass (about 2 minutes) stays within 10 minutes.
"""

HELD_OUT_TRACES = 2000
"""Generated traces of another seed that every trained model is scored on (quality check)."""

QUICK_MAX_TRACES = 500
"""The bounded sample of ``--quick`` (a shorter fit; its figures are labelled with it)."""

_CHILD = """
import itertools, json, tempfile, time
from scopecast.generator import default_catalogue
from scopecast.model import score_model_directory, train_stream_to_directory
from scopecast.traces import iter_trace_files, read_traces

marks = {{}}
start = time.perf_counter()

def stream():
    yield from itertools.islice(iter_trace_files({path!r}), {n})
    marks["stream"] = time.perf_counter() - start

def progress(stage, done, total):
    if stage in ("final fit", "choosing the policy") and done == total:
        marks[stage] = time.perf_counter() - start

with tempfile.TemporaryDirectory() as tmp:
    result = train_stream_to_directory(
        stream(), tmp, default_catalogue(), max_traces={max_traces}, progress=progress
    )
    total = time.perf_counter() - start
    held_out = score_model_directory(tmp, read_traces({held_out!r}))
print(json.dumps({{
    "traces": result.n_seen, "fitted_on": result.n_traces, "seconds": total,
    "stream_pass_seconds": marks["stream"],
    "fit_seconds": marks["final fit"] - marks["stream"],
    "policy_seconds": marks["choosing the policy"] - marks["final fit"],
    "save_seconds": total - marks["choosing the policy"],
    "n_scopes": len(result.predictor.scopes_),
    "C": result.predictor.C_, "calibration": result.predictor.calibration_,
    "cv_brier": result.metrics["cv_brier"],
    "held_out_brier": held_out["brier"], "held_out_mean_pr_auc": held_out["mean_pr_auc"],
}}))
"""


def train_once(path: Path, n: int, max_traces: int, held_out: Path) -> dict[str, object]:
    """Train on the first ``n`` traces of ``path`` in a new process; time and peak memory.

    ``seconds`` (and the peak memory) cover the training and the save; the model's Brier
    score and mean PR-AUC on the ``held_out`` traces are computed after the clock stops.
    """
    code = _CHILD.format(path=str(path), n=n, max_traces=max_traces, held_out=str(held_out))
    child = run_child(code, timeout=4 * 3600)
    return {
        **child.output,
        "peak_rss_mb": child.peak_rss_bytes / 2**20,
        "process_wall_s": child.wall,
    }


def run_training(quick: bool, full: bool, sizes: list[int] | None) -> dict[str, object]:
    """Train at each size; report time, peak memory and growth between sizes."""
    chosen = sizes or ([10_000] if quick else [10_000, 100_000] + ([1_000_000] if full else []))
    max_traces = QUICK_MAX_TRACES if quick else MAX_TRACES
    path = traces_file(max(chosen), TRAIN_SEED)
    held_out = traces_file(HELD_OUT_TRACES, HELD_OUT_SEED)
    runs: dict[str, object] = {}
    previous: tuple[int, float] | None = None
    for n in sorted(chosen):
        run = train_once(path, n, max_traces, held_out)
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        if previous is not None:
            run["time_growth_vs_previous"] = seconds / previous[1]
            run["size_growth_vs_previous"] = n / previous[0]
        runs[str(n)] = run
        previous = (n, seconds)
    return {
        "max_traces": max_traces,
        "hyper_parameters": "scopecast train's defaults (ScopePredictor())",
        "runs": runs,
        "targets": "1M in <= 600 s, peak memory <= 8 GB, time growth 100k->1M <= 10x",
    }
