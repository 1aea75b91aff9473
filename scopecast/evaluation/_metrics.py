"""The metrics of ``trace-format.md``, computed from simulated outcomes."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.evaluation._simulator import TraceOutcome

__all__ = ["METRIC_NAMES", "PolicyMetrics", "score_outcomes"]


class PolicyMetrics(BaseModel):
    """Every metric of the format note for one policy on one set of traces.

    A ratio whose denominator is zero (no upfront scope at all for precision, no needed
    scope for recall, no trace for the means) is reported as 0.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    interruptions_per_task: float = Field(description="Mean number of interruptions.")
    zero_interruption_rate: float = Field(description="Share of traces with no interruption.")
    overgrant_per_task: float = Field(description="Mean |R_end minus N|.")
    risk_overgrant_per_task: float = Field(description="Mean risk of R_end minus N.")
    upfront_precision: float = Field(description="Micro-averaged |U and N| / |U|.")
    upfront_recall: float = Field(description="Micro-averaged |U and N| / |N|.")
    consent_prompts_per_task: float = Field(
        description="Mean providers in U (one screen each) plus interruptions."
    )
    cost_per_task: float = Field(description="interruptions_per_task + risk_overgrant_per_task.")


METRIC_NAMES: tuple[str, ...] = tuple(PolicyMetrics.model_fields)
"""The metric names, in report order."""


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def score_outcomes(outcomes: Sequence[TraceOutcome], catalogue: Catalogue) -> PolicyMetrics:
    """Compute every metric over ``outcomes`` (one per trace), weighting risk by ``catalogue``."""
    n = len(outcomes)
    interruptions = sum(o.n_interruptions for o in outcomes)
    risk_overgrant = sum(catalogue.risk(s) for o in outcomes for s in sorted(o.overgranted))
    hits = sum(len(o.upfront & o.needed) for o in outcomes)
    return PolicyMetrics(
        interruptions_per_task=_ratio(interruptions, n),
        zero_interruption_rate=_ratio(sum(o.n_interruptions == 0 for o in outcomes), n),
        overgrant_per_task=_ratio(sum(len(o.overgranted) for o in outcomes), n),
        risk_overgrant_per_task=_ratio(risk_overgrant, n),
        upfront_precision=_ratio(hits, sum(len(o.upfront) for o in outcomes)),
        upfront_recall=_ratio(hits, sum(len(o.needed) for o in outcomes)),
        consent_prompts_per_task=_ratio(
            sum(len({provider_of(s) for s in o.upfront}) for o in outcomes) + interruptions, n
        ),
        cost_per_task=_ratio(interruptions + risk_overgrant, n),
    )
