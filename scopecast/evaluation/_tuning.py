"""Choosing the model policy's parameters by grouped cross-validation on training traces only.

The policy plans with the evaluation's costs, but a model's probabilities on unseen tasks
are never perfectly calibrated, and the expected-cost rule prices deferrals one scope at a
time. Three parameters absorb that: ``interruption_scale`` (the policy plans with
``scale * interruption``), ``batching`` (whether to batch at interruptions) and
``prior_weight`` (how much of the per-domain frequency prior to blend in). They are
chosen by grouped K-fold cross-validation: the scorer is re-fitted on the other folds, each
held-out fold is replayed under every candidate, and the candidate with the lowest expected
cost at the *evaluation* costs wins (ties: the smaller change from ``scale = 1``). Test
traces never enter this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._simulator import simulate
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.scoring import ScopeScorer
from scopecast.traces import Trace

__all__ = [
    "DEFAULT_PRIOR_WEIGHTS",
    "DEFAULT_SCALES",
    "PolicyParams",
    "TuningResult",
    "cheapest",
    "default_group",
    "grouped_folds",
    "replay_cost",
    "tune_policy",
]

DEFAULT_SCALES: tuple[float, ...] = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
"""Candidate multipliers of the interruption cost the policy plans with."""

DEFAULT_PRIOR_WEIGHTS: tuple[float, ...] = (0.0, 0.05, 0.15, 0.3)
"""Candidate weights of the per-domain frequency prior blended into the model's probabilities."""


@dataclass(frozen=True)
class PolicyParams:
    """Parameters of :class:`ModelPolicy` beyond the cost model."""

    interruption_scale: float = 1.0
    batching: bool = True
    prior_weight: float = 0.0

    def planning_costs(self, costs: CostModel) -> CostModel:
        """The costs the policy plans with: ``costs`` with the interruption scaled."""
        return costs.model_copy(
            update={"interruption": costs.interruption * self.interruption_scale}
        )


@dataclass(frozen=True)
class TuningResult:
    """The chosen parameters and every candidate's cross-validated cost per task."""

    chosen: PolicyParams
    cv_cost: dict[PolicyParams, float]
    n_folds: int


def default_group(trace: Trace) -> str:
    """The cross-validation group of a trace: its ``t-<template>`` id part, else the whole id.

    WorkBench ids carry the task template (``.../t-0123456789/007``), so every paraphrase and
    every agent's run of one template share a fold; other traces are their own group.
    """
    for part in trace.trace_id.split("/"):
        if part.startswith("t-"):
            return part
    return trace.trace_id


def grouped_folds(
    traces: Sequence[Trace], n_splits: int, group: Callable[[Trace], str] = default_group
) -> list[list[Trace]]:
    """Split ``traces`` into ``n_splits`` folds, whole groups at a time, deterministically."""
    groups = sorted({group(t) for t in traces}, key=lambda g: hashlib.sha256(g.encode()).digest())
    if len(groups) < n_splits:
        raise ConfigError(
            f"Grouped cross-validation needs at least {n_splits} groups of traces; got "
            f"{len(groups)}. Lower the number of folds or add traces of other tasks."
        )
    fold_of = {g: i % n_splits for i, g in enumerate(groups)}
    folds: list[list[Trace]] = [[] for _ in range(n_splits)]
    for trace in traces:
        folds[fold_of[group(trace)]].append(trace)
    return folds


def tune_policy(
    train: Sequence[Trace],
    catalogue: Catalogue,
    fit_scorer: Callable[[Sequence[Trace]], ScopeScorer],
    costs: CostModel | None = None,
    *,
    scales: Sequence[float] = DEFAULT_SCALES,
    batching: Sequence[bool] = (True, False),
    prior_weights: Sequence[float] = DEFAULT_PRIOR_WEIGHTS,
    n_splits: int = 5,
    group: Callable[[Trace], str] = default_group,
    progress: Callable[[int, int], None] | None = None,
) -> TuningResult:
    """Choose :class:`PolicyParams` by grouped cross-validation on ``train``.

    Parameters
    ----------
    train : Sequence[Trace]
        Training traces only.
    catalogue : Catalogue
        Risk, ``jit_only`` and ``implies``.
    fit_scorer : Callable[[Sequence[Trace]], ScopeScorer]
        Fits a scorer on the training folds (e.g. the model with the same hyper-parameters).
    costs : CostModel | None
        The evaluation costs the choice minimises (default ``CostModel()``).
    scales, batching, prior_weights
        The candidate values (``prior_weights``: of a per-domain frequency prior fitted on
        the same training folds as the scorer).
    n_splits : int
        Number of folds.
    group : Callable[[Trace], str]
        The group of a trace; a group never spans two folds.
    progress : Callable[[int, int], None] | None
        Called as ``progress(folds_done, n_splits)``.

    Returns
    -------
    TuningResult
        The parameters with the lowest cross-validated cost per task.
    """
    costs = costs if costs is not None else CostModel()
    folds = grouped_folds(train, n_splits, group)
    candidates = [PolicyParams(s, b, w) for s in scales for b in batching for w in prior_weights]
    totals = dict.fromkeys(candidates, 0.0)
    for index, held_out in enumerate(folds):
        rest = [t for i, fold in enumerate(folds) if i != index for t in fold]
        base = ModelPolicy(
            fit_scorer(rest), catalogue, costs, prior=DomainFrequencyScorer(rest), prior_weight=0.0
        )
        base.prepare(held_out)
        for params in candidates:
            totals[params] += len(held_out) * replay_cost(base, params, held_out, catalogue, costs)
        if progress is not None:
            progress(index + 1, n_splits)
    cv_cost = {p: total / len(train) for p, total in totals.items()}
    return TuningResult(cheapest(cv_cost), cv_cost, n_splits)


def replay_cost(
    base: ModelPolicy,
    params: PolicyParams,
    traces: Sequence[Trace],
    catalogue: Catalogue,
    costs: CostModel,
) -> float:
    """Cost per task of ``base`` (its probabilities already scored) under ``params`` on ``traces``.

    The cost is the one the policy is judged by: interruptions, risk-weighted over-grant and
    the consent screens shown at the start, each at its price in ``costs``.
    """
    policy = base.with_costs(costs)
    policy.batching = params.batching
    policy.interruption_scale = params.interruption_scale
    policy.prior_weight = params.prior_weight
    m = score_outcomes(simulate(traces, policy, catalogue), catalogue)
    return (
        costs.interruption * m.interruptions_per_task
        + costs.risk_weight * m.risk_overgrant_per_task
        + costs.consent_screen * (m.consent_prompts_per_task - m.interruptions_per_task)
    )


def ranked(cv_cost: dict[PolicyParams, float]) -> list[PolicyParams]:
    """The candidates from the cheapest; ties go to the smallest change from ``scale = 1``,
    then to the smaller prior weight, then to batching."""
    return sorted(
        cv_cost,
        key=lambda p: (
            round(cv_cost[p], 9),
            abs(p.interruption_scale - 1.0),
            p.prior_weight,
            not p.batching,
        ),
    )


def cheapest(cv_cost: dict[PolicyParams, float]) -> PolicyParams:
    """The first of :func:`ranked`: the candidate of lowest cost, ties broken as there."""
    return ranked(cv_cost)[0]
