"""The train-and-save workflow behind ``scopecast train``, and scoring a model directory on traces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast.catalogue import Catalogue
from scopecast.evaluation._oof_tuning import cross_fitted_table, tune_policy_cross_fitted
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

    The policy's ``interruption_scale`` and batching are chosen too, by replaying the
    training traces with the model's cross-fitted probabilities
    (:func:`~scopecast.evaluation.tune_policy_cross_fitted`); they are stored in the
    metadata's ``params`` (``policy_interruption_scale``, ``policy_batching``) with the
    cross-validated cost per task in ``metrics`` (``cv_policy_cost_per_task``).

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
    if progress is not None:
        progress("choosing the policy", 0, 1)
    tuning = tune_policy_cross_fitted(
        traces, cross_fitted_table(traces, model.oof_proba_, model.scopes_), merged
    )
    params["policy_interruption_scale"] = tuning.chosen.interruption_scale
    params["policy_batching"] = tuning.chosen.batching
    metrics["cv_policy_cost_per_task"] = tuning.cv_cost[tuning.chosen]
    if progress is not None:
        progress("choosing the policy", 1, 1)
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
