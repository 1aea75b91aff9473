"""How much data and how much context the model policy needs: learning curve and context ablation.

- :func:`learning_curve`: train on growing, *grouped* subsamples of the training traces
  (whole groups are drawn, so paraphrases of one task are all in or all out, and subsets of
  one seed are nested), and report the model policy's cost per task on the test traces;
- :func:`context_ablation`: train and test with some context keys removed (``user``,
  ``org``) to see how much per-user / per-organisation context is worth.

Every point is scored with the simulator and :func:`~scopecast.evaluation.score_outcomes`, the
same code as ``scopecast evaluate``. Training goes through a :data:`Trainer`, so the curve
works for the frequency scorer (:func:`frequency_trainer`, instant) and for the real model
(:func:`model_trainer`).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import PolicyMetrics, score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._simulator import simulate
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.scoring import ScopeScorer
from scopecast.traces import Trace

__all__ = [
    "DEFAULT_CONTEXT_VARIANTS",
    "ContextAblationRow",
    "LearningCurvePoint",
    "Trainer",
    "context_ablation",
    "default_sizes",
    "frequency_trainer",
    "grouped_subsample",
    "learning_curve",
    "model_trainer",
    "without_context",
]

Trainer = Callable[[Sequence[Trace], Catalogue], ScopeScorer]
"""Fits a scorer on training traces (with the catalogue); the learning curve calls it per point."""

DEFAULT_CONTEXT_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "all context": (),
    "without user": ("user",),
    "without org": ("org",),
    "without user and org": ("user", "org"),
}
"""Context keys removed (from train and test) in each variant of :func:`context_ablation`."""


def frequency_trainer(traces: Sequence[Trace], catalogue: Catalogue) -> ScopeScorer:
    """A :class:`~scopecast.policy.DomainFrequencyScorer` on ``traces`` (the catalogue is unused)."""
    del catalogue
    return DomainFrequencyScorer(traces)


def model_trainer(*, group_pattern: str | None = None, **predictor_params: object) -> Trainer:
    """A trainer fitting :class:`scopecast.model.ScopePredictor` with these hyper-parameters.

    ``group_pattern`` groups its cross-validation as ``scopecast train --group-pattern`` does
    (default: by task template). ``scopecast.model`` is imported when the trainer is first
    called (it pulls scikit-learn). Fewer candidate ``C`` values or folds make a learning
    curve faster to draw.
    """

    def train(traces: Sequence[Trace], catalogue: Catalogue) -> ScopeScorer:
        model = importlib.import_module("scopecast.model")
        predictor = model.ScopePredictor(**predictor_params)
        fitted, _ = model.train_predictor(
            traces, catalogue, predictor=predictor, group_pattern=group_pattern
        )
        scorer: ScopeScorer = fitted
        return scorer

    return train


def _trace_group(trace: Trace) -> str:
    return trace.trace_id


def grouped_subsample(
    traces: Sequence[Trace],
    n: int,
    seed: int,
    group: Callable[[Trace], str] | None = None,
) -> list[Trace]:
    """About ``n`` traces, drawn as whole groups in a seeded random order.

    Groups are shuffled once per ``seed`` and taken until at least ``n`` traces are drawn,
    so for one seed a smaller subsample is contained in a larger one. The traces keep their
    file order. ``group`` names a trace's group (default: each trace is its own group).
    """
    if n <= 0:
        raise ConfigError(f"A learning-curve point needs at least one trace; got n={n}.")
    key = group or _trace_group
    members: dict[str, list[int]] = {}
    for index, trace in enumerate(traces):
        members.setdefault(key(trace), []).append(index)
    order = sorted(members)
    random.Random(seed).shuffle(order)
    chosen: list[int] = []
    for name in order:
        if len(chosen) >= n:
            break
        chosen.extend(members[name])
    return [traces[i] for i in sorted(chosen)]


def default_sizes(n_traces: int, n_points: int = 5, smallest: int = 20) -> list[int]:
    """Geometrically spaced training sizes from ``smallest`` (or fewer) up to ``n_traces``."""
    if n_traces <= smallest:
        return [n_traces]
    ratio = (n_traces / smallest) ** (1 / max(n_points - 1, 1))
    sizes = {min(n_traces, round(smallest * ratio**k)) for k in range(n_points)}
    return sorted(sizes | {n_traces})


@dataclass(frozen=True)
class LearningCurvePoint:
    """The model policy trained on ``n_train`` traces (one seed), scored on the test traces.

    ``size`` is the size asked for; whole groups are drawn until at least that many traces
    are in, so ``n_train`` may exceed it and differ from seed to seed. Points of one size
    are one point of the curve (its spread is the seeds'); ``None`` reads as ``n_train``.
    """

    n_train: int
    n_groups: int
    seed: int
    interruptions_per_task: float
    risk_overgrant_per_task: float
    cost_per_task: float
    size: int | None = None

    @property
    def target(self) -> int:
        """The size asked for (``n_train`` when not recorded)."""
        return self.n_train if self.size is None else self.size


def _score(
    scorer: ScopeScorer,
    test: Sequence[Trace],
    catalogue: Catalogue,
    costs: CostModel,
    batching: bool,
    interruption_scale: float,
) -> PolicyMetrics:
    policy = ModelPolicy(
        scorer, catalogue, costs, batching=batching, interruption_scale=interruption_scale
    )
    return score_outcomes(simulate(test, policy, catalogue), catalogue)


def learning_curve(
    train: Sequence[Trace],
    test: Sequence[Trace],
    catalogue: Catalogue,
    trainer: Trainer = frequency_trainer,
    *,
    sizes: Sequence[int] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    group: Callable[[Trace], str] | None = None,
    costs: CostModel | None = None,
    batching: bool = True,
    interruption_scale: float = 1.0,
    reference: ScopeScorer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LearningCurvePoint]:
    """Cost per task of the model policy as the number of training traces grows.

    Parameters
    ----------
    train, test : Sequence[Trace]
        Training traces to subsample; test traces to score on (always all of them).
    catalogue : Catalogue
        Risk, ``jit_only`` and ``implies``.
    trainer : Trainer
        Fits a scorer on a subsample (default: the frequency scorer).
    sizes : Sequence[int] | None
        Target numbers of training traces (default :func:`default_sizes`). The full set is
        drawn once, whatever the seeds.
    seeds : Sequence[int]
        One subsample per seed and size.
    group : Callable[[Trace], str] | None
        Names a trace's group for :func:`grouped_subsample`.
    costs : CostModel | None
        The model policy's costs (default: ``CostModel()``, the default operating point).
    batching : bool
        Whether the model policy batches at interruptions (as ``scopecast evaluate``).
    interruption_scale : float
        The model policy plans with ``interruption_scale * costs.interruption``. Pass the
        evaluated policy's ``batching`` and ``interruption_scale`` (those ``scopecast train``
        chose and stored with the model) so the full-size point is that policy; every
        smaller point plans with the same parameters.
    reference : ScopeScorer | None
        A scorer already trained on all of ``train`` (the model of ``scopecast evaluate``):
        it is scored for the full-size point instead of training again, so that point is
        the evaluation's own model policy.
    progress : Callable[[int, int], None] | None
        Called as ``progress(done, total)`` after each point.

    Returns
    -------
    list[LearningCurvePoint]
        By size, then seed.
    """
    cost_model = costs or CostModel()
    targets = sorted(set(sizes)) if sizes is not None else default_sizes(len(train))
    key = group or _trace_group
    jobs: list[tuple[int, int]] = []
    for size in targets:
        jobs.extend((size, seed) for seed in (seeds if size < len(train) else seeds[:1]))
    points = []
    for done, (size, seed) in enumerate(jobs, start=1):
        subset = grouped_subsample(train, size, seed, group)
        full = reference is not None and len(subset) == len(train)
        scorer = reference if full and reference is not None else trainer(subset, catalogue)
        metrics = _score(scorer, test, catalogue, cost_model, batching, interruption_scale)
        points.append(
            LearningCurvePoint(
                n_train=len(subset),
                n_groups=len({key(t) for t in subset}),
                seed=seed,
                interruptions_per_task=metrics.interruptions_per_task,
                risk_overgrant_per_task=metrics.risk_overgrant_per_task,
                cost_per_task=metrics.cost_per_task,
                size=min(size, len(train)),
            )
        )
        if progress is not None:
            progress(done, len(jobs))
    return points


def without_context(traces: Sequence[Trace], keys: Sequence[str]) -> list[Trace]:
    """The traces with the context keys ``keys`` removed (nothing else changes)."""
    drop = set(keys)
    if not drop:
        return list(traces)
    return [
        trace.model_copy(
            update={"context": {k: v for k, v in trace.context.items() if k not in drop}}
        )
        for trace in traces
    ]


@dataclass(frozen=True)
class ContextAblationRow:
    """The model policy trained and tested without the context keys ``dropped``."""

    variant: str
    dropped: tuple[str, ...]
    interruptions_per_task: float
    risk_overgrant_per_task: float
    cost_per_task: float


def context_ablation(
    train: Sequence[Trace],
    test: Sequence[Trace],
    catalogue: Catalogue,
    trainer: Trainer = frequency_trainer,
    *,
    variants: Mapping[str, Sequence[str]] = DEFAULT_CONTEXT_VARIANTS,
    costs: CostModel | None = None,
    batching: bool = True,
    interruption_scale: float = 1.0,
    reference: ScopeScorer | None = None,
) -> list[ContextAblationRow]:
    """Cost per task with and without per-user / per-organisation context.

    Each variant removes its keys from the training *and* the test traces (a deployment
    without that context), trains with ``trainer`` and scores the model policy. A variant
    that removes no key present in the traces leaves the data unchanged, so it is scored
    with the model trained on all the context: ``reference`` (a scorer already trained on
    ``train``) if given, else one trained once. Every variant's policy batches and plans
    with ``batching`` and ``interruption_scale`` (pass the evaluated model policy's).
    """
    cost_model = costs or CostModel()
    present = {key for trace in [*train, *test] for key in trace.context}
    full: ScopeScorer | None = reference
    rows = []
    for name, keys in variants.items():
        if present.isdisjoint(keys):  # the data do not change: nor does the model
            if full is None:
                full = trainer(train, catalogue)
            scorer = full
        else:
            scorer = trainer(without_context(train, keys), catalogue)
        metrics = _score(
            scorer,
            without_context(test, keys),
            catalogue,
            cost_model,
            batching,
            interruption_scale,
        )
        rows.append(
            ContextAblationRow(
                name,
                tuple(keys),
                metrics.interruptions_per_task,
                metrics.risk_overgrant_per_task,
                metrics.cost_per_task,
            )
        )
    return rows
