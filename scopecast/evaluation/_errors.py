"""Where a policy goes wrong: the scopes it misses and over-grants, with example tasks.

A scope is **missed** in a trace when it was among the missing scopes of an interruption:
a call needed it and neither the upfront set nor an earlier consent covered it. It is
**over-granted** when it was requested (up front or batched) and never needed
(``R_end \\ N`` of the format note, weighted by its risk). Both are recovered exactly from a
:class:`~scopecast.evaluation.TraceOutcome` and its trace, without replaying the policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scopecast.catalogue import Catalogue
from scopecast.evaluation._simulator import TraceOutcome
from scopecast.exceptions import ConfigError
from scopecast.traces import Trace

__all__ = [
    "ExampleTask",
    "ScopeErrors",
    "missed_at",
    "most_missed",
    "most_overgranted",
    "scope_errors",
]


@dataclass(frozen=True)
class ExampleTask:
    """A trace in which a scope was missed or over-granted."""

    trace_id: str
    task: str


@dataclass(frozen=True)
class ScopeErrors:
    """How often one scope was missed and over-granted under one policy.

    Attributes
    ----------
    scope : str
        The scope.
    risk : float
        Its catalogue risk.
    n_needed : int
        Traces that needed it.
    n_missed : int
        Traces in which it was missing at an interruption.
    n_overgranted : int
        Traces in which it was requested and never needed.
    risk_overgrant : float
        ``n_overgranted * risk``: its share of the summed risk-weighted over-grant.
    missed_examples, overgranted_examples : tuple[ExampleTask, ...]
        The first few traces (in file order) where it was missed / over-granted.
    """

    scope: str
    risk: float
    n_needed: int
    n_missed: int
    n_overgranted: int
    risk_overgrant: float
    missed_examples: tuple[ExampleTask, ...]
    overgranted_examples: tuple[ExampleTask, ...]


def missed_at(
    outcome: TraceOutcome, trace: Trace, catalogue: Catalogue
) -> dict[int, frozenset[str]]:
    """The missing scopes of each interruption of ``outcome``, keyed by call index.

    ``R`` is rebuilt from the upfront set, the missing scopes and the recorded batches, so
    the result is exactly what the simulator asked at each point of execution.

    Raises
    ------
    ConfigError
        If ``outcome`` is not an outcome of ``trace`` (another id, or interruptions that the
        recorded decisions do not reproduce).
    """
    if outcome.trace_id != trace.trace_id:
        raise ConfigError(
            f"The outcome of {outcome.trace_id!r} cannot be matched to trace {trace.trace_id!r}; "
            f"pass the traces the outcomes were simulated on, in the same order."
        )
    requested = set(outcome.upfront)
    held = catalogue.closure(requested)
    missed: dict[int, frozenset[str]] = {}
    for index, call in enumerate(trace.calls):
        missing = frozenset(call.scopes) - held
        if not missing:
            continue
        missed[index] = missing
        requested |= missing | outcome.batches.get(index, frozenset())
        held = catalogue.closure(requested)
    if tuple(missed) != outcome.interrupted_at:
        raise ConfigError(
            f"The decisions recorded for {trace.trace_id!r} interrupt at {list(missed)}, but the "
            f"outcome says {list(outcome.interrupted_at)}: the outcome was simulated with another "
            f"catalogue or another version of the trace."
        )
    return missed


def scope_errors(
    outcomes: Sequence[TraceOutcome],
    traces: Sequence[Trace],
    catalogue: Catalogue,
    *,
    n_examples: int = 3,
) -> list[ScopeErrors]:
    """Per scope, how often ``outcomes`` missed and over-granted it, with example tasks.

    Parameters
    ----------
    outcomes : Sequence[TraceOutcome]
        One policy's outcomes (``report.result(name).outcomes``).
    traces : Sequence[Trace]
        The traces they were simulated on (extra traces are ignored; a policy such as
        ``plan`` is scored on a subset).
    catalogue : Catalogue
        The catalogue the outcomes were simulated with.
    n_examples : int
        How many example tasks to keep per scope and kind of error.

    Returns
    -------
    list[ScopeErrors]
        Every scope missed or over-granted at least once, most missed first (ties by
        risk-weighted over-grant, then name).
    """
    by_id: Mapping[str, Trace] = {trace.trace_id: trace for trace in traces}
    needed: dict[str, int] = {}
    missed: dict[str, list[ExampleTask]] = {}
    over: dict[str, list[ExampleTask]] = {}
    for outcome in outcomes:
        trace = by_id.get(outcome.trace_id)
        if trace is None:
            raise ConfigError(
                f"No trace {outcome.trace_id!r} among the {len(by_id)} traces given; pass the "
                f"traces the outcomes were simulated on."
            )
        example = ExampleTask(trace.trace_id, trace.task)
        for scope in outcome.needed:
            needed[scope] = needed.get(scope, 0) + 1
        for scope in sorted(set().union(*missed_at(outcome, trace, catalogue).values())):
            missed.setdefault(scope, []).append(example)
        for scope in sorted(outcome.overgranted):
            over.setdefault(scope, []).append(example)
    rows = []
    for scope in sorted(set(missed) | set(over)):
        risk = catalogue.risk(scope)
        n_over = len(over.get(scope, []))
        rows.append(
            ScopeErrors(
                scope=scope,
                risk=risk,
                n_needed=needed.get(scope, 0),
                n_missed=len(missed.get(scope, [])),
                n_overgranted=n_over,
                risk_overgrant=n_over * risk,
                missed_examples=tuple(missed.get(scope, [])[:n_examples]),
                overgranted_examples=tuple(over.get(scope, [])[:n_examples]),
            )
        )
    rows.sort(key=lambda r: (-r.n_missed, -r.risk_overgrant, r.scope))
    return rows


def most_missed(rows: Sequence[ScopeErrors], k: int = 10) -> list[ScopeErrors]:
    """The ``k`` scopes missed in the most traces (ties by name)."""
    return sorted((r for r in rows if r.n_missed), key=lambda r: (-r.n_missed, r.scope))[:k]


def most_overgranted(rows: Sequence[ScopeErrors], k: int = 10) -> list[ScopeErrors]:
    """The ``k`` scopes with the largest summed risk-weighted over-grant (ties by name)."""
    return sorted((r for r in rows if r.n_overgranted), key=lambda r: (-r.risk_overgrant, r.scope))[
        :k
    ]
