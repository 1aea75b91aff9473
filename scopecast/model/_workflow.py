"""The train-and-save workflow behind ``scopecast train``, and scoring a model directory on traces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast.catalogue import Catalogue
from scopecast.model._crossfit import ProgressCallback
from scopecast.model._metrics import evaluate_traces, upfront_inputs
from scopecast.model._persistence import load_bundle, save_model
from scopecast.model._predictor import ScopePredictor
from scopecast.model._training import data_hash, train_predictor
from scopecast.traces import Trace

__all__ = ["TrainingResult", "score_model_directory", "train_to_directory"]


@dataclass(frozen=True)
class TrainingResult:
    """What one training run produced."""

    directory: Path
    predictor: ScopePredictor
    catalogue: Catalogue
    data_hash: str
    params: dict[str, object]
    metrics: dict[str, float]
    """Grouped cross-validation metrics (``cv_`` prefix) on the training traces."""
    n_traces: int


def train_to_directory(
    traces: Sequence[Trace],
    out: str | Path,
    catalogue: Catalogue | None = None,
    *,
    predictor: ScopePredictor | None = None,
    group_pattern: str | None = None,
    prefix_weight: float = 1.0,
    train_files: Sequence[str | Path] = (),
    progress: ProgressCallback | None = None,
) -> TrainingResult:
    """Train on ``traces``, choose hyper-parameters by grouped CV, and save to ``out``.

    ``train_files`` (the files ``traces`` were read from) are recorded in the metadata's
    ``params`` with the data hash, so ``scopecast evaluate`` can fit its baselines on the
    model's own training data (and check that the files did not change since).

    Raises
    ------
    DataValidationError, ModelError
        If the traces cannot train a model.
    ArtifactError
        If the directory cannot be written.
    """
    model, merged = train_predictor(
        traces,
        catalogue,
        predictor=predictor,
        group_pattern=group_pattern,
        prefix_weight=prefix_weight,
        progress=progress,
    )
    digest = data_hash(traces)
    params: dict[str, object] = {
        **{k: v for k, v in model.get_params(deep=False).items() if k != "featurizer"},
        "featurizer": repr(model.featurizer_),
        "group_pattern": group_pattern,
        "prefix_weight": prefix_weight,
        "train_files": [str(Path(f).resolve()) for f in train_files],
        "chosen_C": model.C_,
        "chosen_calibration": model.calibration_,
        "n_modelled_scopes": len(model.modelled_),
        "n_scopes": len(model.scopes_),
    }
    metrics = {f"cv_{k}": v for k, v in model.cv_metrics_.items()}
    directory = save_model(
        model,
        out,
        catalogue=merged,
        data_hash=digest,
        metrics=metrics,
        params=params,
        train_files=train_files,
    )
    return TrainingResult(directory, model, merged, digest, params, metrics, len(traces))


def score_model_directory(directory: str | Path, traces: Sequence[Trace]) -> dict[str, float]:
    """Brier, ECE and PR-AUC of a saved model's upfront probabilities on ``traces``."""
    bundle = load_bundle(directory)
    model = bundle.scorer
    P = model.predict_proba(upfront_inputs(traces))
    return evaluate_traces(model.scopes_, P, traces)
