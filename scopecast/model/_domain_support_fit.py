"""Fitting each domain's support (:mod:`scopecast._domain_support`) on training rows.

Training code, kept off the runtime path: the runtime only applies a fitted support.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from scopecast._domain_support import domain_of, support_mask
from scopecast.scoring import TaskInput

__all__ = ["cross_fit_domain_support", "fit_domain_support", "fit_inputs_support"]


def fit_domain_support(
    domains: Sequence[str | None],
    groups: Sequence[object] | npt.NDArray[np.generic],
    Y: npt.NDArray[np.float64],
    min_groups: int,
) -> dict[str, npt.NDArray[np.bool_]]:
    """Each domain's support (a bool per column of ``Y``), for domains of ``min_groups`` groups.

    ``domains`` (see :func:`~scopecast._domain_support.domain_of`; ``None``: no domain),
    ``groups`` and the rows of ``Y`` (0/1, the scopes each row's trace needed) are aligned.
    ``min_groups`` below 1 turns the support off (an empty result).
    """
    if min_groups < 1:
        return {}
    rows_of: dict[str, list[int]] = {}
    for i, domain in enumerate(domains):
        if domain:
            rows_of.setdefault(domain, []).append(i)
    support: dict[str, npt.NDArray[np.bool_]] = {}
    for domain, rows in rows_of.items():
        if len({groups[i] for i in rows}) >= min_groups:
            support[domain] = np.asarray(Y[rows].max(axis=0) > 0, dtype=bool)
    return support


def fit_inputs_support(
    inputs: Sequence[TaskInput],
    groups: npt.NDArray[np.generic],
    Y: npt.NDArray[np.float64],
    min_groups: int,
) -> dict[str, npt.NDArray[np.bool_]]:
    """:func:`fit_domain_support` on the domains of ``inputs``."""
    return fit_domain_support([domain_of(item.context) for item in inputs], groups, Y, min_groups)


def cross_fit_domain_support(
    P: npt.NDArray[np.float64],
    inputs: Sequence[TaskInput],
    groups: npt.NDArray[np.generic],
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    folds: npt.NDArray[np.int64],
    scopes: Sequence[str],
    min_groups: int,
) -> None:
    """Zero in ``P`` (the cross-fitted probabilities, in place) what each fold's support,
    fitted on the other folds' rows, excludes, so that the CV metrics and the policy chosen
    on ``P`` see the support as a new task would. Used scopes (not ``usable``) keep their 1."""
    for fold in np.unique(folds):
        train = np.flatnonzero(folds != fold).tolist()
        test = np.flatnonzero(folds == fold)
        support = fit_inputs_support(
            [inputs[i] for i in train], groups[train], Y[train], min_groups
        )
        mask = support_mask([inputs[i] for i in test.tolist()], scopes, support)
        if mask is not None:
            P[test] = np.where(mask & usable[test], 0.0, P[test])
