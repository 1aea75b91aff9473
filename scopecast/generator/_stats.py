"""Counters of what the generator did, and the realised rates computed from them.

Every random decision of the generative model that a documented rate governs increments an
*opportunity* counter and, when it happens, an *occurrence* counter; the realised rate is
their ratio. ``scopecast generate`` prints them, and the tests compare them with
:class:`~scopecast.generator.GeneratorRates` and with what the traces themselves show.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["GenerationStats"]


@dataclass
class GenerationStats:
    """Counts accumulated while generating (all start at 0).

    The pairs ``x_opportunities`` / ``x`` give :meth:`rates`; ``habit_expected`` is the sum,
    over habit draws, of the probability that the habitual variant is drawn.
    """

    traces: int = 0
    traces_with_plan: int = 0
    calls: int = 0
    branch_opportunities: int = 0
    branches_run: int = 0
    lookup_named_opportunities: int = 0
    lookups_named: int = 0
    lookup_address_opportunities: int = 0
    lookups_address: int = 0
    read_opportunities: int = 0
    reads: int = 0
    substitution_opportunities: int = 0
    substitutions: int = 0
    attempts: int = 0
    errors: int = 0
    retry_opportunities: int = 0
    retries: int = 0
    denial_opportunities: int = 0
    denials: int = 0
    stops: int = 0
    rare_traces: int = 0
    habit_opportunities: int = 0
    habit_uses: int = 0
    habit_expected: float = 0.0
    plan_traces_diverged: int = 0
    plan_traces_unplanned_scope: int = 0
    plan_traces_unused_scope: int = 0

    def rates(self) -> dict[str, float]:
        """Realised rates, each the share of its opportunities (0 when there were none)."""

        def ratio(num: float, den: float) -> float:
            return num / den if den else 0.0

        plans = self.traces_with_plan
        return {
            "plan_share": ratio(self.traces_with_plan, self.traces),
            "branch_run": ratio(self.branches_run, self.branch_opportunities),
            "lookup_if_named": ratio(self.lookups_named, self.lookup_named_opportunities),
            "lookup_if_address": ratio(self.lookups_address, self.lookup_address_opportunities),
            "read_before_write": ratio(self.reads, self.read_opportunities),
            "substitution": ratio(self.substitutions, self.substitution_opportunities),
            "call_error": ratio(self.errors, self.attempts),
            "retry": ratio(self.retries, self.retry_opportunities),
            "denial": ratio(self.denials, self.denial_opportunities),
            "rare_clause": ratio(self.rare_traces, self.traces),
            "habit_use": ratio(self.habit_uses, self.habit_opportunities),
            "habit_expected": ratio(self.habit_expected, self.habit_opportunities),
            "plan_diverged": ratio(self.plan_traces_diverged, plans),
            "plan_unplanned_scope": ratio(self.plan_traces_unplanned_scope, plans),
            "plan_unused_scope": ratio(self.plan_traces_unused_scope, plans),
            "calls_per_trace": ratio(self.calls, self.traces),
        }

    def merge(self, other: GenerationStats) -> None:
        """Add ``other``'s counts to these."""
        for spec in fields(self):
            setattr(self, spec.name, getattr(self, spec.name) + getattr(other, spec.name))
