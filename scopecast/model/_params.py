"""Validation of ScopePredictor's hyper-parameters (done in ``fit``, never in ``__init__``)
and of its per-row fit arguments (``sample_weight``, ``groups``)."""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scopecast.exceptions import DataValidationError

if TYPE_CHECKING:
    from scopecast.model._predictor import ScopePredictor

__all__ = ["CALIBRATIONS", "check_params", "check_rows"]

CALIBRATIONS = ("auto", "sigmoid", "isotonic")


def check_params(est: ScopePredictor) -> list[float]:
    """Validate the hyper-parameters of ``est`` (at fit time); return the C grid as floats."""
    raw: object = est.C
    values: list[object] = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    Cs = [float(c) for c in values if isinstance(c, Real) and float(c) > 0]
    if not values or len(Cs) != len(values):
        raise ValueError(
            f"The 'C' parameter of ScopePredictor must be a positive float or a non-empty list "
            f"of them. Got {est.C!r} instead."
        )
    if est.calibration not in CALIBRATIONS:
        raise ValueError(
            f"The 'calibration' parameter of ScopePredictor must be one of {CALIBRATIONS}. "
            f"Got {est.calibration!r} instead."
        )
    if not isinstance(est.cv, int) or est.cv < 2:
        raise ValueError(
            f"The 'cv' parameter of ScopePredictor must be an int >= 2. Got {est.cv!r}."
        )
    if not isinstance(est.min_positive, int) or est.min_positive < 1:
        raise ValueError(
            f"The 'min_positive' parameter of ScopePredictor must be an int >= 1. Got {est.min_positive!r}."
        )
    support: object = est.support_min_groups
    if not isinstance(support, int) or isinstance(support, bool) or support < 0:
        raise ValueError(
            f"The 'support_min_groups' parameter of ScopePredictor must be an int >= 0 "
            f"(0 turns the domain support off). Got {est.support_min_groups!r}."
        )
    strength: object = est.prior_strength
    if not isinstance(strength, Real) or float(strength) <= 0:
        raise ValueError(
            f"The 'prior_strength' parameter of ScopePredictor must be a positive float. "
            f"Got {est.prior_strength!r}."
        )
    return Cs


def check_rows(
    sample_weight: npt.ArrayLike | None, groups: npt.ArrayLike | None, n: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.generic]]:
    """The weights (default 1) and groups (default: one per row) of ``n`` rows, checked.

    Raises
    ------
    DataValidationError
        If either has not exactly one entry per row.
    """
    w = (
        np.ones(n)
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    )
    g = np.arange(n) if groups is None else np.asarray(groups).reshape(-1)
    if w.shape[0] != n or g.shape[0] != n:
        raise DataValidationError(
            f"sample_weight and groups need {n} entries, one per sample; got "
            f"{w.shape[0]} and {g.shape[0]}."
        )
    return w, g
