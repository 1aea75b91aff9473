"""The train-and-save workflow behind ``scopecast train``, and scoring a model directory on traces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scopecast.catalogue import Catalogue
from scopecast.evaluation._oof_tuning import cross_fitted_table, tune_policy_cross_fitted
from scopecast.model._bounded import train_bounded
from scopecast.model._crossfit import ProgressCallback
from scopecast.model._metrics import evaluate_traces, upfront_inputs
from scopecast.model._persistence import load_bundle, save_model
from scopecast.model._predictor import ScopePredictor
from scopecast.model._training import data_hash, train_predictor
from scopecast.traces import Trace

__all__ = [
    "TrainingResult",
    "score_model_directory",
    "train_stream_to_directory",
    "train_to_directory",
]


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
    """Traces the model was fitted on."""
    n_seen: int
    """Traces read (more than ``n_traces`` when a bounded sample was fitted)."""
    n_groups_fitted: int | None = None
    """With a bounded sample: the CV groups it holds traces of."""
    n_groups_seen: int | None = None
    """With a bounded sample: the CV groups read, counted up to ``max_traces + 1`` (a count
    above ``max_traces`` means at least that many)."""


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
    return _save(
        model,
        merged,
        out,
        data_hash(traces),
        traces,
        n_seen=len(traces),
        max_traces=None,
        group_pattern=group_pattern,
        prefix_weight=prefix_weight,
        train_files=train_files,
        progress=progress,
    )


def train_stream_to_directory(
    traces: Iterable[Trace],
    out: str | Path,
    catalogue: Catalogue | None = None,
    *,
    max_traces: int,
    predictor: ScopePredictor | None = None,
    group_pattern: str | None = None,
    prefix_weight: float = 1.0,
    train_files: Sequence[str | Path] = (),
    progress: ProgressCallback | None = None,
) -> TrainingResult:
    """Like :func:`train_to_directory`, for a stream: fit on a bounded grouped sample.

    ``traces`` is read once (e.g. :func:`scopecast.traces.iter_trace_files` over large
    files) through :func:`~scopecast.model.train_bounded`: the catalogue and the data hash
    come from every trace, the model is fitted on at most ``max_traces`` of them. A stream
    of at most ``max_traces`` traces gives the model, catalogue, data hash and policy that
    :func:`train_to_directory` gives on the same traces. The policy is chosen by replaying
    the sample. The metadata's ``params`` record ``max_traces``, ``n_seen`` (traces read)
    and ``n_fitted`` (traces fitted on).

    Raises
    ------
    ConfigError
        If ``max_traces`` is not positive.
    DataValidationError, ModelError
        If the traces cannot be read or cannot train a model.
    ArtifactError
        If the directory cannot be written.
    """
    model, merged, sample = train_bounded(
        traces,
        catalogue,
        max_traces=max_traces,
        predictor=predictor,
        group_pattern=group_pattern,
        prefix_weight=prefix_weight,
        progress=progress,
    )
    result = _save(
        model,
        merged,
        out,
        sample.data_hash,
        sample.traces,
        n_seen=sample.n_seen,
        max_traces=max_traces,
        group_pattern=group_pattern,
        prefix_weight=prefix_weight,
        train_files=train_files,
        progress=progress,
    )
    return replace(result, n_groups_fitted=sample.n_groups_kept, n_groups_seen=sample.n_groups_seen)


def _save(
    model: ScopePredictor,
    merged: Catalogue,
    out: str | Path,
    digest: str,
    fitted: Sequence[Trace],
    *,
    n_seen: int,
    max_traces: int | None,
    group_pattern: str | None,
    prefix_weight: float,
    train_files: Sequence[str | Path],
    progress: ProgressCallback | None,
) -> TrainingResult:
    """Choose the policy on the ``fitted`` traces and save the model with its metadata."""
    params: dict[str, object] = {
        **{k: v for k, v in model.get_params(deep=False).items() if k != "featurizer"},
        "featurizer": repr(model.featurizer_),
        "group_pattern": group_pattern,
        "prefix_weight": prefix_weight,
        "train_files": [str(Path(f).resolve()) for f in train_files],
        "max_traces": max_traces,
        "n_seen": n_seen,
        "n_fitted": len(fitted),
        "chosen_C": model.C_,
        "chosen_calibration": model.calibration_,
        "n_modelled_scopes": len(model.modelled_),
        "n_scopes": len(model.scopes_),
    }
    metrics = {f"cv_{k}": v for k, v in model.cv_metrics_.items()}
    if progress is not None:
        progress("choosing the policy", 0, 1)
    tuning = tune_policy_cross_fitted(
        fitted, cross_fitted_table(fitted, model.oof_proba_, model.scopes_), merged
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
    return TrainingResult(directory, model, merged, digest, params, metrics, len(fitted), n_seen)


def score_model_directory(directory: str | Path, traces: Sequence[Trace]) -> dict[str, float]:
    """Brier, ECE and PR-AUC of a saved model's upfront probabilities on ``traces``.

    The directory must load in the runtime too (its compact files and their checksums):
    figures for a model that ``PreAuthorizer`` refuses describe nothing it serves.
    """
    from scopecast.runtime import load_scorer as runtime_load_scorer

    bundle = load_bundle(directory)
    runtime_load_scorer(directory)
    model = bundle.scorer
    P = model.predict_proba(upfront_inputs(traces))
    return evaluate_traces(model.scopes_, P, traces)
