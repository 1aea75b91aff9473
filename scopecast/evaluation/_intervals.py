"""How sure a cost per task is: bootstrap intervals over groups of traces.

A test file of a few dozen traces (AgentDojo's has 29) gives a cost per task whose sampling
error is as large as the differences between policies, and the traces of one WorkBench task
template (its paraphrases, each agent's run) are not independent. So the traces are
resampled by group (:func:`~scopecast.evaluation._tuning.default_group`: the ``t-<template>``
part of a trace id, else the trace itself), with replacement, and each resample's cost per
task is recomputed; the interval is the middle ``level`` of those costs (percentile
bootstrap). Policies scored on the same traces are compared on the *same* resamples, so the
interval of a difference between two policies is paired: it leaves out the variation both
share (which traces are hard).

The point estimates are those of :func:`~scopecast.evaluation.score_outcomes`; the intervals
say how far they might move on another sample of tasks like these. They do not cover a shift
to tasks unlike these (new tools, new agents), which grouped cross-validation estimates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import score_outcomes
from scopecast.evaluation._simulator import TraceOutcome
from scopecast.evaluation._tuning import default_group
from scopecast.exceptions import ConfigError
from scopecast.traces import Trace

__all__ = ["N_RESAMPLES", "CostInterval", "cost_intervals", "trace_costs"]

_Groups = npt.NDArray[np.int64]
_DRAWS_PER_CHUNK = 4_000_000
N_RESAMPLES = 2000
"""Bootstrap resamples by default."""


@dataclass(frozen=True)
class CostInterval:
    """A cost per task (or a difference of two) with its bootstrap interval.

    Attributes
    ----------
    name : str
        The policy (``"model - frequency"`` for a difference).
    cost : float
        The cost per task on the traces themselves.
    low, high : float
        The interval's ends.
    level : float
        Its coverage (0.95: the middle 95% of the bootstrap costs).
    n_traces, n_groups : int
        The traces scored and the groups they were resampled by.
    """

    name: str
    cost: float
    low: float
    high: float
    level: float
    n_traces: int
    n_groups: int

    def __str__(self) -> str:
        return f"{self.cost:.3f} {self.bounds}"

    @property
    def bounds(self) -> str:
        """``[low, high]`` to three decimals (``n/a`` when there was one group only)."""
        if math.isnan(self.low):
            return "[n/a: one group]"
        return f"[{self.low:.3f}, {self.high:.3f}]"


def trace_costs(outcomes: Sequence[TraceOutcome], catalogue: Catalogue) -> dict[str, float]:
    """Each trace's cost: its interruptions plus the risk of what it requested and never needed.

    Their mean is ``score_outcomes(outcomes, catalogue).cost_per_task``.

    Raises
    ------
    ConfigError
        If a trace has two outcomes (the mean would not be the reported cost).
    """
    costs = {
        o.trace_id: o.n_interruptions + sum(catalogue.risk(s) for s in sorted(o.overgranted))
        for o in outcomes
    }
    if len(costs) != len(outcomes):
        counts = Counter(o.trace_id for o in outcomes)
        twice = sorted(t for t, k in counts.items() if k > 1)
        raise ConfigError(
            f"Outcomes hold traces more than once ({twice[:3]}); give one outcome per trace, "
            f"as one replay of a policy makes."
        )
    return costs


def _group_index(trace_ids: Sequence[str], group_of: dict[str, str]) -> tuple[_Groups, int]:
    """Each trace's group as a number, the groups numbered in sorted order (so that the same
    traces in any order get the same numbers, and so the same resamples)."""
    names = {name: k for k, name in enumerate(sorted({group_of[t] for t in trace_ids}))}
    return np.array([names[group_of[t]] for t in trace_ids], np.int64), len(names)


def _bootstrap_means(
    costs: npt.NDArray[np.float64], groups: _Groups, n_groups: int, n_resamples: int, seed: int
) -> npt.NDArray[np.float64]:
    """Cost per task of each resample: ``n_groups`` groups drawn with replacement, all of
    their traces. Drawn in chunks of a few million, so that memory stays bounded on large
    files; the same ``seed`` and groups give the same draws (paired comparisons rely on it)."""
    total = np.bincount(groups, weights=costs, minlength=n_groups)
    count = np.bincount(groups, minlength=n_groups).astype(np.float64)
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples, dtype=np.float64)
    step = max(1, _DRAWS_PER_CHUNK // n_groups)
    for start in range(0, n_resamples, step):
        draws = rng.integers(0, n_groups, size=(min(step, n_resamples - start), n_groups))
        means[start : start + len(draws)] = total[draws].sum(axis=1) / count[draws].sum(axis=1)
    return means


def cost_intervals(
    traces: Sequence[Trace],
    outcomes_by_policy: dict[str, Sequence[TraceOutcome]],
    catalogue: Catalogue,
    *,
    compare_to: str | None = None,
    level: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    group: Callable[[Trace], str] = default_group,
) -> list[CostInterval]:
    """Bootstrap intervals of each policy's cost per task, and of differences to one policy.

    Parameters
    ----------
    traces : Sequence[Trace]
        The traces the policies were replayed on (for their groups).
    outcomes_by_policy : dict[str, Sequence[TraceOutcome]]
        Each policy's outcomes (a policy may cover only some traces, as ``plan`` does).
    catalogue : Catalogue
        Risk of each scope.
    compare_to : str, optional
        Also give ``compare_to - other`` for every other policy scored on the same traces
        (paired: the same resamples); a negative difference favours ``compare_to``.
    level : float
        Coverage of each interval, in (0, 1).
    n_resamples : int
        Bootstrap resamples (at least 100).
    seed : int
        Seed of the resampling: the same inputs give the same intervals.
    group : Callable[[Trace], str]
        The group of a trace (resampled together).

    Returns
    -------
    list[CostInterval]
        One per policy with outcomes, in the order given, then the differences. With one
        group only, the bounds are NaN (there is nothing to resample).

    Raises
    ------
    ConfigError
        If ``level`` or ``n_resamples`` is out of range, ``compare_to`` is not a policy, or
        an outcome's trace is not among ``traces``.
    """
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must be in (0, 1), e.g. 0.95; got {level!r}.")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise ConfigError(
            f"n_resamples must be at least 100 for a stable interval; got {n_resamples}."
        )
    if compare_to is not None and compare_to not in outcomes_by_policy:
        raise ConfigError(
            f"compare_to={compare_to!r} is not one of the policies {sorted(outcomes_by_policy)}."
        )
    group_of = {t.trace_id: group(t) for t in traces}
    tails = ((1.0 - level) / 2.0 * 100.0, (1.0 + level) / 2.0 * 100.0)
    ids_of: dict[str, frozenset[str]] = {}
    samples: dict[str, npt.NDArray[np.float64]] = {}
    out: list[CostInterval] = []
    for name, outcomes in outcomes_by_policy.items():
        costs = trace_costs(outcomes, catalogue)
        ids = tuple(costs)
        ids_of[name] = frozenset(ids)
        unknown = [t for t in ids if t not in group_of]
        if unknown:
            raise ConfigError(
                f"Policy {name!r} has outcomes for traces not given: {unknown[:3]}; pass the "
                f"traces the policies were replayed on."
            )
        if not ids:
            continue
        groups, n_groups = _group_index(ids, group_of)
        values = np.fromiter(costs.values(), np.float64, count=len(ids))
        # the same seed for every policy: those on the same traces get the same resamples
        means = samples[name] = _bootstrap_means(values, groups, n_groups, n_resamples, seed)
        low, high = np.percentile(means, tails) if n_groups > 1 else (math.nan, math.nan)
        # the reported cost itself, summed as score_outcomes sums it: the mean of the trace
        # costs can differ in its last bit, and print another third decimal at a tie
        cost = score_outcomes(outcomes, catalogue).cost_per_task
        out.append(CostInterval(name, cost, float(low), float(high), level, len(ids), n_groups))
    base = next((r for r in out if r.name == compare_to), None)
    if base is not None:
        for other in list(out):
            if other.name == base.name or ids_of[other.name] != ids_of[base.name]:
                continue
            difference = samples[base.name] - samples[other.name]
            low, high = np.percentile(difference, tails) if base.n_groups > 1 else (math.nan,) * 2
            out.append(
                CostInterval(
                    f"{base.name} - {other.name}",
                    base.cost - other.cost,
                    float(low),
                    float(high),
                    level,
                    base.n_traces,
                    base.n_groups,
                )
            )
    return out
