"""The authorization plan: what to ask before the agent starts (by provider) and what to leave."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuthorizationPlan", "PlannedScope", "ProviderConsent"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PlannedScope(BaseModel):
    """One scope of the plan with the predicted probability and the policy's reason."""

    model_config = _FROZEN

    scope: str = Field(description="The scope name.")
    provider: str = Field(description="Its provider (one consent screen).")
    probability: float = Field(ge=0.0, le=1.0, description="P(the run needs it), predicted.")
    reason: str = Field(description="Why it is asked now or left to the point of execution.")


class ProviderConsent(BaseModel):
    """The upfront scopes of one provider: one consent screen before the start."""

    model_config = _FROZEN

    provider: str = Field(description="The provider.")
    scopes: tuple[PlannedScope, ...] = Field(description="Its upfront scopes, by name.")


class AuthorizationPlan(BaseModel):
    """What :class:`~scopecast.runtime.PreAuthorizer` advises before an agent starts.

    ``upfront`` is asked before the start (one consent per provider, never a ``jit_only``
    scope); ``deferred`` are the candidates left to the point of execution, where the guard
    asks them if and when a call needs them. A degraded plan (no usable model) asks nothing
    up front: the guard alone keeps every call within its grants.
    """

    model_config = _FROZEN

    task: str = Field(description="The task planned for.")
    upfront: tuple[ProviderConsent, ...] = Field(description="Asked before the start.")
    deferred: tuple[PlannedScope, ...] = Field(description="Left to the point of execution.")
    degraded: bool = Field(default=False, description="True when no model could be used.")
    warning: str | None = Field(default=None, description="Why the plan is degraded.")

    @property
    def upfront_scopes(self) -> frozenset[str]:
        """Every upfront scope (pass to ``ScopeGuard.start(upfront=...)``)."""
        return frozenset(s.scope for consent in self.upfront for s in consent.scopes)

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers asked before the start (one consent screen each)."""
        return tuple(consent.provider for consent in self.upfront)
