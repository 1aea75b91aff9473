"""Assembling an evaluation from files: test traces, training traces, catalogue, scorer, policies.

The CLI (``scopecast evaluate``) is a thin wrapper around :func:`build_evaluation`. The
baselines are fitted on the training traces (``--train``, or the files the model was trained
on, as its metadata records them). Without a model directory, the model policy uses a
:class:`~scopecast.policy.DomainFrequencyScorer` fitted on the training traces.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast._model_files import read_metadata, recorded_policy_params
from scopecast.catalogue import Catalogue, load_catalogue
from scopecast.evaluation._baselines import fit_baselines
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._simulator import Policy
from scopecast.evaluation._tuning import PolicyParams, TuningResult, default_group, tune_policy
from scopecast.exceptions import ConfigError, DataValidationError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.scoring import ScopeScorer
from scopecast.traces import Trace, read_traces

__all__ = ["EvaluationSetup", "build_evaluation", "check_disjoint", "training_files_of"]

logger = logging.getLogger(__name__)

SHOWN_OVERLAP = 5
"""How many overlapping trace ids an overlap error lists."""


@dataclass(frozen=True)
class EvaluationSetup:
    """Everything an evaluation needs, loaded and fitted."""

    test: Sequence[Trace]
    train: Sequence[Trace]
    catalogue: Catalogue
    policies: Sequence[Policy]
    model_policy: ModelPolicy
    description: str
    tuning: TuningResult | None = None
    group: Callable[[Trace], str] = default_group
    """The group of a trace for the bootstrap intervals (resampled together): with a model,
    the groups its grouped CV held out (as ``--tune`` folds them), else ``default_group``."""


def training_files_of(metadata: Mapping[str, object]) -> list[Path]:
    """The training files a model's metadata records (``params.train_files``; may be empty)."""
    params = metadata.get("params")
    files = params.get("train_files") if isinstance(params, Mapping) else None
    if isinstance(files, Sequence) and not isinstance(files, str):
        return [Path(str(f)) for f in files]
    return []


def _check_training_data(
    model_dir: Path, metadata: Mapping[str, object], traces: Sequence[Trace]
) -> None:
    """Fail if the recorded training files no longer hold the data the model was trained on."""
    recorded = metadata.get("data_hash")
    if not isinstance(recorded, str):
        return
    data_hash = importlib.import_module("scopecast.model").data_hash
    actual = data_hash(traces)
    if actual != recorded:
        raise ConfigError(
            f"The training files recorded by the model in {model_dir} have changed since it "
            f"was trained (data hash {actual[:12]}..., expected {recorded[:12]}...), so the "
            f"baselines would not see the model's training data. Pass the right files with "
            f"--train, or retrain the model."
        )


def check_disjoint(test: Sequence[Trace], train: Sequence[Trace], train_name: str) -> None:
    """Fail if an evaluated trace id is also a training trace id.

    A policy fitted on the traces it is scored on reports optimistic numbers, silently;
    the evaluation must be on held-out traces.

    Raises
    ------
    DataValidationError
        Naming how many ids overlap, the first few, and how to fix it.
    """
    overlap = sorted({t.trace_id for t in test} & {t.trace_id for t in train})
    if not overlap:
        return
    shown = ", ".join(repr(i) for i in overlap[:SHOWN_OVERLAP])
    more = f" and {len(overlap) - SHOWN_OVERLAP} more" if len(overlap) > SHOWN_OVERLAP else ""
    raise DataValidationError(
        f"{len(overlap)} of the {len(test)} evaluated trace(s) are also in {train_name} "
        f"(trace ids {shown}{more}); scoring a policy on the traces it was fitted on "
        f"overstates it. Evaluate on held-out traces: remove these traces from the test "
        f"files or from the training files (and retrain the model if they were in its data)."
    )


def _check_model_data(
    model_dir: Path,
    metadata: Mapping[str, object],
    test: Sequence[Trace],
    train: Sequence[Trace],
) -> str:
    """Check the test traces against the training data a model records; say how it relates.

    Used when ``--train`` is given with ``--model``: the model may have been trained on
    other data than the baselines, so its own recorded training files (when still
    readable) are checked for overlap with the test traces too. Returns a note for the
    description when the baselines' training data is not the model's.
    """
    recorded = metadata.get("data_hash")
    data_hash = importlib.import_module("scopecast.model").data_hash
    if isinstance(recorded, str) and data_hash(test) == recorded:
        raise DataValidationError(
            f"The evaluated traces are exactly the data the model in {model_dir} was trained "
            f"on (same data hash {recorded[:12]}...); scoring it there overstates it. "
            f"Evaluate on held-out traces."
        )
    if isinstance(recorded, str) and data_hash(train) == recorded:
        return ""
    files = [f for f in training_files_of(metadata) if f.is_file()]
    if files:
        check_disjoint(test, read_traces(files), f"the training data of the model in {model_dir}")
    else:
        logger.warning(
            "The model in %s does not record readable training files; cannot check its "
            "training data against the evaluated traces.",
            model_dir,
        )
    return " (not the model's training data)" if isinstance(recorded, str) else ""


