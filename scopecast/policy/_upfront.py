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

:func:`deferral_cost` prices one scope. :func:`choose_upfront` prices every scope of the
catalogue at once, with array operations over the catalogue's tables
(:mod:`scopecast.policy._tables`), adding the same costs in the same order, so that its
costs equal :func:`deferral_cost`'s bit for bit (a property test checks it against a
scope-by-scope computation).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.policy._costs import CostModel
from scopecast.policy._decision import DecisionRows, Row, UpfrontDecision
from scopecast.policy._tables import MAX_EXACT, CatalogueTables, blocked_reason, catalogue_tables

__all__ = ["candidates_of", "choose_upfront", "decide_upfront", "deferral_cost"]

_ZERO = np.zeros(1, dtype=np.float64)


def added_in_order(values: Iterable[float]) -> float:
    """The sum of ``values`` added one after the other, from the first (0.0 if empty).

    What ``sum()`` did before Python 3.12, whose ``sum()`` of floats compensates rounding
    (Neumaier): ``numpy.add.reduce`` along an axis adds in order, without compensation, and
    the array path must add the same costs in the same order to agree bit for bit on every
    Python.
    """
    total = 0.0
    for value in values:
        total += value
    return total


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
    askable = [s for s in below if allow_jit_only or blocked_reason(s, catalogue) is None]
    if len(askable) > MAX_EXACT:
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
            cost = added_in_order(
                itertools.chain(
                    (costs.overgrant(prob(s), catalogue.risk(s)) for s in chosen),
                    (prob(s) * costs.interruption for s in below if s not in held),
                )
            )
            best = min(best, cost)
    return own + best


def _deferral_costs(
    tables: CatalogueTables,
    p: npt.NDArray[np.float64],
    asked: npt.NDArray[np.float64],
    catalogue: Catalogue,
    costs: CostModel,
) -> npt.NDArray[np.float64]:
    """:func:`deferral_cost` of every scope of the catalogue (nothing covered, no jit_only).

    Each enumerated subset's cost is its asked costs then its deferred costs, added in
    order: ``numpy.add.reduce`` over the first axis adds the rows one after the other (not
    pairwise, as it does along a single column), so the sums are those of
    :func:`added_in_order` bit for bit. The cheapest subset of each scope with lower scopes
    is then added to the scope's own cost; the other scopes keep their own cost as it is
    (a probability of ``-0.0`` included).
    """
    # x * 1.0 == x exactly: the default costs skip those multiplications
    own = p if costs.interruption == 1.0 else p * costs.interruption
    deferred = own.copy()
    if len(tables.exact):
        terms = np.concatenate((asked, _ZERO, own)).take(tables.row_terms)
        best = np.minimum.reduceat(np.add.reduce(terms, 0), tables.row_starts)
        # own + best, as own is deferred's copy (the last minimum is the padding column's)
        deferred[tables.exact] += best[:-1]
    if tables.bounded:
        probabilities = dict(zip(tables.names, p.tolist(), strict=True))
        for i in tables.bounded:
            deferred[i] = deferral_cost(tables.names[i], probabilities, catalogue, costs)
    return deferred


