"""Just-in-time batching: what to add to the consent an interruption asks for anyway.

At an interruption the user sees one consent screen per provider of the missing scopes.
Adding another scope of such a provider to that screen costs nothing now; it costs its
risk if it then goes unused, and saves a later interruption if it is needed. With the
probabilities re-predicted from the calls made so far, a scope joins the batch under the
same expected-cost rule as up front (:func:`~scopecast.policy.choose_upfront`), with what
is already held or being asked counted as covered.
"""

from __future__ import annotations

from collections.abc import Mapping

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.policy._costs import CostModel
from scopecast.policy._upfront import deferral_cost

__all__ = ["choose_batch"]


def choose_batch(
    probabilities: Mapping[str, float],
    missing: frozenset[str],
    granted: frozenset[str],
    catalogue: Catalogue,
    costs: CostModel = CostModel(),  # noqa: B008  (frozen pydantic model: immutable default)
    *,
    denied: frozenset[str] = frozenset(),
    allow_jit_only: bool = False,
) -> frozenset[str]:
    """Choose the extra scopes to add to the consent an interruption asks for.

    Parameters
    ----------
    probabilities : Mapping[str, float]
        ``{scope: P(the run needs it)}`` re-predicted from the calls made so far.
    missing : frozenset[str]
        The scopes the interrupted call needs and does not hold (asked in any case).
    granted : frozenset[str]
        Scopes already held.
    catalogue : Catalogue
        Risk, ``jit_only``, ``implies`` and providers.
    costs : CostModel
        Interruption and risk weights (the consent screen is paid anyway).
    denied : frozenset[str]
        Scopes the user refused in this run: never asked again by the policy.
    allow_jit_only : bool
        Whether ``jit_only`` scopes (and scopes implying one) may be batched. Default
        ``False``: a ``jit_only`` scope is asked only at its own point of execution.

    Returns
    -------
    frozenset[str]
        Extra scopes of the providers of ``missing``, none of them held, missing, denied
        or implied by those, each strictly cheaper to ask now than to defer.
    """
    if not missing:
        return frozenset()
    providers = {provider_of(s) for s in missing}
    covered = catalogue.closure(granted | missing)
    candidates = sorted(
        s
        for s in set(probabilities) | catalogue.all_scopes
        if provider_of(s) in providers and s not in covered and s not in denied
    )
    chosen: list[str] = []
    for scope in candidates:
        below = catalogue.closure((scope,))
        if below & denied:
            continue
        if not allow_jit_only and catalogue.implies_jit_only(scope):
            continue
        p = float(probabilities.get(scope, 0.0))
        asked = costs.overgrant(p, catalogue.risk(scope))
        deferred = deferral_cost(
            scope, probabilities, catalogue, costs, covered=covered, allow_jit_only=allow_jit_only
        )
        if asked < deferred:
            chosen.append(scope)
    return frozenset(
        s for s in chosen if not any(s in catalogue.closure((o,)) for o in chosen if o != s)
    )
