"""A catalogue as arrays: what :func:`~scopecast.policy.choose_upfront` needs, computed once.

The upfront decision for one task is a handful of array operations over the catalogue's
scopes when everything that depends only on the catalogue (risks, providers, which scopes
can never be asked up front, the ``implies`` closures and the subsets of lower scopes the
deferral cost enumerates) is laid out in advance. :func:`catalogue_tables` builds that
layout once per :class:`~scopecast.catalogue.Catalogue` object and keeps it for as long as
the catalogue lives (the catalogue is immutable).

The enumeration is the one of :func:`~scopecast.policy.deferral_cost`, row for row: each row
is one subset of the askable scopes below a scope, with the positions it asks and the
positions it leaves deferred, so that the costs are summed in the same order and come out
bit for bit the same.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue

__all__ = ["MAX_EXACT", "CatalogueTables", "blocked_reason", "catalogue_tables"]

MAX_EXACT = 10
"""Largest number of scopes below one scope for which the deferral cost is found exactly."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def blocked_reason(scope: str, catalogue: Catalogue) -> str | None:
    """Why ``scope`` can never be asked up front (``None`` if it can)."""
    if catalogue.is_jit_only(scope):
        return f"{scope} is jit_only: asked only at the point of execution"
    for implied in sorted(catalogue.closure((scope,))):
        if catalogue.is_jit_only(implied):
            return f"it implies the jit_only scope {implied}"
    return None


@dataclass(frozen=True, eq=False, repr=False)
class CatalogueTables:
    """The per-catalogue arrays of the upfront decision (indices follow ``names``).

    Attributes
    ----------
    names : tuple[str, ...]
        Every scope of the catalogue, sorted (the order of every array below).
    index : dict[str, int]
        Position of each name.
    providers : tuple[str, ...]
        Provider of each scope.
    risk : ndarray of float, shape (n,)
        Catalogue risk of each scope.
    blocked : tuple[str | None, ...]
        Why each scope can never be asked up front (``jit_only`` or implying one), or ``None``.
    can_ask : ndarray of bool, shape (n,)
        ``blocked[i] is None``.
    closure : ndarray of int, shape (n, width)
        The positions of each scope's ``implies`` closure, padded with ``n``.
    has_below : ndarray of bool, shape (n,)
        Whether a scope implies any other scope.
    below : dict[str, frozenset[str]]
        The scopes each scope implies, directly or not (itself excluded), for the scopes
        that imply any.
    exact : ndarray of int
        Scopes with lower scopes whose deferral cost is enumerated (at most
        :data:`MAX_EXACT` askable scopes below), in ``names`` order.
    bounded : tuple[int, ...]
        Scopes with more askable scopes below than that: priced one by one by
        :func:`~scopecast.policy.deferral_cost` (its upper bound).
    row_terms : ndarray of int, shape (height, rows + 1)
        One column per subset enumerated for the ``exact`` scopes, indexing the vector
        ``[cost if asked (n), 0.0, cost if deferred (n)]``: the 0.0 (``n``) first, as
        :func:`~scopecast.policy.deferral_cost` starts its sum from 0.0, then the lower
        scopes the subset asks, in order, then those it leaves deferred (``n + 1 + j``),
        padded with ``n`` to the tallest column (a subset asks or defers each lower scope
        at most once, so ``height`` is one more than the most lower scopes of any scope).
        Summed down the columns in order (adding 0.0 after the last term changes nothing:
        a sum started from +0.0 is never -0.0), a column is the subset's cost as
        :func:`~scopecast.policy.deferral_cost` adds it, bit for bit. The last column is padding only, so that there are always two columns at
        least: numpy adds a single column pairwise, not in order.
    row_starts : ndarray of int, shape (len(exact) + 1,)
        First subset of each ``exact`` scope, then ``rows`` (the padding column).
    """

    names: tuple[str, ...]
    index: dict[str, int]
    providers: tuple[str, ...]
    risk: FloatArray
    blocked: tuple[str | None, ...]
    can_ask: BoolArray
    closure: IntArray
    has_below: BoolArray
    below: dict[str, frozenset[str]]
    exact: IntArray
    bounded: tuple[int, ...]
    row_terms: IntArray
    row_starts: IntArray


def _padded(rows: list[list[int]], pad: int) -> IntArray:
    width = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), max(width, 1)), pad, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _terms(asked_rows: list[list[int]], deferred_rows: list[list[int]], n: int) -> IntArray:
    columns = [
        [*asked, *(n + 1 + j for j in deferred)]
        for asked, deferred in zip(asked_rows, deferred_rows, strict=True)
    ]
    height = 1 + max(map(len, columns), default=0)
    out = np.full((height, len(columns) + 1), n, dtype=np.int64)  # last: padding only
    for r, terms in enumerate(columns):
        out[1 : 1 + len(terms), r] = terms
    return out


def _build(catalogue: Catalogue) -> CatalogueTables:
    names = tuple(sorted(catalogue.all_scopes))
    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    blocked = tuple(blocked_reason(name, catalogue) for name in names)
    closures = [sorted(index[s] for s in catalogue.closure((name,))) for name in names]
    exact: list[int] = []
    bounded: list[int] = []
    asked_rows: list[list[int]] = []
    deferred_rows: list[list[int]] = []
    starts: list[int] = []
    for i in range(n):
        below = [j for j in closures[i] if j != i]  # sorted by name, as deferral_cost sorts
        if not below:
            continue
        askable = [j for j in below if blocked[j] is None]
        if len(askable) > MAX_EXACT:
            bounded.append(i)
            continue
        exact.append(i)
        starts.append(len(asked_rows))
        for size in range(len(askable) + 1):
            for chosen in itertools.combinations(askable, size):
                held = catalogue.closure(names[j] for j in chosen)
                asked_rows.append(list(chosen))
                deferred_rows.append([j for j in below if names[j] not in held])
    return CatalogueTables(
        names=names,
        index=index,
        providers=tuple(provider_of(name) for name in names),
        risk=np.array([catalogue.risk(name) for name in names], dtype=np.float64),
        blocked=blocked,
        can_ask=np.array([b is None for b in blocked], dtype=np.bool_),
        closure=_padded(closures, n),
        has_below=np.array([len(c) > 1 for c in closures], dtype=np.bool_),
        below={
            name: frozenset(names[j] for j in closures[i] if j != i)
            for i, name in enumerate(names)
            if len(closures[i]) > 1
        },
        exact=np.array(exact, dtype=np.int64),
        bounded=tuple(bounded),
        row_terms=_terms(asked_rows, deferred_rows, n),
        row_starts=np.array([*starts, len(asked_rows)], dtype=np.int64),
    )


_CACHE: dict[int, tuple[weakref.ref[Catalogue], CatalogueTables]] = {}


def _forget(key: int, ref: weakref.ref[Catalogue]) -> None:
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is ref:
        del _CACHE[key]


def catalogue_tables(catalogue: Catalogue) -> CatalogueTables:
    """The tables of ``catalogue``, built on first use and kept while the catalogue lives.

    Keyed by object identity (hashing a catalogue would cost more than the decision); the
    entry goes when the catalogue is garbage-collected.
    """
    key = id(catalogue)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is catalogue:
        return entry[1]
    tables = _build(catalogue)
    _CACHE[key] = (weakref.ref(catalogue, lambda ref: _forget(key, ref)), tables)
    return tables