def candidates_of(tables: CatalogueTables, present: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The catalogue scopes that are candidates: those whose closure holds a scope given.

    ``present`` (shape ``(n + 1,)``, the last entry ``False``) says which scopes were given
    a probability, even 0.
    """
    candidate: npt.NDArray[np.bool_] = np.any(present[tables.closure], axis=1)
    return candidate


def decide_upfront(
    p: npt.NDArray[np.float64],
    candidate: npt.NDArray[np.bool_],
    extras: Sequence[tuple[str, float]],
    catalogue: Catalogue,
    costs: CostModel,
    tables: CatalogueTables | None = None,
    askable: npt.NDArray[np.bool_] | None = None,
) -> UpfrontDecision:
    """:func:`choose_upfront` on probabilities already laid out as the catalogue's tables.

    Parameters
    ----------
    p : ndarray of float, shape (n,)
        Probability of each scope of ``catalogue_tables(catalogue).names`` (0 if not given).
    candidate : ndarray of bool, shape (n,)
        Which of them are candidates (:func:`candidates_of`).
    extras : sequence of (str, float)
        Scopes outside the catalogue given a probability above 0, with it.
    catalogue, costs
        As for :func:`choose_upfront`.
    tables : CatalogueTables, optional
        ``catalogue_tables(catalogue)``, if the caller has it.
    askable : ndarray of bool, optional
        ``candidate & tables.can_ask``, if the caller has it.
    """
    tables = tables if tables is not None else catalogue_tables(catalogue)
    names = tables.names
    asked = 1.0 - p
    asked *= tables.risk
    if costs.risk_weight != 1.0:  # x * 1.0 == x exactly
        asked *= costs.risk_weight
    deferred = _deferral_costs(tables, p, asked, catalogue, costs)
    worth = asked < deferred
    worth &= askable if askable is not None else candidate & tables.can_ask
    passing = [names[i] for i in worth.nonzero()[0].tolist()]
    extra_rows: tuple[Row, ...] = ()
    dropped: dict[str, float] = {}
    if extras or (costs.consent_screen > 0.0 and passing):
        extra_rows, dropped = _extras_and_screens(
            passing, extras, asked, deferred, catalogue, costs, tables
        )
    kept = [s for s in passing if provider_of(s) not in dropped] if dropped else passing
    # drop what another kept scope implies (``implies`` has no cycle: never the scope itself)
    below = tables.below
    upfront = frozenset(kept).difference(*[below[s] for s in kept if s in below])
    grouped: dict[str, set[str]] = {}
    for scope in upfront:
        grouped.setdefault(provider_of(scope), set()).add(scope)
    rows = DecisionRows(
        names,
        tables.providers,
        tables.blocked,
        p,
        asked,
        deferred,
        candidate,
        extra_rows,
        upfront,
        catalogue,
        dropped,
        costs.consent_screen,
    )
    return UpfrontDecision.from_rows(
        upfront, {prov: frozenset(s) for prov, s in sorted(grouped.items())}, rows
    )


def _extras_and_screens(
    passing: list[str],
    extras: Sequence[tuple[str, float]],
    asked: npt.NDArray[np.float64],
    deferred: npt.NDArray[np.float64],
    catalogue: Catalogue,
    costs: CostModel,
    tables: CatalogueTables,
) -> tuple[tuple[Row, ...], dict[str, float]]:
    """The rows of the scopes outside the catalogue (adding those worth asking to
    ``passing``, kept sorted), and the providers whose scopes worth asking save no more
    than one consent screen, with their saving."""
    extra_rows: list[Row] = []
    for scope, value in extras:
        blocked = blocked_reason(scope, catalogue)
        cost_asked = costs.overgrant(value, catalogue.risk(scope))
        cost_deferred = value * costs.interruption
        extra_rows.append((scope, provider_of(scope), value, cost_asked, cost_deferred, blocked))
        if blocked is None and cost_asked < cost_deferred:
            passing.append(scope)
    if extra_rows:
        passing.sort()
    dropped: dict[str, float] = {}
    if costs.consent_screen > 0.0 and passing:
        by_scope = {row[0]: row[3:5] for row in extra_rows}
        savings: dict[str, float] = {}
        for scope in passing:
            i = tables.index.get(scope)
            cost_asked, cost_deferred = (
                by_scope[scope] if i is None else (float(asked[i]), float(deferred[i]))
            )
            provider = provider_of(scope)
            savings[provider] = savings.get(provider, 0.0) + cost_deferred - cost_asked
        dropped = {prov: s for prov, s in savings.items() if s <= costs.consent_screen}
    return tuple(extra_rows), dropped


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
        per candidate scope: every scope given a probability above 0, and every catalogue
        scope whose closure holds a scope given a probability. Deterministic: the same
        inputs give the same decision.

    Examples
    --------
    >>> from scopecast.catalogue import Catalogue, ScopeSpec
    >>> cat = Catalogue(scopes=(ScopeSpec(name="g:send", risk=0.6),))
    >>> sorted(choose_upfront({"g:send": 0.9}, cat).upfront)
    ['g:send']
    """
    tables = catalogue_tables(catalogue)
    names = tables.names
    n = len(names)
    p = np.fromiter(map(probabilities.get, names, itertools.repeat(0.0)), np.float64, count=n)
    present = np.zeros(n + 1, dtype=np.bool_)
    keys = probabilities.keys()
    present[:n] = np.fromiter(map(keys.__contains__, names), np.bool_, count=n)
    extras: list[tuple[str, float]] = []
    if len(probabilities) > int(np.count_nonzero(present)):
        index = tables.index
        extras = [
            (scope, float(value))
            for scope, value in probabilities.items()
            if scope not in index and value > 0.0
        ]
    return decide_upfront(p, candidates_of(tables, present), extras, catalogue, costs, tables)
