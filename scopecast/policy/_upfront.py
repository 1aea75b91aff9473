"""Choosing the upfront scopes: expected cost of asking now against deferring to first use.

For a scope ``s`` with probability ``p`` and risk ``r``, asking up front costs
``(1 - p) * r * risk_weight`` (it may be held unused). Deferring costs the interruptions it
may cause. Because holding a scope also grants everything it ``implies`` (a write covers its
read), the cost of deferring ``s`` is the cheapest way of handling its closure ``cl(s)``
*without* ``s``: ask some of the scopes below it, defer the rest (each deferred scope costing
``p * interruption``). ``s`` is asked when asking it is strictly cheaper than that.

This rule is monotone by construction: the deferral cost is a minimum of functions that grow
with the interruption cost, while the cost of asking does not depend on it, so raising the
interruption cost never removes a scope from the closure of the upfront set. A provider's
scopes are asked only if together they save more than one consent screen. Scopes that are
``jit_only``, or imply one, are never asked up front.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.policy._costs import CostModel

__all__ = ["ScopeDecision", "UpfrontDecision", "choose_upfront", "deferral_cost"]

_MAX_EXACT = 10
"""Largest number of scopes below one scope for which the deferral cost is found exactly."""


class ScopeDecision(BaseModel):
    """Why one scope is (or is not) asked up front."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: str = Field(description="The scope.")
    provider: str = Field(description="Its provider (one consent screen).")
    probability: float = Field(description="Predicted probability that the run needs it.")
    cost_if_asked: float = Field(description="Expected cost of holding it unused.")
    cost_if_deferred: float = Field(
        description="Expected cost of not asking it (interruptions for it and what it implies)."
    )
    is_upfront: bool = Field(description="Whether it is asked before the start.")
    reason: str = Field(description="The decision in words.")


