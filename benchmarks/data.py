"""Generated traces and the benchmark model, cached under ``.benchmarks/`` (git-ignored).

Traces come from :mod:`scopecast.generator` (deterministic per seed, and the first ``n``
traces of a longer run equal a run of ``n``, so a larger cached file serves smaller sizes).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

from benchmarks._measure import ROOT

CACHE = ROOT / ".benchmarks"
TRAIN_SEED = 0
HELD_OUT_SEED = 1


def traces_file(n: int, seed: int = HELD_OUT_SEED) -> Path:
    """A JSON Lines file of the first ``n`` generated traces of ``seed`` (made if missing)."""
    from scopecast.generator import write_generated

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"traces-s{seed}-{n}.jsonl"
    if path.exists():
        return path
    larger = sorted(
        (p for p in CACHE.glob(f"traces-s{seed}-*.jsonl") if int(p.stem.split("-")[-1]) > n),
        key=lambda p: int(p.stem.split("-")[-1]),
    )
    partial = path.with_suffix(".partial")
    if larger:
        with open(larger[0], encoding="utf-8") as src, open(partial, "w", encoding="utf-8") as dst:
            dst.writelines(itertools.islice(src, n))
    else:
        write_generated(partial.with_suffix(".partial.jsonl"), n, seed)
        partial.with_suffix(".partial.jsonl").rename(partial)
    os.replace(partial, path)
    return path


def model_dir(quick: bool) -> tuple[Path, dict[str, object]]:
    """The benchmark model (a bounded sample of the first 20k generated traces), trained once and cached.

    The cache is keyed on the model format and the training recipe, so that a scopecast that
    reads another format or trains differently trains its own model instead of failing on
    (or timing) an old one.
    """
    from scopecast import iter_traces
    from scopecast._model_files import FORMAT_VERSION
    from scopecast.defaults import TRAINING_RECIPE
    from scopecast.generator import default_catalogue
    from scopecast.model import ScopePredictor, save_model, train_bounded

    max_traces = 200 if quick else 500
    directory = CACHE / f"model-{max_traces}-f{FORMAT_VERSION}-r{TRAINING_RECIPE}"
    info_path = directory / "benchmark-training.json"
    if info_path.exists():
        return directory, json.loads(info_path.read_text())
    source = traces_file(20_000, TRAIN_SEED)
    start = time.perf_counter()
    model, catalogue, sample = train_bounded(
        iter_traces(source),
        default_catalogue(),
        max_traces=max_traces,
        predictor=ScopePredictor(C=(1.0, 10.0), cv=3, random_state=0),
    )
    seconds = time.perf_counter() - start
    save_model(model, directory, catalogue=catalogue, data_hash=sample.data_hash)
    info: dict[str, object] = {
        "traces_read": sample.n_seen,
        "traces_fitted": len(sample.traces),
        "train_seconds": seconds,
        "n_scopes": len(model.scopes_),
        "n_modelled_scopes": len(model.modelled_),
        "n_features": int(model.coef_.shape[1]),
        "C": model.C_,
        "calibration": model.calibration_,
    }
    info_path.write_text(json.dumps(info, indent=1) + "\n")
    return directory, info
