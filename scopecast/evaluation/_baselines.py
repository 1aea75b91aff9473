"""The fixed baseline policies of ``trace-format.md``, fitted on training traces.

- ``jit_only``: nothing up front;
- ``all_known``: every scope seen in training for the trace's ``context.domain`` (every
  scope seen in training when the trace has no ``domain``, or its domain no training trace);
- ``plan``: the scopes of the plan's steps, scored only on traces that have a plan;
- ``frequency``: the scopes used by more than half of the training traces of the domain
  (nothing when the domain has no training trace);
- ``oracle``: exactly the needed scopes.

None of them batches at an interruption.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from scopecast.evaluation._simulator import Policy
from scopecast.traces import Trace

__all__ = [
    "AllKnownPolicy",
    "FrequencyPolicy",
    "JitOnlyPolicy",
    "OraclePolicy",
    "PlanPolicy",
    "fit_baselines",
]


def _domain(trace: Trace) -> str:
    return trace.context.get("domain", "")


class JitOnlyPolicy(Policy):
    """Ask nothing before the start: every scope at its first point of execution."""

    name = "jit_only"

    def upfront(self, trace: Trace) -> frozenset[str]:
        """The empty set."""
        return frozenset()


class AllKnownPolicy(Policy):
    """Ask every scope seen in training for the trace's domain (all of them if none)."""

    name = "all_known"

    def __init__(self, train: Iterable[Trace]) -> None:
        seen: dict[str, set[str]] = {}
        everything: set[str] = set()
        for trace in train:
            everything.update(trace.needed_scopes)
            # a trace without a domain is in no domain's set (only in ``all_scopes``)
            if "domain" in trace.context:
                seen.setdefault(trace.context["domain"], set()).update(trace.needed_scopes)
        self.by_domain: dict[str, frozenset[str]] = {d: frozenset(s) for d, s in seen.items()}
        self.all_scopes = frozenset(everything)

    def upfront(self, trace: Trace) -> frozenset[str]:
        """The scopes seen in training for ``context.domain``; all scopes seen when the
        trace has no ``domain`` (whatever the training traces without one needed) or its
        domain no training trace."""
        if "domain" not in trace.context:
            return self.all_scopes
        return self.by_domain.get(trace.context["domain"], self.all_scopes)


class PlanPolicy(Policy):
    """Ask the scopes of the articulated plan; scored only on traces that have one."""

    name = "plan"

    def applies(self, trace: Trace) -> bool:
        """Only traces with a plan."""
        return trace.plan is not None

    def upfront(self, trace: Trace) -> frozenset[str]:
        """The union of the plan steps' scopes."""
        return trace.plan_scopes or frozenset()


class FrequencyPolicy(Policy):
    """Ask the scopes needed by more than half of the training traces of the same domain."""

    name = "frequency"

    def __init__(self, train: Iterable[Trace]) -> None:
        counts: dict[str, Counter[str]] = {}
        totals: Counter[str] = Counter()
        for trace in train:
            counts.setdefault(_domain(trace), Counter()).update(trace.needed_scopes)
            totals[_domain(trace)] += 1
        self.by_domain = {
            domain: frozenset(s for s, n in counter.items() if 2 * n > totals[domain])
            for domain, counter in counts.items()
        }

    def upfront(self, trace: Trace) -> frozenset[str]:
        """The majority scopes of ``context.domain`` (nothing for an unseen domain)."""
        return self.by_domain.get(_domain(trace), frozenset())


class OraclePolicy(Policy):
    """Ask exactly the scopes the run will need (a lower bound, not a real policy)."""

    name = "oracle"

    def upfront(self, trace: Trace) -> frozenset[str]:
        """``N``: the needed scopes."""
        return trace.needed_scopes


def fit_baselines(train: Sequence[Trace]) -> list[Policy]:
    """The five fixed baselines, in report order, fitted on ``train``."""
    return [
        JitOnlyPolicy(),
        AllKnownPolicy(train),
        PlanPolicy(),
        FrequencyPolicy(train),
        OraclePolicy(),
    ]
