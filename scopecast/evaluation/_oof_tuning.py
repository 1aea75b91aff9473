"""Choosing the policy's parameters at training time, from the cross-fitted probabilities.

The model policy plans with ``interruption_scale * interruption`` and may batch at
interruptions (:class:`~scopecast.evaluation.PolicyParams`). Which values give the lowest
cost depends on how sharp the model's probabilities are on tasks it has not seen, which
is what grouped cross-validation measures. Training already computes, for every training
row, a probability from models that never saw the row's group
(:attr:`ScopePredictor.oof_proba_ <scopecast.model.ScopePredictor>`), so the policy can be
replayed on the training traces with those probabilities under every candidate, without a
single re-fit: :func:`tune_policy_cross_fitted`. ``scopecast train`` stores the choice in
the model's metadata and ``scopecast evaluate`` and :class:`~scopecast.runtime.PreAuthorizer`
use it.

The training rows are the start and the proper prefixes ``calls[:k]``, ``k < n``; the
policy re-predicts at the attempt of call ``i`` from ``calls[:i + 1]``. For the attempt of
the last call (no training row) the last prefix's probabilities are used, with the scopes
of every call so far set to 1, as the model itself does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from scopecast.catalogue import Catalogue
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._tuning import (
    DEFAULT_SCALES,
    PolicyParams,
    TuningResult,
    cheapest,
    replay_cost,
)
from scopecast.exceptions import DataValidationError
from scopecast.policy import CostModel
from scopecast.traces import Trace

__all__ = ["cross_fitted_table", "tune_policy_cross_fitted"]


def _rows_of(trace: Trace, prefixes: bool) -> int:
    """Training rows of one trace (as :func:`scopecast.model.training_rows` makes them)."""
    return 1 + (len(trace.calls) - 1 if prefixes and len(trace.calls) > 1 else 0)


def cross_fitted_table(
    traces: Sequence[Trace],
    probabilities: npt.NDArray[np.float64],
    scopes: Sequence[str],
    *,
    prefixes: bool = True,
) -> dict[str, list[dict[str, float]]]:
    """Per trace id, the probabilities the policy would see: the start, then each call's attempt.

    Parameters
    ----------
    traces : sequence of Trace
        The training traces, in the order the rows were made.
    probabilities : ndarray of shape (n_rows, n_scopes)
        One row per training row (:attr:`ScopePredictor.oof_proba_`).
    scopes : sequence of str
        The columns' scopes.
    prefixes : bool
        Whether the rows include the call prefixes (as ``train_predictor(prefixes=...)``).

    Raises
    ------
    DataValidationError
        If the number of rows does not match the traces.
    """
    expected = sum(_rows_of(t, prefixes) for t in traces)
    if probabilities.shape != (expected, len(scopes)):
        raise DataValidationError(
            f"The cross-fitted probabilities have shape {probabilities.shape}, but "
            f"{len(traces)} traces make {expected} training rows of {len(scopes)} scopes. Pass "
            f"the traces the model was trained on, in the same order."
        )
    table: dict[str, list[dict[str, float]]] = {}
    start = 0
    for trace in traces:
        n_rows = _rows_of(trace, prefixes)
        rows = probabilities[start : start + n_rows]
        start += n_rows
        positions = []
        for p in range(len(trace.calls) + 1):
            k = min(p, n_rows - 1)
            row = dict(zip(scopes, rows[k].tolist(), strict=True))
            for call in trace.calls[:p]:
                for scope in call.scopes:
                    row[scope] = 1.0
            positions.append(row)
        table[trace.trace_id] = positions
    return table


def tune_policy_cross_fitted(
    traces: Sequence[Trace],
    table: Mapping[str, list[dict[str, float]]],
    catalogue: Catalogue,
    costs: CostModel | None = None,
    *,
    scales: Sequence[float] = DEFAULT_SCALES,
    batching: Sequence[bool] = (True, False),
) -> TuningResult:
    """Replay ``traces`` under every candidate with the cross-fitted ``table``; keep the cheapest.

    Ties go to the smaller change from ``scale = 1``, then to batching. ``n_folds`` of the
    result is 0: the folds are those of the model's own cross-validation.
    """
    costs = costs if costs is not None else CostModel()
    candidates = [PolicyParams(s, b, 0.0) for s in scales for b in batching]
    base = ModelPolicy.from_probabilities(table, catalogue, costs)
    cv_cost = {p: replay_cost(base, p, traces, catalogue, costs) for p in candidates}
    return TuningResult(cheapest(cv_cost), cv_cost, 0)
