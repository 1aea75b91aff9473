"""Calibration maps from a linear score to a probability, in numpy only.

The fitted :class:`~scopecast.model.ScopePredictor` and its numpy-only runtime export both
apply *these* functions to the same stored arrays, so their probabilities agree exactly.

- ``sigmoid`` (Platt): ``p = 1 / (1 + exp(a * z + b))``.
- ``isotonic``: a non-decreasing piecewise-linear map through the points ``(x_k, y_k)``,
  constant (clipped) outside ``[x_0, x_last]`` (``numpy.interp``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["apply_isotonic", "apply_sigmoid", "logistic"]


def logistic(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``1 / (1 + exp(-z))`` without overflow warnings.

    With ``e = exp(-|z|)`` (never overflows): ``1 / (1 + e)`` where ``z >= 0`` and
    ``e / (1 + e)`` elsewhere, the two usual stable forms, in four array operations.
    """
    e = np.exp(-np.abs(z))
    out: npt.NDArray[np.float64] = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return out


def apply_sigmoid(
    z: npt.NDArray[np.float64], a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Platt map per column: ``z`` of shape (n, k), ``a`` and ``b`` of shape (k,)."""
    return logistic(-(z * a + b))


def apply_isotonic(
    z: npt.NDArray[np.float64],
    xs: list[npt.NDArray[np.float64]],
    ys: list[npt.NDArray[np.float64]],
) -> npt.NDArray[np.float64]:
    """Isotonic map per column: column ``j`` of ``z`` goes through the points ``(xs[j], ys[j])``."""
    out = np.empty_like(z, dtype=np.float64)
    for j in range(z.shape[1]):
        out[:, j] = np.interp(z[:, j], xs[j], ys[j])
    return out
