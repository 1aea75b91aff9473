"""The simulator of ``trace-format.md``: replay a trace's calls under a policy's decisions.

``R`` (the scopes requested so far) starts as the policy's upfront set with ``jit_only``
scopes dropped, and scopes whose ``implies`` closure holds one (asked ahead, they would grant
it before its point of execution; ``ScopeGuard.start`` drops them too). Each call is covered
when every scope it needs is in the closure of ``R`` under ``implies``; a call that is not
covered is one interruption, at which the missing scopes and the policy's batch (never a
scope that is or implies a ``jit_only`` scope, never one already covered, and only scopes of
the missing scopes' providers: one consent screen grants scopes of one provider, so a scope
of another provider cannot ride along in "that same consent") join ``R``.
Every call counts the same whatever its ``status``: a ``denied`` or ``error`` call was still
attempted and still needed its scopes at the point of execution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.traces import Trace

__all__ = ["Policy", "TraceOutcome", "simulate", "simulate_trace"]


class Policy:
    """A policy the simulator can replay: an upfront set, and a batch at each interruption.

    Subclasses override :meth:`upfront`, and :meth:`batch` if they batch. The simulator
    calls :meth:`prepare` once with all the traces it will replay (a model policy scores
    them in one go there), and replays only the traces for which :meth:`applies` holds.

    Attributes
    ----------
    name : str
        The policy's name in reports.
    """

    name: str = "policy"

    def prepare(self, traces: Sequence[Trace]) -> None:
        """Precompute whatever the decisions on ``traces`` need (nothing by default)."""
        del traces

    def applies(self, trace: Trace) -> bool:
        """Whether the policy is scored on ``trace`` (every trace by default)."""
        del trace
        return True

    def upfront(self, trace: Trace) -> frozenset[str]:
        """The scopes to ask before the start, from ``task``, ``context`` and ``plan`` only."""
        raise NotImplementedError

    def batch(
        self, trace: Trace, index: int, missing: frozenset[str], granted: frozenset[str]
    ) -> frozenset[str]:
        """Extra scopes for the consent at the interruption of call ``index`` (none by default).

        Only ``trace.calls[:index]`` (the calls so far) and ``missing`` may be looked at.
        """
        del trace, index, missing, granted
        return frozenset()


@dataclass(frozen=True)
class TraceOutcome:
    """What happened when one trace was replayed under one policy.

    Attributes
    ----------
    trace_id : str
        The trace.
    needed : frozenset[str]
        ``N``: the union of the scopes of its calls.
    upfront : frozenset[str]
        ``U``: the upfront set after ``jit_only`` scopes (and scopes implying one) were dropped.
    requested : frozenset[str]
        ``R`` at the end: upfront, plus the missing and batched scopes of every interruption.
    interrupted_at : tuple[int, ...]
        0-based indices of the calls that caused an interruption.
    batches : dict[int, frozenset[str]]
        Extra scopes added at each interruption beyond the missing ones (non-empty only;
        scopes of the missing scopes' providers only).
    """

    trace_id: str
    needed: frozenset[str]
    upfront: frozenset[str]
    requested: frozenset[str]
    interrupted_at: tuple[int, ...]
    batches: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def n_interruptions(self) -> int:
        """How many calls interrupted the run."""
        return len(self.interrupted_at)

    @property
    def overgranted(self) -> frozenset[str]:
        """``R_end \\ N``: requested and never needed (implied-only scopes are not in ``R``)."""
        return self.requested - self.needed


def simulate_trace(trace: Trace, policy: Policy, catalogue: Catalogue) -> TraceOutcome:
    """Replay ``trace`` under ``policy`` and return what was asked, when, and why.

    Parameters
    ----------
    trace : Trace
        The run to replay.
    policy : Policy
        Gives the upfront set and the batches.
    catalogue : Catalogue
        ``jit_only`` and ``implies`` of the scopes.

    Returns
    -------
    TraceOutcome
        The upfront set, the interruptions and the final requested set.
    """
    upfront = frozenset(s for s in policy.upfront(trace) if not catalogue.implies_jit_only(s))
    requested = set(upfront)
    held = catalogue.closure(requested)
    interrupted: list[int] = []
    batches: dict[int, frozenset[str]] = {}
    for index, call in enumerate(trace.calls):
        missing = frozenset(call.scopes) - held
        if not missing:
            continue
        interrupted.append(index)
        extra = policy.batch(trace, index, missing, frozenset(requested))
        covered = catalogue.closure(requested | missing)
        screens = {provider_of(s) for s in missing}
        extra = frozenset(
            s
            for s in extra
            if s not in covered and provider_of(s) in screens and not catalogue.implies_jit_only(s)
        )
        if extra:
            batches[index] = extra
        requested |= missing | extra
        held = catalogue.closure(requested)
    return TraceOutcome(
        trace_id=trace.trace_id,
        needed=trace.needed_scopes,
        upfront=upfront,
        requested=frozenset(requested),
        interrupted_at=tuple(interrupted),
        batches=batches,
    )


def simulate(traces: Iterable[Trace], policy: Policy, catalogue: Catalogue) -> list[TraceOutcome]:
    """Replay every trace the policy applies to (after one :meth:`Policy.prepare` call)."""
    selected = [trace for trace in traces if policy.applies(trace)]
    policy.prepare(selected)
    return [simulate_trace(trace, policy, catalogue) for trace in selected]