def _model_refitter(
    scorer: ScopeScorer, catalogue: Catalogue, metadata: Mapping[str, object]
) -> Callable[[Sequence[Trace]], ScopeScorer]:
    """Re-fit a loaded model's estimator on other traces, as it was trained.

    With the C and calibration it chose, and the training's own ``group_pattern`` and
    ``prefix_weight`` (from the metadata's ``params``): grouping the inner cross-validation
    otherwise than the training did changes which source each scope gets.
    """
    model = importlib.import_module("scopecast.model")
    clone = importlib.import_module("sklearn.base").clone
    fixed = {
        name: getattr(scorer, f"{name}_")
        for name in ("C", "calibration")
        if hasattr(scorer, f"{name}_")
    }
    params = metadata.get("params")
    recorded = params if isinstance(params, Mapping) else {}
    pattern = recorded.get("group_pattern")
    prefix_weight = recorded.get("prefix_weight")
    how: dict[str, object] = {
        "group_pattern": pattern if isinstance(pattern, str) else None,
        "prefix_weight": (
            float(prefix_weight)
            if isinstance(prefix_weight, int | float) and not isinstance(prefix_weight, bool)
            else 1.0
        ),
    }

    def refit(traces: Sequence[Trace]) -> ScopeScorer:
        estimator = clone(scorer).set_params(**fixed)
        predictor, _ = model.train_predictor(traces, catalogue, predictor=estimator, **how)
        assert isinstance(predictor, ScopeScorer)
        return predictor

    return refit


def _tuning_group(metadata: Mapping[str, object]) -> Callable[[Trace], str]:
    """The groups ``--tune`` folds a model's training traces by: those its training used.

    The training's ``group_pattern`` (from the metadata's ``params``), else the task
    template, as ``scopecast train`` and ``scopecast crossval`` group; ``default_group``
    (the WorkBench ``t-`` id part, else the trace itself) put paraphrases of one task in
    different folds on any other data, so the held-out fold was no longer unseen.
    """
    group_of = importlib.import_module("scopecast.model").group_of
    params = metadata.get("params")
    recorded = params if isinstance(params, Mapping) else {}
    pattern = recorded.get("group_pattern")
    pattern = pattern if isinstance(pattern, str) else None

    def group(trace: Trace) -> str:
        # a trace_id capture as is (the WorkBench t- part: the folds default_group made there)
        return str(group_of(trace, pattern)).removeprefix("id:")

    return group


def read_traces_to_score(paths: Sequence[Path], purpose: str) -> list[Trace]:
    """The traces of ``paths``; an error if they hold none (an empty table or NaN metrics
    would follow, with exit 0).

    Raises
    ------
    DataValidationError
        When the files hold no trace (or as :func:`~scopecast.traces.read_traces`).
    """
    traces = read_traces(paths)
    if not traces:
        raise DataValidationError(
            f"No trace to {purpose}: {', '.join(map(str, paths))} hold(s) no trace. Pass "
            f"JSON Lines files of traces (the format: README.md, 'Traces and catalogues')."
        )
    return traces


def check_held_out(model_dir: Path, traces: Sequence[Trace]) -> None:
    """Fail if ``traces`` are (or overlap) the training data the model in ``model_dir``
    records, as :func:`build_evaluation` does: in-sample scores overstate a model.

    Raises
    ------
    DataValidationError
        Naming the overlap and how to fix it.
    """
    _check_model_data(model_dir, read_metadata(model_dir), traces, ())


def check_servable(model_dir: Path) -> None:
    """Fail unless the runtime would load ``model_dir`` too (its compact files and their
    checksums): figures for a model that ``PreAuthorizer`` refuses describe nothing it serves.

    Raises
    ------
    ArtifactError
        As :func:`scopecast.runtime.load_scorer` does.
    """
    from scopecast.runtime import load_scorer as runtime_load_scorer

    runtime_load_scorer(model_dir)


def _load_model(model_dir: Path) -> tuple[ScopeScorer, Catalogue, Mapping[str, object]]:
    try:
        # Imported by name: scopecast.model is heavy (scikit-learn) and optional here.
        load_scorer = importlib.import_module("scopecast.model").load_scorer
    except (ImportError, AttributeError) as err:
        raise ConfigError(
            f"Cannot load the model in {model_dir}: scopecast.model.load_scorer is not "
            f"available ({err}). Evaluate without --model to use the frequency scorer."
        ) from err
    bundle = load_scorer(model_dir)
    check_servable(model_dir)
    return bundle.scorer, bundle.catalogue, bundle.metadata


