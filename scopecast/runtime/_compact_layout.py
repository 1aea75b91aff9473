"""The compact scorer's output laid out for the policy: no per-scope dictionary on the hot path.

:class:`~scopecast.runtime.CompactScorer` predicts one row of probabilities in its own scope
order; :func:`scopecast.policy.choose_upfront` works on the catalogue's tables
(:func:`scopecast.policy._tables.catalogue_tables`) in the catalogue's order. A
:class:`CompactLayout` maps one onto the other once, so that planning a task is a
prediction, one checked array copy and the policy's array operations: the same decision
as ``choose_upfront(dict(zip(scorer.scopes, row)), catalogue, costs)``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from scopecast._domain_support import domain_of
from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.policy import CostModel, UpfrontDecision
from scopecast.policy._tables import CatalogueTables, catalogue_tables
from scopecast.policy._upfront import candidates_of, decide_upfront
from scopecast.runtime._compact import CompactScorer
from scopecast.scoring import TaskInput

__all__ = ["CompactLayout", "Prediction"]

Prediction = tuple[npt.NDArray[np.float64], list[tuple[str, float]]]
"""Probabilities in the catalogue's order, and the scopes outside it predicted above 0."""


def _in_unit_interval(values: npt.NDArray[np.float64]) -> bool:
    """Whether every value is a number in [0, 1] (``NaN`` is not: it fails both tests).

    The ufuncs' own reductions: ``ndarray.min`` and ``max`` go through numpy's Python-level
    wrappers, which cost more than the reduction of a few tens of values.
    """
    return len(values) == 0 or bool(
        np.minimum.reduce(values) >= 0.0 and np.maximum.reduce(values) <= 1.0
    )


def _refuse(probability: float, scope: str) -> None:
    raise ValueError(f"probability {probability!r} of {scope!r} is not in [0, 1]")


class CompactLayout:
    """A compact scorer's scopes placed on a catalogue's tables.

    Parameters
    ----------
    scorer : CompactScorer
        The model.
    catalogue : Catalogue
        The catalogue the policy decides with.

    Raises
    ------
    ValueError
        If a scope of the model is not a ``provider:name`` scope.
    """

    def __init__(self, scorer: CompactScorer, catalogue: Catalogue) -> None:
        for scope in scorer.scopes:
            provider_of(scope)
        self.scorer = scorer
        self.catalogue = catalogue
        self.tables: CatalogueTables = catalogue_tables(catalogue)
        index = self.tables.index
        n = len(self.tables.names)
        inside = [j for j, s in enumerate(scorer.scopes) if s in index]
        self._source = np.array(inside, dtype=np.int64)
        self._target = np.array([index[scorer.scopes[j]] for j in inside], dtype=np.int64)
        self._outside = [(j, s) for j, s in enumerate(scorer.scopes) if s not in index]
        # inputs without calls, model scopes all in the catalogue: scores straight into place
        modelled = {j: k for k, j in enumerate(scorer.modelled.tolist())}
        self._base = np.zeros(n, dtype=np.float64)
        self._base[self._target] = scorer.base_rate[self._source]
        self._scored_source = np.array([modelled[j] for j in inside if j in modelled], np.int64)
        self._scored_target = np.array(
            [index[scorer.scopes[j]] for j in inside if j in modelled], np.int64
        )
        self._in_order = bool(
            np.array_equal(self._scored_source, np.arange(len(self._scored_source)))
        )
        self._is_direct = not self._outside and _in_unit_interval(self._base)
        self._is_bounded = scorer.is_bounded
        self._zeroed = {
            domain: self._target[~allowed[self._source]]
            for domain, allowed in scorer.domain_support.items()
            if not allowed[self._source].all()
        }
        """Per domain, the catalogue positions its support sets to 0 (none: the domain has
        no support, or keeps every scope)."""
        present = np.zeros(n + 1, dtype=np.bool_)
        present[self._target] = True
        self.candidate = candidates_of(self.tables, present)
        self._askable = self.candidate & self.tables.can_ask

    def predict(self, item: TaskInput) -> Prediction:
        """The probabilities of one input, checked to be in [0, 1].

        Raises
        ------
        ValueError
            If a probability is not a number in [0, 1] (a broken model).
        """
        scorer = self.scorer
        zeroed = self._zeroed.get(domain_of(item.context) or "") if self._zeroed else None
        if self._is_direct and not item.calls and (zeroed is None or not item.plan):
            scored = scorer.probability_row(item)
            if (
                # no NaN, so in [0, 1] (is_bounded); the sum of squares is NaN if a value
                # is, and BLAS's dot costs less to call than a ufunc's reduction
                math.isnan(np.dot(scored, scored))
                if self._is_bounded
                else not _in_unit_interval(scored)
            ):
                k = int(np.flatnonzero(~((scored >= 0.0) & (scored <= 1.0)))[0])
                _refuse(float(scored[k]), scorer.scopes[int(scorer.modelled[k])])
            p = self._base.copy()
            p[self._scored_target] = scored if self._in_order else scored[self._scored_source]
            if zeroed is not None:
                p[zeroed] = 0.0
            return p, []
        (row,) = scorer.predict_proba([item])
        if not _in_unit_interval(row):
            j = int(np.flatnonzero(~((row >= 0.0) & (row <= 1.0)))[0])
            _refuse(float(row[j]), scorer.scopes[j])
        p = np.zeros(len(self.tables.names), dtype=np.float64)
        p[self._target] = row[self._source]
        extras = [(s, float(row[j])) for j, s in self._outside if row[j] > 0.0]
        return p, extras

    def decide(self, prediction: Prediction, costs: CostModel) -> UpfrontDecision:
        """The upfront decision on a prediction (as :func:`~scopecast.policy.choose_upfront`)."""
        p, extras = prediction
        return decide_upfront(
            p, self.candidate, extras, self.catalogue, costs, self.tables, self._askable
        )
