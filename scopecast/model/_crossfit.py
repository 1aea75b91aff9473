"""Grouped cross-fitting of the per-scope linear models: out-of-fold scores for every C.

One pass over the folds fits the featurizer once per fold and every (C, scope) model on it;
the out-of-fold scores then choose C and the calibration method and fit the final
calibration maps, without any score ever being judged by a model that saw its label.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from scopecast.catalogue import Catalogue
from scopecast.features import TaskFeaturizer
from scopecast.model._match import MatchDesign, fit_match, match_design, match_scores
from scopecast.model._priors import base_rates, positive_groups
from scopecast.scoring import TaskInput

__all__ = [
    "Features",
    "OutOfFold",
    "ProgressCallback",
    "featurized_folds",
    "fit_linear",
    "grouped_folds",
    "matrix_folds",
    "out_of_fold_scores",
]

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as training advances (the CLI draws a bar)."""

Features = Callable[
    [npt.NDArray[np.int64], npt.NDArray[np.int64]],
    tuple[sp.csr_matrix, sp.csr_matrix, MatchDesign | None],
]
"""``features(train_rows, test_rows) -> (F_train, F_test, design)``, fitted on the training
rows only; ``design`` maps the row features to the match model's pair features (``None``
without a featurizer)."""


def featurized_folds(
    base: TaskFeaturizer,
    inputs: Sequence[TaskInput],
    documents: dict[str, str] | None,
    scopes: Sequence[str],
    catalogue: Catalogue | None,
) -> Features:
    """:data:`Features` of task inputs: a clone of ``base`` fitted on each fold's training rows."""

    def features(
        train: npt.NDArray[np.int64], test: npt.NDArray[np.int64]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, MatchDesign | None]:
        feat = clone(base).fit([inputs[i] for i in train], scope_documents=documents)
        return (
            feat.transform([inputs[i] for i in train]),
            feat.transform([inputs[i] for i in test]),
            match_design(feat, scopes, catalogue),
        )

    return features


def matrix_folds(matrix: sp.csr_matrix) -> Features:
    """:data:`Features` of a numeric feature matrix (passthrough): its rows, no match design."""

    def features(
        train: npt.NDArray[np.int64], test: npt.NDArray[np.int64]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, MatchDesign | None]:
        return matrix[train], matrix[test], None

    return features


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold linear scores: one-vs-rest per C, and the match model's."""

    scores: dict[float, npt.NDArray[np.float64]]
    """``{C: Z}``, ``Z`` of shape (n_samples, n_trainable)."""
    match: npt.NDArray[np.float64] | None
    """Shape (n_samples, n_scopes), or ``None`` without a match model."""
    base_rate: npt.NDArray[np.float64]
    """Shape (n_samples, n_scopes): the base rates of each row's fold, fitted on the other
    folds' rows (the cross-fitted probability of a scope left to its prior)."""
    fields: dict[float, npt.NDArray[np.float64]] | None = None
    """``{C: Z}`` of the one-vs-rest models on the non-text columns only (``None`` without
    a featurizer)."""


@dataclass(frozen=True)
class LinearFit:
    """Weights of one scope's logistic model."""

    coef: npt.NDArray[np.float64]
    intercept: float
    n_iter: int


def fit_linear(
    F: sp.csr_matrix | npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    C: float,
    max_iter: int,
    random_state: int | None,
) -> LinearFit:
    """L2-regularised logistic regression of ``y`` on ``F`` with sample weights."""
    model = LogisticRegression(
        C=C, solver="liblinear", max_iter=max_iter, random_state=random_state
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(F, y.astype(np.int64), sample_weight=w)
    return LinearFit(
        np.asarray(model.coef_[0], dtype=np.float64),
        float(model.intercept_[0]),
        int(np.max(model.n_iter_)),
    )


def grouped_folds(groups: npt.NDArray[np.generic], n_splits: int) -> npt.NDArray[np.int64]:
    """Fold number of every row: rows of one group share a fold (``GroupKFold``)."""
    n_groups = len(np.unique(groups))
    folds = np.zeros(len(groups), dtype=np.int64)
    splitter = GroupKFold(n_splits=min(n_splits, n_groups))
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(groups)), groups=groups)):
        folds[test] = k
    return folds


def out_of_fold_scores(
    features: Features,
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
    trainable: Sequence[int],
    Cs: Sequence[float],
    *,
    groups: npt.NDArray[np.generic],
    prior_strength: float,
    min_positive: int,
    max_iter: int,
    random_state: int | None,
    progress: ProgressCallback | None = None,
) -> OutOfFold:
    """Out-of-fold linear scores of the one-vs-rest models (per C) and of the match model.

    ``usable[i, j]`` says whether row ``i`` trains scope ``j`` (a scope already used by the
    calls so far is certain, so that row teaches nothing about it). Nothing of a fold's rows
    reaches its scores: the base rates (the match model's prior feature and intercept, and
    ``OutOfFold.base_rate``) are those of the other folds' rows, and a scope that those rows
    would not model (fewer than ``min_positive`` positive or negative ``groups``, as
    :func:`~scopecast.model._priors.fit_priors` decides on all rows) gets its prior logit
    there.
    """
    fold_ids = np.unique(folds)
    scores = {C: np.zeros((Y.shape[0], len(trainable))) for C in Cs}
    fields: dict[float, npt.NDArray[np.float64]] | None = {
        C: np.zeros((Y.shape[0], len(trainable))) for C in Cs
    }
    match: npt.NDArray[np.float64] | None = np.zeros(Y.shape)
    fold_rate = np.zeros(Y.shape)
    total = len(fold_ids) * len(Cs) * len(trainable)
    done = 0
    for fold in fold_ids:
        train = np.flatnonzero(folds != fold)
        test = np.flatnonzero(folds == fold)
        # Everything label-derived is fitted on the training rows only: the base rates
        # (with all rows, the held-out fold's labels moved the match model's prior feature
        # and intercept, so its scores leaked them) and which scopes have enough groups.
        rate = base_rates(Y[train], usable[train], w[train], prior_strength)
        fold_rate[test] = rate
        prior_logit = np.log(rate / (1.0 - rate))
        modelled = set(positive_groups(Y[train], usable[train], groups[train], min_positive))
        F_train, F_test, design = features(train, test)
        fit_m = (
            None
            if design is None or match is None
            else fit_match(design, F_train, Y[train], usable[train], w[train], prior_logit)
        )
        if fit_m is None or design is None or match is None:
            match = None
        else:
            match[test] = match_scores(design, fit_m, F_test, prior_logit)
        blocks = [(scores, F_train, F_test)]
        if design is None:
            fields = None
        elif fields is not None:  # the non-text columns, sliced once per fold
            cols = design.field_columns
            blocks.append((fields, F_train[:, cols], F_test[:, cols]))
        for C in Cs:
            for k, j in enumerate(trainable):
                rows = usable[train, j]
                y = Y[train, j][rows]
                single_class = y.size == 0 or y.min() == y.max() or j not in modelled
                for out, X_train, X_test in blocks:
                    if single_class:
                        out[C][test, k] = prior_logit[j]
                    else:
                        fit = fit_linear(
                            X_train[rows], y, w[train][rows], C, max_iter, random_state
                        )
                        out[C][test, k] = X_test @ fit.coef + fit.intercept
                done += 1
                if progress is not None:
                    progress("cross-validation", done, total)
    return OutOfFold(scores, match, fold_rate, fields)