def recorded_policy(metadata: Mapping[str, object]) -> PolicyParams:
    """The policy parameters ``scopecast train`` chose and stored (defaults if none)."""
    scale, batching = recorded_policy_params(metadata)
    return PolicyParams(1.0 if scale is None else scale, True if batching is None else batching)


def build_evaluation(
    *,
    traces: Sequence[Path],
    model_dir: Path | None,
    train: Sequence[Path],
    catalogue_path: Path | None,
    interruption_cost: float = 1.0,
    consent_screen_cost: float = 0.0,
    risk_weight: float = 1.0,
    batching: bool | None = None,
    interruption_scale: float | None = None,
    prior_weight: float = 0.0,
    tune_folds: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationSetup:
    """Load the files and build the policies of ``scopecast evaluate``.

    ``interruption_scale`` and ``batching`` left at ``None`` take the values ``scopecast
    train`` chose and stored with the model (:func:`recorded_policy`), else 1 and on.
    With ``tune_folds > 0`` the model policy's ``interruption_scale``, ``batching`` and
    ``prior_weight`` (of a per-domain frequency prior fitted on the training traces) are
    chosen by grouped cross-validation on the training traces (the model re-fitted per
    fold with its own hyper-parameters), overriding the values passed; ``progress`` is
    called as folds finish.

    Raises
    ------
    ConfigError
        If no training data or no catalogue can be found, or a cost is negative.
    DataValidationError
        If a trace or catalogue file is malformed, or an evaluated trace id is also a
        training trace id (of the baselines, or of the model's recorded training data).
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
    metadata: Mapping[str, object] = {}
    uses_recorded = False
    if model_dir is not None:
        scorer, catalogue, metadata = _load_model(model_dir)
        source = f"model {model_dir}"
        if not train_paths:
            train_paths = training_files_of(metadata)
            uses_recorded = True
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
    test = read_traces_to_score(traces, "evaluate on")
    train_traces = read_traces(train_paths)
    if not train_traces:
        raise DataValidationError(
            f"The baselines' training traces {', '.join(map(str, train_paths))} hold no "
            f"trace, so all_known and frequency would learn nothing. Pass --train files with "
            f"traces, or leave --train out to use the model's own training data."
        )
    check_disjoint(test, train_traces, "the baseline training traces")
    data_note = ""
    if uses_recorded and model_dir is not None:
        _check_training_data(model_dir, metadata, train_traces)
    elif model_dir is not None:
        data_note = _check_model_data(model_dir, metadata, test, train_traces)
    refit: Callable[[Sequence[Trace]], ScopeScorer] = DomainFrequencyScorer
    tuning_group: Callable[[Trace], str] = default_group
    if scorer is None:
        scorer = DomainFrequencyScorer(train_traces)
    else:
        refit = _model_refitter(scorer, catalogue, metadata)
        tuning_group = _tuning_group(metadata)
    tuning = None
    recorded = recorded_policy(metadata)
    params = PolicyParams(
        recorded.interruption_scale if interruption_scale is None else interruption_scale,
        recorded.batching if batching is None else batching,
        prior_weight,
    )
    chosen_at_training = recorded_policy_params(metadata)[0] is not None and params == (
        PolicyParams(recorded.interruption_scale, recorded.batching, prior_weight)
    )
    if tune_folds > 0:
        tuning = tune_policy(
            train_traces,
            catalogue,
            refit,
            costs,
            n_splits=tune_folds,
            group=tuning_group,
            progress=progress,
        )
        params = tuning.chosen
    model_policy = ModelPolicy(
        scorer,
        catalogue,
        costs,
        batching=params.batching,
        interruption_scale=params.interruption_scale,
        prior=DomainFrequencyScorer(train_traces),
        prior_weight=params.prior_weight,
    )
    baselines = fit_baselines(train_traces)
    policies = [*baselines[:4], model_policy, baselines[4]]
    description = (
        f"model policy: {source}, interruption cost {costs.interruption:g}, consent screen "
        f"{costs.consent_screen:g}, risk weight {costs.risk_weight:g}, planning scale "
        f"{params.interruption_scale:g}, prior weight {params.prior_weight:g}"
        f"{' (grouped CV)' if tuning else ' (chosen at training)' if chosen_at_training else ''}"
        f", batching "
        f"{'on' if params.batching else 'off'}; baselines trained on "
        f"{', '.join(p.name for p in train_paths)} ({len(train_traces)} traces){data_note}; "
        f"cost per task = interruptions + risk over-grant"
    )
    return EvaluationSetup(
        test, train_traces, catalogue, policies, model_policy, description, tuning, tuning_group
    )
