"""The cost model the policy minimises: interruptions against unused scopes and consent screens."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CostModel"]


class CostModel(BaseModel):
    """What each outcome of a pre-authorization decision costs, in one unit.

    The default is the evaluation's cost model: one interruption costs as much as one
    unused scope of risk 1, and a consent screen at the start is free.

    Attributes
    ----------
    interruption : float
        Cost of one point-of-execution interruption (the agent pauses, the user is asked).
    consent_screen : float
        Cost of one provider's consent screen before the start (paid once per provider
        that has at least one scope asked up front).
    risk_weight : float
        Multiplies a scope's catalogue ``risk`` to give the cost of holding it unused.

    Examples
    --------
    >>> CostModel(interruption=2.0).interruption
    2.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    interruption: float = Field(default=1.0, ge=0.0, description="Cost of one interruption.")
    consent_screen: float = Field(
        default=0.0, ge=0.0, description="Cost of one provider's consent screen at the start."
    )
    risk_weight: float = Field(
        default=1.0, ge=0.0, description="Multiplier of a scope's risk when it is held unused."
    )

    def overgrant(self, probability: float, risk: float) -> float:
        """Expected cost of asking a scope needed with ``probability``: ``(1 - p) * risk * w``."""
        return (1.0 - probability) * risk * self.risk_weight