class UpfrontDecision(BaseModel):
    """The upfront set, grouped by provider, with one explained decision per scope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upfront: frozenset[str] = Field(description="Scopes asked before the start (never jit_only).")
    by_provider: dict[str, frozenset[str]] = Field(
        description="The upfront scopes grouped by provider: one consent screen each."
    )
    decisions: tuple[ScopeDecision, ...] = Field(
        description="One decision per candidate scope, sorted by scope name."
    )


def _grants_jit_only(scope: str, catalogue: Catalogue) -> str | None:
    for implied in sorted(catalogue.closure((scope,))):
        if catalogue.is_jit_only(implied):
            return implied
    return None


def deferral_cost(
    scope: str,
    probabilities: Mapping[str, float],
    catalogue: Catalogue,
    costs: CostModel,
    *,
    covered: frozenset[str] = frozenset(),
    allow_jit_only: bool = False,
) -> float:
    """Expected cost of handling ``cl(scope)`` without asking ``scope`` itself.

    The scopes strictly below ``scope`` may be asked (each at its over-grant cost) or
    deferred (each at ``p * interruption``); ``scope`` itself is deferred. The minimum
    over those choices is returned. Scopes in ``covered`` are already held and cost
    nothing. Jit-only scopes below cannot be asked.

    Parameters
    ----------
    scope : str
        The scope whose deferral is priced.
    probabilities : Mapping[str, float]
        Probability of each scope being needed (missing: 0).
    catalogue : Catalogue
        Risks, ``jit_only`` and ``implies``.
    costs : CostModel
        Interruption and risk weights.
    covered : frozenset[str]
        Scopes already held (closed under ``implies``).
    allow_jit_only : bool
        Whether the ``jit_only`` scopes below may be asked (at an interruption, if the
        policy allows it); by default they can only be deferred.

    Returns
    -------
    float
        The expected cost, which never decreases as ``costs.interruption`` grows.
    """

    def prob(name: str) -> float:
        return 0.0 if name in covered else float(probabilities.get(name, 0.0))

    below = sorted(catalogue.closure((scope,)) - {scope} - covered)
    own = prob(scope) * costs.interruption
    if not below:
        return own
    askable = [s for s in below if allow_jit_only or _grants_jit_only(s, catalogue) is None]
    if len(askable) > _MAX_EXACT:
        # Too many to enumerate: price each lower scope on its own (an upper bound).
        return own + sum(
            min(
                prob(s) * costs.interruption,
                costs.overgrant(prob(s), catalogue.risk(s)) if s in askable else float("inf"),
            )
            for s in below
        )
    best = float("inf")
    for size in range(len(askable) + 1):
        for chosen in itertools.combinations(askable, size):
            held = catalogue.closure(chosen)
            cost = sum(costs.overgrant(prob(s), catalogue.risk(s)) for s in chosen)
            cost += sum(prob(s) * costs.interruption for s in below if s not in held)
            best = min(best, cost)
    return own + best


def choose_upfront(
    probabilities: Mapping[str, float],
    catalogue: Catalogue,
    costs: CostModel = CostModel(),  # noqa: B008  (frozen pydantic model: immutable default)
) -> UpfrontDecision:
    """Choose the scopes to ask before the agent starts, minimising expected cost.

    Parameters
    ----------
    probabilities : Mapping[str, float]
        ``{scope: P(the run needs it)}`` from a :class:`~scopecast.scoring.ScopeScorer`.
        Scopes absent have probability 0.
    catalogue : Catalogue
        Risk, ``jit_only``, ``implies`` and providers of the scopes.
    costs : CostModel
        Cost of an interruption, of a consent screen, and the weight of risk.

    Returns
    -------
    UpfrontDecision
        The upfront set (never a ``jit_only`` scope nor one implying it, and no scope
        already implied by another upfront scope), grouped by provider, with one decision
        per candidate scope. Deterministic: the same inputs give the same decision.

    Examples
    --------
    >>> from scopecast.catalogue import Catalogue, ScopeSpec
    >>> cat = Catalogue(scopes=(ScopeSpec(name="g:send", risk=0.6),))
    >>> sorted(choose_upfront({"g:send": 0.9}, cat).upfront)
    ['g:send']
    """
    candidates = sorted(
        {s for s, p in probabilities.items() if p > 0.0}
        | {s for s in catalogue.all_scopes if catalogue.closure((s,)) & set(probabilities)}
    )
    rows: dict[str, tuple[float, float, float, str | None]] = {}
    passing: list[str] = []
    for scope in candidates:
        p = float(probabilities.get(scope, 0.0))
        asked = costs.overgrant(p, catalogue.risk(scope))
        deferred = deferral_cost(scope, probabilities, catalogue, costs)
        blocked = (
            f"{scope} is jit_only: asked only at the point of execution"
            if catalogue.is_jit_only(scope)
            else None
        )
        if blocked is None:
            implied_jit = _grants_jit_only(scope, catalogue)
            if implied_jit is not None:
                blocked = f"it implies the jit_only scope {implied_jit}"
        rows[scope] = (p, asked, deferred, blocked)
        if blocked is None and asked < deferred:
            passing.append(scope)

    dropped_providers: dict[str, float] = {}
    if costs.consent_screen > 0.0:
        savings: dict[str, float] = {}
        for scope in passing:
            _, asked, deferred, _ = rows[scope]
            savings[provider_of(scope)] = savings.get(provider_of(scope), 0.0) + deferred - asked
        dropped_providers = {
            prov: saving for prov, saving in savings.items() if saving <= costs.consent_screen
        }
    kept = [s for s in passing if provider_of(s) not in dropped_providers]
    upfront = frozenset(
        s for s in kept if not any(s in catalogue.closure((o,)) for o in kept if o != s)
    )
    held = catalogue.closure(upfront)

    decisions = []
    for scope in candidates:
        p, asked, deferred, blocked = rows[scope]
        if blocked is not None:
            reason = f"never up front: {blocked}"
        elif scope in upfront:
            reason = f"asked: holding it unused costs {asked:.3f} < {deferred:.3f} for deferring"
        elif scope in held:
            reason = "covered: implied by an upfront scope"
        elif provider_of(scope) in dropped_providers:
            saving = dropped_providers[provider_of(scope)]
            reason = (
                f"deferred: the {provider_of(scope)} scopes worth asking save {saving:.3f}, "
                f"not more than one consent screen ({costs.consent_screen:.3f})"
            )
        else:
            reason = (
                f"deferred: holding it unused costs {asked:.3f} >= {deferred:.3f} for deferring"
            )
        decisions.append(
            ScopeDecision(
                scope=scope,
                provider=provider_of(scope),
                probability=p,
                cost_if_asked=asked,
                cost_if_deferred=deferred,
                is_upfront=scope in upfront,
                reason=reason,
            )
        )
    by_provider: dict[str, set[str]] = {}
    for scope in upfront:
        by_provider.setdefault(provider_of(scope), set()).add(scope)
    return UpfrontDecision(
        upfront=upfront,
        by_provider={prov: frozenset(s) for prov, s in sorted(by_provider.items())},
        decisions=tuple(decisions),
    )
