"""Reading the labels ``Y`` of the scope model: a 0/1 matrix, scope sets, or a 1-D class vector."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import type_of_target

from scopecast.exceptions import DataValidationError

__all__ = ["Targets", "read_targets"]


@dataclass(frozen=True)
class Targets:
    """Labels as a float 0/1 matrix with one named column per scope.

    ``classes`` is set when ``Y`` was a 1-D vector of class labels (one scope per sample):
    ``predict`` then returns one class per sample instead of an indicator matrix.
    """

    matrix: npt.NDArray[np.float64]
    scopes: list[str]
    classes: npt.NDArray[np.generic] | None = None


def _is_scope_sets(Y: object) -> bool:
    if isinstance(Y, np.ndarray) or not isinstance(Y, Sequence) or isinstance(Y, str):
        return False
    return all(isinstance(item, (set, frozenset, tuple, list)) for item in Y) and any(
        isinstance(item, (set, frozenset)) or (item and isinstance(next(iter(item)), str))
        for item in Y
    )


def read_targets(Y: object, n_samples: int, scopes: Iterable[str] | None) -> Targets:
    """Return ``Y`` as :class:`Targets`.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_scopes) or (n_samples,), or list of scope sets
        A 0/1 indicator matrix, a vector of class labels, or the needed scopes per sample.
    n_samples : int
        Rows of ``X``; ``Y`` must have as many.
    scopes : iterable of str, optional
        Scope names: the columns of a matrix ``Y`` (same length), or extra scopes that get a
        column even though no sample needs them (catalogue scopes), for scope sets.

    Raises
    ------
    DataValidationError
        If ``Y`` has the wrong length or is not 0/1.
    """
    extra = sorted(set(scopes or ()))
    if _is_scope_sets(Y):
        sets = [frozenset(item) for item in Y]  # type: ignore[attr-defined]
        if len(sets) != n_samples:
            raise DataValidationError(
                f"Y has {len(sets)} scope sets but X has {n_samples} samples; give one set per sample."
            )
        names = sorted(set().union(*sets) | set(extra))
        index = {name: j for j, name in enumerate(names)}
        matrix = np.zeros((n_samples, len(names)), dtype=np.float64)
        for i, needed in enumerate(sets):
            for scope in needed:
                matrix[i, index[scope]] = 1.0
        return Targets(matrix, names)
    if Y is None:
        raise DataValidationError(
            "ScopePredictor requires y to be passed, but the target y is None. Pass the needed "
            "scopes of each sample (a 0/1 matrix or a list of scope sets)."
        )
    array = np.asarray(Y)
    if array.dtype.kind in "fc":
        assert_all_finite(array, input_name="y")
    if array.ndim == 0 or array.shape[0] != n_samples:
        raise DataValidationError(
            f"Y has {array.shape[0]} rows but X has {n_samples} samples; give one row per sample."
        )
    if array.ndim == 2 and array.shape[1] == 1 and not extra:
        warnings.warn(
            "A column-vector y was passed when a 1-D array was expected; it is read as one "
            "class label per sample.",
            DataConversionWarning,
            stacklevel=3,
        )
    if array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1 and not extra):
        flat = array.reshape(-1)
        kind = type_of_target(flat)
        if kind not in ("binary", "multiclass"):
            raise DataValidationError(
                f"Unknown label type: {kind!r}. A 1-D y must hold class labels (one scope per "
                f"sample), not continuous values; pass a 0/1 matrix or scope sets for several."
            )
        classes = np.unique(flat)
        matrix = (flat[:, None] == classes[None, :]).astype(np.float64)
        return Targets(matrix, [str(c) for c in classes], classes)
    if array.ndim != 2:
        raise DataValidationError(f"Y must be 1-D or 2-D, got an array of shape {array.shape}.")
    try:
        matrix = array.astype(np.float64)
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"Y must be a 0/1 indicator matrix or a list of scope sets; got dtype {array.dtype}."
        ) from err
    if not np.all((matrix == 0.0) | (matrix == 1.0)):
        raise DataValidationError(
            "Y must be a 0/1 indicator matrix (one column per scope); it has other values."
        )
    if extra:
        if len(extra) != matrix.shape[1]:
            raise DataValidationError(
                f"scopes names {matrix.shape[1]} columns of Y but {len(extra)} names were given."
            )
        names = list(scopes or ())
    else:
        names = [str(j) for j in range(matrix.shape[1])]
    return Targets(matrix, names)
