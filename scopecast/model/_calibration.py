"""Fitting calibration maps on out-of-fold scores, and choosing between them by grouped CV.

The maps themselves (and how they are applied) live in :mod:`scopecast._calibration_maps`,
shared with the numpy-only runtime export.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from sklearn.isotonic import IsotonicRegression

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid

__all__ = ["crossfit_calibrated", "fit_isotonic", "fit_sigmoid"]

_EPS = 1e-12


def fit_sigmoid(
    z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> tuple[float, float]:
    """Platt's sigmoid fit with his smoothed targets; returns ``(a, b)`` of ``1/(1+exp(a z + b))``.

    The targets ``(n_pos + 1) / (n_pos + 2)`` and ``1 / (n_neg + 2)`` keep the map from
    being over-confident when there are few examples.
    """
    n_pos = float(np.sum(w[y > 0.5]))
    n_neg = float(np.sum(w[y <= 0.5]))
    t = np.where(y > 0.5, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    prior_b = float(np.log((n_neg + 1.0) / (n_pos + 1.0)))

    def loss(params: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        a, b = params
        p = apply_sigmoid(z[:, None], np.array([a]), np.array([b]))[:, 0]
        p = np.clip(p, _EPS, 1.0 - _EPS)
        value = -float(np.sum(w * (t * np.log(p) + (1.0 - t) * np.log(1.0 - p))))
        # d loss / d (a z + b) = w * (t - p)  because p = sigmoid(-(a z + b))
        g = w * (t - p)
        return value, np.array([float(np.sum(g * z)), float(np.sum(g))])

    result = minimize(loss, np.array([-1.0, prior_b]), jac=True, method="L-BFGS-B")
    a, b = (float(v) for v in result.x)
    return a, b


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
