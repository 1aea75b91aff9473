"""The final fit: each scope's chosen source fitted on all the training rows.

Cross-validation (:mod:`scopecast.model._selection`) chose, per scope, ``words`` (its own
logistic regression), ``match`` (the match model shared by every scope), ``blend`` (the sum
of the two), ``fields`` (its logistic regression on the non-text columns only, zero weight
on the text), ``pooled`` (the match model, under a calibration map shared by every scope) or
``prior``. Every modelled scope ends as one linear model on the feature
columns, ``z = F . coef + intercept``, which is what the calibration maps, the compact
export and the runtime use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scopecast.exceptions import ModelError
from scopecast.model._crossfit import fit_linear
from scopecast.model._match import MatchDesign, fit_match

__all__ = ["SourceWeights", "fit_sources", "needs_design"]

_MATCH_SOURCES = ("match", "blend", "pooled")
_WORDS_SOURCES = ("words", "blend")
_DESIGN_SOURCES = (*_MATCH_SOURCES, "fields")
_OWN_SOURCES = (*_WORDS_SOURCES, "fields")
"""Sources with a logistic regression of the scope's own: on all columns, or the fields."""


@dataclass(frozen=True)
class SourceWeights:
    """The linear models of the modelled scopes, in the order of ``modelled``."""

    coef: npt.NDArray[np.float64]
    """Shape (n_modelled, n_features)."""
    intercept: npt.NDArray[np.float64]
    n_iter: npt.NDArray[np.int64]
    """liblinear iterations of each scope's own model (``words``, ``blend``, ``fields``; 0 for
    ``match``)."""


def needs_design(sources: Sequence[str]) -> bool:
    """Whether any scope's chosen source needs the match design (its maps or field columns)."""
    return any(source in _DESIGN_SOURCES for source in sources)


def fit_sources(
    F: sp.csr_matrix | npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    prior_logit: npt.NDArray[np.float64],
    sources: Sequence[str],
    modelled: Sequence[int],
    *,
    design: MatchDesign | None,
    C: float,
    max_iter: int,
    random_state: int | None,
) -> SourceWeights:
    """Fit every modelled scope's source on all rows (``design``: needed for ``match``,
    ``blend`` and ``fields``).

    Raises
    ------
    ModelError
        If the match model or a fields model is needed but there is no ``design``, or the
        match model cannot be fitted.
    """
    coef = np.zeros((len(modelled), F.shape[1]))
    intercept = np.zeros(len(modelled))
    n_iter = np.zeros(len(modelled), dtype=np.int64)
    if design is None and needs_design([sources[j] for j in modelled]):
        raise ModelError(  # pragma: no cover - the CV chose it, so it has a featurizer
            "The match or fields source was chosen, but the model has no featurizer to build it on."
        )
    with_match = [k for k, j in enumerate(modelled) if sources[j] in _MATCH_SOURCES]
    if with_match:
        assert design is not None
        fit_m = fit_match(design, F, Y, usable, w, prior_logit)
        if fit_m is None:
            raise ModelError(  # pragma: no cover - the CV fit on fewer rows succeeded
                "The match model chosen by cross-validation could not be fitted on all the "
                "training rows (a single class)."
            )
        scopes = [modelled[k] for k in with_match]
        coef[with_match] = design.coefficients(fit_m, scopes)
        intercept[with_match] = design.intercepts(fit_m, prior_logit, scopes)
    for k, j in enumerate(modelled):
        if sources[j] not in _OWN_SOURCES:
            continue
        rows = usable[:, j]
        if sources[j] == "fields":
            assert design is not None
            cols = design.field_columns
            fit = fit_linear(F[rows][:, cols], Y[rows, j], w[rows], C, max_iter, random_state)
            coef[k, cols] += fit.coef
        else:
            fit = fit_linear(F[rows], Y[rows, j], w[rows], C, max_iter, random_state)
            coef[k] += fit.coef
        intercept[k] += fit.intercept
        n_iter[k] = fit.n_iter
    return SourceWeights(coef, intercept, n_iter)
