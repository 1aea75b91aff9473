"""Probability metrics of a scope model: Brier score, expected calibration error, PR-AUC.

All are computed over the *pairs* (task, scope): every task is scored on every scope column.

- ``brier``: mean of ``(p - y)^2`` over all pairs.
- ``ece``: expected calibration error with ``n_bins`` (default 10) equal-width bins of
  the predicted probability on ``[0, 1]`` (the last bin includes 1.0):
  ``sum_b (n_b / N) * |mean(p in b) - mean(y in b)|`` over non-empty bins.
- ``pr_auc``: per scope, average precision (scikit-learn's ``average_precision_score``,
  the step-wise area under the precision-recall curve), for scopes with at least one
  positive in the evaluated data; ``mean_pr_auc`` is their unweighted mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score

from scopecast.scoring import TaskInput
from scopecast.traces import Trace

__all__ = ["brier_score", "evaluate_traces", "expected_calibration_error", "probability_metrics"]


def brier_score(P: npt.NDArray[np.float64], Y: npt.NDArray[np.float64]) -> float:
    """Mean squared difference between probabilities and 0/1 outcomes over all pairs."""
    return float(np.mean((P - Y) ** 2))


def expected_calibration_error(
    P: npt.NDArray[np.float64], Y: npt.NDArray[np.float64], n_bins: int = 10
) -> float:
    """Binned ECE over all pairs (equal-width bins on [0, 1]; see the module docstring)."""
    p = P.reshape(-1)
    y = Y.reshape(-1)
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += mask.sum() / p.size * abs(float(p[mask].mean()) - float(y[mask].mean()))
    return float(total)


def probability_metrics(
    P: npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    scopes: Sequence[str],
    n_bins: int = 10,
) -> dict[str, float]:
    """Brier, ECE, mean PR-AUC and ``pr_auc[<scope>]`` for each scope with a positive."""
    metrics = {
        "brier": brier_score(P, Y),
        "ece": expected_calibration_error(P, Y, n_bins),
    }
    aucs = {}
    for j, scope in enumerate(scopes):
        if Y[:, j].sum() > 0:
            aucs[scope] = float(average_precision_score(Y[:, j], P[:, j]))
    metrics["mean_pr_auc"] = float(np.mean(list(aucs.values()))) if aucs else float("nan")
    metrics.update({f"pr_auc[{scope}]": value for scope, value in aucs.items()})
    return metrics


def evaluate_traces(
    scorer_scopes: Sequence[str],
    probabilities: npt.NDArray[np.float64],
    traces: Sequence[Trace],
    n_bins: int = 10,
) -> dict[str, float]:
    """Metrics of upfront probabilities (columns ``scorer_scopes``) against the traces' needs.

    A needed scope the model has no column for counts as predicted with probability 0
    (it is added as a column of zeros), so an unknown scope is never silently dropped.
    """
    needed = [trace.needed_scopes for trace in traces]
    extra = sorted({s for n in needed for s in n} - set(scorer_scopes))
    scopes = list(scorer_scopes) + extra
    P = np.hstack([probabilities, np.zeros((len(traces), len(extra)))])
    index = {s: j for j, s in enumerate(scopes)}
    Y = np.zeros_like(P)
    for i, n in enumerate(needed):
        for s in n:
            Y[i, index[s]] = 1.0
    metrics = probability_metrics(P, Y, scopes, n_bins)
    metrics["n_traces"] = float(len(traces))
    return metrics


def upfront_inputs(traces: Sequence[Trace]) -> list[TaskInput]:
    """The inputs of ``traces`` as they stand before the start."""
    return [TaskInput.from_trace(trace, 0) for trace in traces]
