"""The per-scope priors of ScopePredictor: which rows train a scope, base rates, what is modelled.

A scope already used by the calls made so far is known (probability 1), so the rows where
it was used do not train it (:func:`unobserved_mask`). Every scope gets a Beta-smoothed
base rate ``(n_pos + prior_strength/2) / (n + prior_strength)`` over the rows that train it;
only scopes with at least ``min_positive`` positive *and* negative groups get a model of
their own, the others keep the base rate (:func:`fit_priors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scopecast.scoring import TaskInput

__all__ = ["ScopePriors", "base_rates", "fit_priors", "positive_groups", "unobserved_mask"]


def unobserved_mask(
    inputs: Sequence[TaskInput] | None, scopes: Sequence[str], n: int
) -> npt.NDArray[np.bool_]:
    """``(n, len(scopes))``: True where the scope was not used by the row's calls so far."""
    usable = np.ones((n, len(scopes)), dtype=bool)
    if inputs is None:
        return usable
    index = {s: j for j, s in enumerate(scopes)}
    for i, item in enumerate(inputs):
        for call in item.calls:
            for scope in call.scopes:
                if scope in index:
                    usable[i, index[scope]] = False
    return usable


@dataclass(frozen=True)
class ScopePriors:
    """Base rates of every scope, in probability and log-odds, and the scopes worth a model."""

    base_rate: npt.NDArray[np.float64]
    prior_logit: npt.NDArray[np.float64]
    candidates: list[int]


def base_rates(
    Ymat: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    prior_strength: float,
) -> npt.NDArray[np.float64]:
    """Weighted, Beta-smoothed rate of each scope over the rows that train it."""
    wpos = (Ymat * usable * w[:, None]).sum(axis=0)
    wall = (usable * w[:, None]).sum(axis=0)
    rate: npt.NDArray[np.float64] = (wpos + prior_strength / 2.0) / (wall + prior_strength)
    return rate


def positive_groups(
    Ymat: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    g: npt.NDArray[np.generic],
    min_positive: int,
) -> list[int]:
    """The columns with ``min_positive`` distinct positive groups and as many negative ones."""
    candidates = []
    for j in range(Ymat.shape[1]):
        rows = usable[:, j]
        pos_groups = len(np.unique(g[rows & (Ymat[:, j] > 0)]))
        neg_groups = len(np.unique(g[rows & (Ymat[:, j] == 0)]))
        if pos_groups >= min_positive and neg_groups >= min_positive:
            candidates.append(j)
    return candidates


def fit_priors(
    Ymat: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    g: npt.NDArray[np.generic],
    *,
    prior_strength: float,
    min_positive: int,
) -> ScopePriors:
    """Weighted, Beta-smoothed base rates and the columns with enough groups to model.

    Parameters
    ----------
    Ymat : ndarray of shape (n, n_scopes)
        0/1 labels.
    usable : ndarray of bool, same shape
        Rows that train each scope (see :func:`unobserved_mask`).
    w : ndarray of shape (n,)
        Sample weights.
    g : ndarray of shape (n,)
        Group of each row; a scope is modelled when it has ``min_positive`` distinct
        positive groups and as many negative groups.
    prior_strength, min_positive
        The estimator's hyper-parameters of the same names.
    """
    base_rate = base_rates(Ymat, usable, w, prior_strength)
    candidates = positive_groups(Ymat, usable, g, min_positive)
    prior_logit = np.log(base_rate / (1.0 - base_rate))
    return ScopePriors(base_rate, prior_logit, candidates)
