"""The upfront decision computed scope by scope, as ``choose_upfront`` was first written.

Plain Python over the catalogue's lookups, one scope at a time, with no precomputed tables
and no arrays: the reference the array implementation of :func:`scopecast.policy.choose_upfront`
must match exactly (the same sets, and the same costs bit for bit).
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Mapping

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.policy import CostModel, ScopeDecision, UpfrontDecision
from scopecast.policy._decision import ZERO_PROBABILITY_REASON

MAX_EXACT = 10


def _grants_jit_only(scope: str, catalogue: Catalogue) -> str | None:
    for implied in sorted(catalogue.closure((scope,))):
        if catalogue.is_jit_only(implied):
            return implied
    return None


def reference_deferral_cost(
    scope: str, probabilities: Mapping[str, float], catalogue: Catalogue, costs: CostModel
) -> float:
    """Cheapest handling of the closure of ``scope`` without asking ``scope``."""

    def prob(name: str) -> float:
        return float(probabilities.get(name, 0.0))

    below = sorted(catalogue.closure((scope,)) - {scope})
    own = prob(scope) * costs.interruption
    if not below:
        return own
    askable = [s for s in below if _grants_jit_only(s, catalogue) is None]
    if len(askable) > MAX_EXACT:
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
            # the asked costs, then the deferred ones, added one at a time (Python >= 3.12's
            # sum() of floats compensates rounding)
            terms = [costs.overgrant(prob(s), catalogue.risk(s)) for s in chosen]
            terms += [prob(s) * costs.interruption for s in below if s not in held]
            cost = functools.reduce(operator.add, terms, 0.0)
            best = min(best, cost)
    return own + best


def reference_choose_upfront(
    probabilities: Mapping[str, float], catalogue: Catalogue, costs: CostModel
) -> UpfrontDecision:
    """The upfront decision, one scope at a time."""
    candidates = sorted(
        {s for s, p in probabilities.items() if p > 0.0}
        | {s for s in catalogue.all_scopes if catalogue.closure((s,)) & set(probabilities)}
    )
    rows: dict[str, tuple[float, float, float, str | None]] = {}
    passing: list[str] = []
    for scope in candidates:
        p = float(probabilities.get(scope, 0.0))
        asked = costs.overgrant(p, catalogue.risk(scope))
        deferred = reference_deferral_cost(scope, probabilities, catalogue, costs)
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

    dropped: dict[str, float] = {}
    if costs.consent_screen > 0.0:
        savings: dict[str, float] = {}
        for scope in passing:
            _, asked, deferred, _ = rows[scope]
            savings[provider_of(scope)] = savings.get(provider_of(scope), 0.0) + deferred - asked
        dropped = {prov: s for prov, s in savings.items() if s <= costs.consent_screen}
    kept = [s for s in passing if provider_of(s) not in dropped]
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
        elif provider_of(scope) in dropped:
            saving = dropped[provider_of(scope)]
            reason = (
                f"deferred: the {provider_of(scope)} scopes worth asking save {saving:.3f}, "
                f"not more than one consent screen ({costs.consent_screen:.3f})"
            )
        elif p == 0.0:
            reason = ZERO_PROBABILITY_REASON
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
