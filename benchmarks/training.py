"""Training time and peak memory at 10k, 100k (and with ``--full``, 1M) generated traces.

Each size is trained in its own process (so that its peak resident memory is its own) with
:func:`scopecast.model.train_bounded`: one streaming pass over the traces file (parsing and
validating every trace, deriving the catalogue from all of them, hashing them) and a fit of
the usual calibrated model, with its grouped cross-validation, on a bounded grouped sample
of ``max_traces`` traces. The report splits the time into the streaming pass and the fit,
and gives the growth of the total from one size to the next against linear growth.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks._measure import run_child
from benchmarks.data import TRAIN_SEED, traces_file

MAX_TRACES = 2000
"""Traces the model is fitted on at every size (the bounded sample)."""

_CHILD = """
import itertools, json, tempfile, time
from scopecast import iter_traces
from scopecast.generator import default_catalogue
from scopecast.model import ScopePredictor, save_model, train_bounded

marks = {{}}
start = time.perf_counter()

def progress(stage, done, total):
    marks.setdefault(stage, time.perf_counter() - start)

model, catalogue, sample = train_bounded(
    itertools.islice(iter_traces({path!r}), {n}),
    default_catalogue(),
    max_traces={max_traces},
    predictor=ScopePredictor(C=(1.0, 10.0), cv=3, random_state=0),
    progress=progress,
)
fitted = time.perf_counter() - start
with tempfile.TemporaryDirectory() as tmp:
    save_model(model, tmp, catalogue=catalogue, data_hash=sample.data_hash)
total = time.perf_counter() - start
reading = min(v for k, v in marks.items() if k != "reading") if len(marks) > 1 else fitted
print(json.dumps({{
    "traces": sample.n_seen, "fitted_on": len(sample.traces), "seconds": total,
    "stream_pass_seconds": reading, "fit_seconds": fitted - reading,
    "save_seconds": total - fitted, "n_scopes": len(model.scopes_),
}}))
"""


def train_once(path: Path, n: int, max_traces: int) -> dict[str, object]:
    """Train on the first ``n`` traces of ``path`` in a new process; time and peak memory."""
    child = run_child(_CHILD.format(path=str(path), n=n, max_traces=max_traces), timeout=4 * 3600)
    return {
        **child.output,
        "peak_rss_mb": child.peak_rss_bytes / 2**20,
        "process_wall_s": child.wall,
    }


def run_training(quick: bool, full: bool, sizes: list[int] | None) -> dict[str, object]:
    """Train at each size; report time, peak memory and growth between sizes."""
    chosen = sizes or ([10_000] if quick else [10_000, 100_000] + ([1_000_000] if full else []))
    path = traces_file(max(chosen), TRAIN_SEED)
    runs: dict[str, object] = {}
    previous: tuple[int, float] | None = None
    for n in sorted(chosen):
        run = train_once(path, n, MAX_TRACES)
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        if previous is not None:
            run["time_growth_vs_previous"] = seconds / previous[1]
            run["size_growth_vs_previous"] = n / previous[0]
        runs[str(n)] = run
        previous = (n, seconds)
    return {
        "max_traces": MAX_TRACES,
        "runs": runs,
        "targets": "1M in <= 600 s, peak memory <= 8 GB, time growth 100k->1M <= 10x",
    }
