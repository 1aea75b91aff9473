"""The pooled similarity model: one logistic regression shared by every scope.

A scope with few training positives cannot learn which words announce it, but the catalogue
describes it: the similarity between the task and the scope's document (its tools' names and
descriptions) is informative for every scope alike. The pooled model learns, over all (row,
scope) pairs at once,

    z_ij = beta * sim_ij + gamma * logit(base_rate_j) + alpha,

so its three weights are estimated from every scope's examples and a scope seen twice (or a
tool newly added to the catalogue) still gets a task-specific score. For scope ``j`` this is
a linear model on the feature matrix (weight ``beta`` on the column ``sim:j`` and intercept
``gamma * logit(base_rate_j) + alpha``), so it is exported and calibrated like the
one-vs-rest models.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

__all__ = ["PooledFit", "fit_pooled", "pooled_scores", "similarity_block"]


@dataclass(frozen=True)
class PooledFit:
    """Weights of the pooled model."""

    beta: float
    gamma: float
    alpha: float


def similarity_block(
    F: sp.csr_matrix | npt.NDArray[np.float64], columns: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Dense (n_rows, n_scopes) similarities; scopes without a column (``-1``) get zeros."""
    S = np.zeros((F.shape[0], len(columns)))
    have = columns >= 0
    if have.any():
        matrix = sp.csr_matrix(F)
        S[:, have] = matrix[:, columns[have]].toarray()
    return S


def fit_pooled(
    S: npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    prior_logit: npt.NDArray[np.float64],
    columns: npt.NDArray[np.int64],
) -> PooledFit | None:
    """Fit the pooled model on every usable (row, scope) pair of scopes with a similarity column.

    Returns ``None`` when there is nothing to fit (no similarity column or a single class).
    """
    scopes = np.flatnonzero(columns >= 0)
    if scopes.size == 0:
        return None
    mask = usable[:, scopes]
    rows, cols = np.nonzero(mask)
    j = scopes[cols]
    y = Y[rows, j]
    if y.size == 0 or y.min() == y.max():
        return None
    X = np.column_stack([S[rows, j], prior_logit[j]])
    model = LogisticRegression(C=1e4, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y.astype(np.int64), sample_weight=w[rows])
    beta, gamma = (float(v) for v in model.coef_[0])
    return PooledFit(beta, gamma, float(model.intercept_[0]))


def pooled_scores(
    S: npt.NDArray[np.float64], fit: PooledFit, prior_logit: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Linear scores ``beta * sim + gamma * logit(base_rate) + alpha`` for every (row, scope)."""
    return fit.beta * S + (fit.gamma * prior_logit + fit.alpha)[None, :]
