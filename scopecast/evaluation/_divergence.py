"""What divergence from a plan costs: traces grouped by how their calls departed from the plan.

The kinds are read from the trace itself (no generator label is needed, so they apply to
any trace file with plans); a trace may be of several kinds:

- ``as_planned``: the calls are exactly the plan's tools, in order;
- ``unused_plan_scopes``: a planned scope was never needed (a branch that never ran, a
  step replaced by another tool): the ``plan`` policy over-grants it;
- ``unplanned_scopes``: a needed scope is in no plan step (a discovered lookup, a
  substitution onto a tool with other scopes): the ``plan`` policy is interrupted for it;
- ``unplanned_tools``: a call's tool is in no plan step (lookups, substitutions, fallbacks);
- ``failed_calls``: a call has ``status: "error"`` (failures, retries);
- ``denied_calls``: a call has ``status: "denied"`` (the user refused a scope).

:func:`divergence_costs` scores each policy of a report on the traces of each kind with the
same metrics as the report, so the plan baseline and the model can be compared kind by kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import score_outcomes
from scopecast.evaluation._report import EvaluationReport
from scopecast.traces import Trace

__all__ = ["DIVERGENCE_KINDS", "DivergenceCost", "divergence_costs", "divergence_kinds"]

DIVERGENCE_KINDS: tuple[str, ...] = (
    "as_planned",
    "unused_plan_scopes",
    "unplanned_scopes",
    "unplanned_tools",
    "failed_calls",
    "denied_calls",
)
"""Every kind :func:`divergence_kinds` may return, in report order."""


def divergence_kinds(trace: Trace) -> frozenset[str]:
    """How the calls of ``trace`` departed from its plan (empty when it has no plan).

    Examples
    --------
    >>> from scopecast.traces import Call, PlanStep, Trace
    >>> t = Trace(trace_id="a", task="x", plan=(PlanStep(tool="send", scopes=("g:send",)),),
    ...           calls=(Call(tool="lookup", scopes=("g:read",)), Call(tool="send", scopes=("g:send",))))
    >>> sorted(divergence_kinds(t))
    ['unplanned_scopes', 'unplanned_tools']
    """
    if trace.plan is None:
        return frozenset()
    plan_tools = [step.tool for step in trace.plan]
    call_tools = [call.tool for call in trace.calls]
    planned = trace.plan_scopes or frozenset()
    kinds = set()
    if plan_tools == call_tools:
        kinds.add("as_planned")
    if planned - trace.needed_scopes:
        kinds.add("unused_plan_scopes")
    if trace.needed_scopes - planned:
        kinds.add("unplanned_scopes")
    if set(call_tools) - set(plan_tools):
        kinds.add("unplanned_tools")
    statuses = {call.status for call in trace.calls}
    if "error" in statuses:
        kinds.add("failed_calls")
    if "denied" in statuses:
        kinds.add("denied_calls")
    return frozenset(kinds)


@dataclass(frozen=True)
class DivergenceCost:
    """One policy's metrics on the traces of one divergence kind."""

    kind: str
    policy: str
    n_traces: int
    interruptions_per_task: float
    risk_overgrant_per_task: float
    cost_per_task: float


def divergence_costs(
    report: EvaluationReport,
    traces: Sequence[Trace],
    catalogue: Catalogue,
    *,
    policies: Sequence[str] = ("plan", "model"),
) -> list[DivergenceCost]:
    """Each policy's interruptions, risk over-grant and cost on the traces of each kind.

    Only traces with a plan are grouped (the ``plan`` policy applies to no other), and a
    kind with no trace is left out. Policies absent from ``report`` are left out too.

    Parameters
    ----------
    report : EvaluationReport
        From :func:`~scopecast.evaluation.evaluate_policies` on ``traces``.
    traces : Sequence[Trace]
        The traces the report was made on.
    catalogue : Catalogue
        The catalogue it was made with (risk weights).
    policies : Sequence[str]
        The policies to compare, in order.

    Returns
    -------
    list[DivergenceCost]
        By kind (in :data:`DIVERGENCE_KINDS` order), then by policy.
    """
    kinds = {trace.trace_id: divergence_kinds(trace) for trace in traces}
    present = {r.name: r for r in report.results}
    rows = []
    for kind in DIVERGENCE_KINDS:
        members = {trace_id for trace_id, k in kinds.items() if kind in k}
        if not members:
            continue
        for name in policies:
            if name not in present:
                continue
            outcomes = [o for o in present[name].outcomes if o.trace_id in members]
            if not outcomes:
                continue
            metrics = score_outcomes(outcomes, catalogue)
            rows.append(
                DivergenceCost(
                    kind,
                    name,
                    len(outcomes),
                    metrics.interruptions_per_task,
                    metrics.risk_overgrant_per_task,
                    metrics.cost_per_task,
                )
            )
    return rows
