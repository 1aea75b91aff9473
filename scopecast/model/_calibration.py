"""Fitting calibration maps on out-of-fold scores, and choosing between them by grouped CV.

The maps themselves (and how they are applied) live in :mod:`scopecast._calibration_maps`,
shared with the numpy-only runtime export.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid

__all__ = ["crossfit_calibrated", "fit_isotonic", "fit_sigmoid"]


def fit_sigmoid(
    z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> tuple[float, float]:
    """Platt's sigmoid fit with his smoothed targets; returns ``(a, b)`` of ``1/(1+exp(a z + b))``.

    The targets ``(n_pos + 1) / (n_pos + 2)`` and ``1 / (n_neg + 2)`` keep the map from
    being over-confident when there are few examples.

    The map never decreases (``a <= 0``): a higher score never means a lower probability.
    Out-of-fold scores can run against the labels when each held-out group is scored by a
    model fitted on the others (few groups: holding out a positive group leaves mostly
    negatives, and the other way round), and an unconstrained fit then learned a decreasing
    map, which the final model, whose scores follow the labels, turned into confident wrong
    answers (P = 0 on exactly the tasks that needed the scope). The loss is convex, so when
    its minimum lies at ``a > 0`` the constrained one is on ``a = 0``: the smoothed base rate.
    """
    n_pos = float(np.sum(w[y > 0.5]))
    n_neg = float(np.sum(w[y <= 0.5]))
    t = np.where(y > 0.5, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    params = np.array([0.0, float(np.log((n_neg + 1.0) / (n_pos + 1.0)))])

    def loss(ab: npt.NDArray[np.float64]) -> float:
        u = ab[0] * z + ab[1]
        # -log p = log(1 + exp(u)), -log(1 - p) = log(1 + exp(-u)), for p = sigmoid(-u)
        return float(np.sum(w * (t * np.logaddexp(0.0, u) + (1.0 - t) * np.logaddexp(0.0, -u))))

    # Newton's method with backtracking (Lin, Lin & Weng's robust version of Platt's fit).
    # It stops when the gradient or the predicted decrease is negligible at the scale of the
    # data (an absolute tolerance is never met on large sums and wastes the line search).
    total = float(np.sum(w)) or 1.0
    value = loss(params)
    for _ in range(100):
        u = params[0] * z + params[1]
        p = apply_sigmoid(u[:, None], np.ones(1), np.zeros(1))[:, 0]
        g = w * (t - p)
        h = w * p * (1.0 - p)
        grad = np.array([float(np.sum(g * z)), float(np.sum(g))])
        hess = np.array(
            [
                [float(np.sum(h * z * z)) + 1e-12, float(np.sum(h * z))],
                [float(np.sum(h * z)), float(np.sum(h)) + 1e-12],
            ]
        )
        if float(np.max(np.abs(grad))) < 1e-9 * total:
            break
        step = np.linalg.solve(hess, -grad)
        if -float(grad @ step) < 1e-12 * max(value, 1.0):
            break
        scale = 1.0
        while scale > 1e-10:
            candidate = params + scale * step
            new_value = loss(candidate)
            if new_value <= value + 1e-4 * scale * float(grad @ step):
                break
            scale /= 2.0
        else:
            break
        params, value = candidate, new_value
    if params[0] > 0.0:
        rate = float(np.sum(w * t)) / total
        return 0.0, float(np.log((1.0 - rate) / rate))
    return float(params[0]), float(params[1])


def fit_isotonic(
    z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Isotonic fit of ``y`` on ``z``; returns the map's points ``(xs, ys)``."""
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(z, y, sample_weight=w)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    if xs.size == 1:  # a constant map: np.interp needs the point twice to be well defined
        xs = np.array([xs[0], xs[0]])
        ys = np.array([ys[0], ys[0]])
    return xs, ys


def _fit_and_apply(
    method: str,
    z: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    z_new: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Fit a map of ``method`` on ``(z, y, w)`` and apply it to ``z_new``."""
    if method == "sigmoid":
        a, b = fit_sigmoid(z, y, w)
        return apply_sigmoid(z_new[:, None], np.array([a]), np.array([b]))[:, 0]
    xs, ys = fit_isotonic(z, y, w)
    return apply_isotonic(z_new[:, None], [xs], [ys])[:, 0]


def crossfit_calibrated(
    method: str,
    z: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Calibrated probabilities of out-of-fold scores, each fold mapped by a map fit on the others.

    This is how a calibration method is judged honestly: no score is calibrated by a map
    that saw its own label. A fold whose complement has a single class gets that class's
    smoothed rate.
    """
    out = np.empty_like(z)
    for fold in np.unique(folds):
        test = folds == fold
        train = ~test
        yt, wt = y[train], w[train]
        if yt.min() == yt.max():
            rate = (float(np.sum(wt * yt)) + 0.5) / (float(np.sum(wt)) + 1.0)
            out[test] = rate
            continue
        out[test] = _fit_and_apply(method, z[train], yt, wt, z[test])
    return out
