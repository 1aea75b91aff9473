"""How low a fixed upfront set per group of traces can go, knowing the group's own runs.

A pre-authorization policy sees the task, not how the agent will run it. Where one task
(a WorkBench template) was run many times, by different agents or with different tool
sets, its runs need different scopes, and no policy that decides from the task alone can
give each run its own set. :func:`group_floor` measures what that leaves: for each group,
the upfront set that minimises the group's own cost under the simulator of
``trace-format.md`` (no batching), chosen *in sample*, as a clairvoyant would who knew
every run of the group beforehand. It is a reference point for the model policy on the
same traces, not a bound on it: the model policy also batches at interruptions, and may
use the context (agent, tool set) to give two runs of one task different sets.

With one trace per group (AgentDojo's tasks) it is the ``oracle`` baseline's cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import score_outcomes
from scopecast.evaluation._simulator import Policy, TraceOutcome, simulate_trace
from scopecast.evaluation._tuning import default_group
from scopecast.exceptions import ConfigError
from scopecast.traces import Trace

__all__ = ["GroupFloor", "group_floor"]

EXHAUSTIVE_LIMIT = 10
"""Groups with at most this many candidate scopes are searched exhaustively (2**10 sets)."""


class _FixedSet(Policy):
    name = "group_floor"

    def __init__(self, scopes: frozenset[str]) -> None:
        self.scopes = scopes

    def upfront(self, trace: Trace) -> frozenset[str]:
        return self.scopes


@dataclass(frozen=True)
class GroupFloor:
    """What :func:`group_floor` found.

    Attributes
    ----------
    cost_per_task : float
        Cost per task of every trace under its group's set (default costs of the format
        note: interruptions plus risk-weighted over-grant).
    interruptions_per_task, risk_overgrant_per_task : float
        The two parts of that cost.
    sets : dict[str, frozenset[str]]
        The set chosen for each group.
    exact : dict[str, bool]
        Whether the group's set was found by exhaustive search (else by local search from
        the empty and the full set: its cost may be above the group's minimum).
    """

    cost_per_task: float
    interruptions_per_task: float
    risk_overgrant_per_task: float
    sets: dict[str, frozenset[str]]
    exact: dict[str, bool]

    @property
    def n_groups(self) -> int:
        """How many groups."""
        return len(self.sets)


def _cost(outcomes: Sequence[TraceOutcome], catalogue: Catalogue) -> float:
    return score_outcomes(outcomes, catalogue).cost_per_task * len(outcomes)


def _replay(traces: Sequence[Trace], scopes: frozenset[str], catalogue: Catalogue) -> float:
    policy = _FixedSet(scopes)
    return _cost([simulate_trace(t, policy, catalogue) for t in traces], catalogue)


def _exhaustive(
    traces: Sequence[Trace], candidates: Sequence[str], catalogue: Catalogue
) -> frozenset[str]:
    best, best_cost = frozenset[str](), _replay(traces, frozenset(), catalogue)
    for size in range(1, len(candidates) + 1):
        for subset in combinations(candidates, size):
            cost = _replay(traces, frozenset(subset), catalogue)
            if cost < best_cost - 1e-12:
                best, best_cost = frozenset(subset), cost
    return best


def _local(
    traces: Sequence[Trace], candidates: Sequence[str], catalogue: Catalogue
) -> frozenset[str]:
    results = []
    for start in (frozenset[str](), frozenset(candidates)):
        current, current_cost = start, _replay(traces, start, catalogue)
        improved = True
        while improved:
            improved = False
            for scope in candidates:
                flipped = current ^ {scope}
                cost = _replay(traces, flipped, catalogue)
                if cost < current_cost - 1e-12:
                    current, current_cost, improved = flipped, cost, True
        results.append((current_cost, sorted(current), current))
    return min(results)[2]


def group_floor(
    traces: Sequence[Trace],
    catalogue: Catalogue,
    *,
    group: Callable[[Trace], str] = default_group,
) -> GroupFloor:
    """The cost of the best fixed upfront set per group, chosen on the group's own traces.

    Parameters
    ----------
    traces : Sequence[Trace]
        The traces to score (a test file: the sets are chosen on these very traces).
    catalogue : Catalogue
        Risk, ``jit_only`` and ``implies`` of the scopes.
    group : Callable[[Trace], str]
        The group of a trace (by default the ``t-<template>`` part of its id, else the
        trace itself, as for :func:`cost_intervals`).

    A group's candidates are the scopes its traces needed and those implying one of them
    (a broad scope may cost less than the narrow ones it covers), less ``jit_only`` ones
    and those implying one, which the simulator never grants up front; no other scope can
    lower a group's cost.

    Raises
    ------
    ConfigError
        If ``traces`` is empty.
    """
    if not traces:
        raise ConfigError("group_floor needs at least one trace.")
    by_group: dict[str, list[Trace]] = {}
    for trace in traces:
        by_group.setdefault(group(trace), []).append(trace)
    sets: dict[str, frozenset[str]] = {}
    exact: dict[str, bool] = {}
    outcomes: list[TraceOutcome] = []
    for name in sorted(by_group):
        members = by_group[name]
        needed = set().union(*(t.needed_scopes for t in members))
        candidates = sorted(
            s
            for s in needed | catalogue.all_scopes
            if (s in needed or catalogue.closure((s,)) & needed)
            and not catalogue.implies_jit_only(s)
        )
        exact[name] = len(candidates) <= EXHAUSTIVE_LIMIT
        search = _exhaustive if exact[name] else _local
        sets[name] = search(members, candidates, catalogue)
        policy = _FixedSet(sets[name])
        outcomes += [simulate_trace(t, policy, catalogue) for t in members]
    metrics = score_outcomes(outcomes, catalogue)
    return GroupFloor(
        metrics.cost_per_task,
        metrics.interruptions_per_task,
        metrics.risk_overgrant_per_task,
        sets,
        exact,
    )
