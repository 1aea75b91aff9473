"""Nested grouped cross-validation: what the whole method costs on groups of tasks it never saw.

``scopecast train`` reports ``cv_policy_cost_per_task``: the cost of the policy settings it
chose (planning scale, batching), on the same out-of-fold predictions it chose them with. That
is an estimate with a thumb on the scale. :func:`nested_policy_cost` removes it: it holds out
whole groups of traces (the groups ``scopecast train`` cross-validates by), runs on the rest
everything ``scopecast train`` runs (the model's own grouped CV, then the choice of the
policy's settings), replays the held-out traces under that policy, and scores the held-out
outcomes of every fold together. Nothing of a held-out group reaches any choice made for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scopecast.catalogue import Catalogue
from scopecast.evaluation._intervals import CostInterval, cost_intervals
from scopecast.evaluation._metrics import PolicyMetrics, score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._oof_tuning import cross_fitted_table, tune_policy_cross_fitted
from scopecast.evaluation._simulator import TraceOutcome, simulate
from scopecast.evaluation._tuning import grouped_folds
from scopecast.exceptions import ConfigError, ModelError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.traces import Trace

__all__ = ["NestedFold", "NestedResult", "nested_policy_cost"]


@dataclass(frozen=True)
class NestedFold:
    """One outer fold: what was trained on, what was chosen there, and what it cost."""

    n_train: int
    n_held_out: int
    interruption_scale: float
    batching: bool
    inner_cost_per_task: float
    """The training run's own estimate on its training traces (``cv_policy_cost_per_task``)."""
    held_out_cost_per_task: float


@dataclass(frozen=True)
class NestedResult:
    """The held-out outcomes of every fold, scored together, and each fold's choices."""

    metrics: PolicyMetrics
    folds: tuple[NestedFold, ...]
    outcomes: tuple[TraceOutcome, ...]
    """Fold by fold (the first ``folds[0].n_held_out`` are fold 0's), each fold's traces in
    the order given."""
    interval: CostInterval
    """The cost per task with its 95% bootstrap interval over the groups the folds held out
    (another sample of groups like these): two settings whose nested costs differ by much
    less than its width cannot be told apart by these traces."""


def nested_policy_cost(
    traces: Sequence[Trace],
    catalogue: Catalogue | None = None,
    *,
    n_folds: int = 5,
    group_pattern: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NestedResult:
    """Cost of the trained model policy on held-out groups, by nested grouped CV.

    Parameters
    ----------
    traces : sequence of Trace
        The training traces (never the test file: this estimate is for choosing).
    catalogue : Catalogue, optional
        A written catalogue, merged with the one derived from the traces as ``scopecast
        train`` does: each fold's model with the catalogue of its own training traces; every
        outcome is scored with that of all the traces, so that a scope has one risk.
    n_folds : int
        Outer folds (at least 2), whole groups at a time.
    group_pattern : str, optional
        As for ``scopecast train``: a regex on ``trace_id`` naming a trace's group (first
        capture), else the task template. The outer folds use the same groups.
    progress : callable, optional
        ``progress(done, total)`` after each fold.

    The costs are the defaults (``CostModel()``), with which ``scopecast train`` chooses
    the policy's settings and the metrics are defined.

    Raises
    ------
    ConfigError
        If ``n_folds`` is below 2 or above the number of groups.
    ModelError
        If a fold's training traces cannot train a model (the message names the fold).
    """
    from scopecast.model import group_of, train_predictor, training_catalogue
    from scopecast.model._grouping import groups_for

    if n_folds < 2:
        raise ConfigError(f"Nested cross-validation needs at least 2 folds; got {n_folds}.")
    groups_for(list(traces), group_pattern)  # a pattern that matches no trace id is a mistake
    costs = CostModel()
    folds = grouped_folds(traces, n_folds, lambda t: group_of(t, group_pattern))
    fold_of = {id(t): i for i, fold in enumerate(folds) for t in fold}
    scoring = training_catalogue(traces, catalogue)
    results: list[NestedFold] = []
    outcomes: list[TraceOutcome] = []
    for i, held in enumerate(folds):
        rest = [t for t in traces if fold_of[id(t)] != i]  # in the order given, as in training
        try:
            model, merged = train_predictor(rest, catalogue, group_pattern=group_pattern)
        except ModelError as err:
            raise ModelError(f"Outer fold {i + 1} of {len(folds)}: {err}") from err
        tuning = tune_policy_cross_fitted(
            rest, cross_fitted_table(rest, model.oof_proba_, model.scopes_), merged, costs
        )
        chosen = tuning.chosen
        policy = ModelPolicy(
            model,
            merged,
            costs,
            batching=chosen.batching,
            interruption_scale=chosen.interruption_scale,
            prior=DomainFrequencyScorer(rest),
        )
        fold_outcomes = simulate(held, policy, merged)
        outcomes += fold_outcomes
        results.append(
            NestedFold(
                n_train=len(rest),
                n_held_out=len(held),
                interruption_scale=chosen.interruption_scale,
                batching=chosen.batching,
                inner_cost_per_task=tuning.cv_cost[chosen],
                held_out_cost_per_task=score_outcomes(fold_outcomes, scoring).cost_per_task,
            )
        )
        if progress is not None:
            progress(i + 1, len(folds))
    (interval,) = cost_intervals(
        traces, {"nested": outcomes}, scoring, group=lambda t: group_of(t, group_pattern)
    )
    return NestedResult(
        score_outcomes(outcomes, scoring), tuple(results), tuple(outcomes), interval
    )
