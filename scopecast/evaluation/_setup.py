"""Assembling an evaluation from files: test traces, training traces, catalogue, scorer, policies.

The CLI (``scopecast evaluate``) is a thin wrapper around :func:`build_evaluation`. The
baselines are fitted on the training traces (``--train``, or the files the model was trained
on, as its metadata records them). Without a model directory, the model policy uses a
:class:`~scopecast.policy.DomainFrequencyScorer` fitted on the training traces.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast.catalogue import Catalogue, load_catalogue
from scopecast.evaluation._baselines import fit_baselines
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._simulator import Policy
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.scoring import ScopeScorer
from scopecast.traces import Trace, read_traces

__all__ = ["EvaluationSetup", "build_evaluation", "training_files_of"]

_TRAIN_KEYS = ("train_files", "training_files", "train_paths", "data_files", "train")


@dataclass(frozen=True)
class EvaluationSetup:
    """Everything an evaluation needs, loaded and fitted."""

    test: Sequence[Trace]
    train: Sequence[Trace]
    catalogue: Catalogue
    policies: Sequence[Policy]
    model_policy: ModelPolicy
    description: str


def training_files_of(metadata: object) -> list[Path]:
    """The training files a model's metadata records (empty if it records none)."""
    data = metadata
    if hasattr(metadata, "model_dump"):
        data = metadata.model_dump()
    if not isinstance(data, Mapping):
        return []
    for key in _TRAIN_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            return [Path(value)]
        if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
            return [Path(v) for v in value]
        if isinstance(value, Sequence) and value and all(isinstance(v, Mapping) for v in value):
            return [Path(str(v["path"])) for v in value if "path" in v]
    nested = data.get("data")
    return training_files_of(nested) if isinstance(nested, Mapping) else []


def _load_model(model_dir: Path) -> tuple[ScopeScorer, Catalogue, object]:
    try:
        # Imported by name: scopecast.model is heavy (scikit-learn) and optional here.
        load_scorer = importlib.import_module("scopecast.model").load_scorer
    except (ImportError, AttributeError) as err:
        raise ConfigError(
            f"Cannot load the model in {model_dir}: scopecast.model.load_scorer is not "
            f"available ({err}). Evaluate without --model to use the frequency scorer."
        ) from err
    bundle = load_scorer(model_dir)
    return bundle.scorer, bundle.catalogue, bundle.metadata


def build_evaluation(
    *,
    traces: Sequence[Path],
    model_dir: Path | None,
    train: Sequence[Path],
    catalogue_path: Path | None,
    interruption_cost: float = 1.0,
    consent_screen_cost: float = 0.0,
    risk_weight: float = 1.0,
    batching: bool = True,
) -> EvaluationSetup:
    """Load the files and build the policies of ``scopecast evaluate``.

    Raises
    ------
    ConfigError
        If no training data or no catalogue can be found, or a cost is negative.
    DataValidationError
        If a trace or catalogue file is malformed.
    """
    try:
        costs = CostModel(
            interruption=interruption_cost,
            consent_screen=consent_screen_cost,
            risk_weight=risk_weight,
        )
    except ValueError as err:
        raise ConfigError(f"Costs must be non-negative numbers: {err}") from None
    scorer: ScopeScorer | None = None
    catalogue: Catalogue | None = None
    train_paths = list(train)
    source = "frequency scorer"
    if model_dir is not None:
        scorer, catalogue, metadata = _load_model(model_dir)
        source = f"model {model_dir}"
        if not train_paths:
            train_paths = training_files_of(metadata)
            if not train_paths:
                raise ConfigError(
                    f"The model in {model_dir} does not record its training files, so the "
                    f"baselines have no training data. Pass them with --train."
                )
    if not train_paths:
        raise ConfigError(
            "The baselines need training traces: pass --train FILE (or --model DIR of a "
            "model that records its training data)."
        )
    if catalogue_path is not None:
        catalogue = load_catalogue(catalogue_path)
    if catalogue is None:
        raise ConfigError(
            "No catalogue: pass --catalogue FILE (risk, jit_only and implies of the scopes), "
            "or --model DIR of a model that stores one."
        )
    test = read_traces(traces)
    train_traces = read_traces(train_paths)
    if scorer is None:
        scorer = DomainFrequencyScorer(train_traces)
    model_policy = ModelPolicy(scorer, catalogue, costs, batching=batching)
    baselines = fit_baselines(train_traces)
    policies = [*baselines[:4], model_policy, baselines[4]]
    description = (
        f"model policy: {source}, interruption cost {costs.interruption:g}, consent screen "
        f"{costs.consent_screen:g}, risk weight {costs.risk_weight:g}, batching "
        f"{'on' if batching else 'off'}; baselines trained on "
        f"{', '.join(p.name for p in train_paths)} ({len(train_traces)} traces); "
        f"cost per task = interruptions + risk over-grant"
    )
    return EvaluationSetup(test, train_traces, catalogue, policies, model_policy, description)
