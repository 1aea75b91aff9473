"""How far a scorer's upfront probabilities can be trusted: reliability, Brier, ECE, precision-recall.

The policy multiplies probabilities by costs, so a probability of 0.3 must mean "needed in
3 runs out of 10". Everything here is computed over the pairs (test trace, scope) from
what the scorer says *before the start* (``TaskInput.from_trace(trace, 0)``):

- :func:`upfront_probabilities`: the matrix of probabilities and 0/1 outcomes; its columns
  are every scope the scorer gave a probability for plus every needed scope (a needed scope
  the scorer never mentions has probability 0, so it is never silently dropped);
- :func:`reliability_bins`: the reliability diagram, in the equal-width bins of
  :func:`scopecast.model.expected_calibration_error` (the last bin includes 1.0), and
  :func:`reliability_by_label` for all scopes and the most frequent ones;
- :func:`calibration_summary`: Brier score and ECE (the model's own
  :func:`~scopecast.model.brier_score` and :func:`~scopecast.model.expected_calibration_error`,
  so the numbers agree with ``scopecast train``) and average precision, over all scopes and
  for the most frequent ones;
- :func:`precision_recall_curves`: per scope, precision and recall as the threshold varies.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scopecast._training_stack import needs_training_stack
from scopecast.exceptions import ConfigError
from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import Trace

__all__ = [
    "CalibrationRow",
    "PrecisionRecallCurve",
    "ProbabilityTable",
    "ReliabilityBin",
    "calibration_summary",
    "precision_recall_curves",
    "reliability_bins",
    "reliability_by_label",
    "upfront_probabilities",
]

_CHUNK = 2048
ALL_SCOPES = "all scopes"
"""The label of the rows and bins over every scope column."""


@dataclass(frozen=True)
class ProbabilityTable:
    """Upfront probabilities and outcomes over (trace, scope) pairs.

    Attributes
    ----------
    trace_ids : tuple[str, ...]
        One per row.
    scopes : tuple[str, ...]
        One per column, sorted.
    probabilities : numpy.ndarray
        ``(n_traces, n_scopes)``: ``P(scope needed)`` before the start.
    outcomes : numpy.ndarray
        ``(n_traces, n_scopes)``: 1.0 where the trace needed the scope.
    """

    trace_ids: tuple[str, ...]
    scopes: tuple[str, ...]
    probabilities: npt.NDArray[np.float64]
    outcomes: npt.NDArray[np.float64]

    def column(self, scope: str) -> int:
        """The column of ``scope``."""
        try:
            return self.scopes.index(scope)
        except ValueError:
            raise ConfigError(
                f"No scope {scope!r} in this table: it was neither predicted nor needed."
            ) from None

    def most_frequent(self, k: int) -> list[str]:
        """The ``k`` scopes needed by the most traces (ties by name)."""
        counts = self.outcomes.sum(axis=0)
        order = sorted(range(len(self.scopes)), key=lambda j: (-counts[j], self.scopes[j]))
        return [self.scopes[j] for j in order[:k] if counts[j] > 0]


def upfront_probabilities(scorer: ScopeScorer, traces: Sequence[Trace]) -> ProbabilityTable:
    """Score ``traces`` before the start and line the probabilities up with what they needed."""
    if not traces:
        raise ConfigError("Calibration needs at least one trace; got none.")
    predicted: list[dict[str, float]] = []
    inputs = [TaskInput.from_trace(trace, 0) for trace in traces]
    for start in range(0, len(inputs), _CHUNK):
        predicted.extend(scorer.predict_scopes(inputs[start : start + _CHUNK]))
    needed = [trace.needed_scopes for trace in traces]
    scopes = tuple(sorted({s for row in predicted for s in row} | {s for n in needed for s in n}))
    index = {scope: j for j, scope in enumerate(scopes)}
    P = np.zeros((len(traces), len(scopes)))
    Y = np.zeros_like(P)
    for i, (row, need) in enumerate(zip(predicted, needed, strict=True)):
        for scope, p in row.items():
            P[i, index[scope]] = p
        for scope in need:
            Y[i, index[scope]] = 1.0
    return ProbabilityTable(tuple(t.trace_id for t in traces), scopes, P, Y)


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram: predicted probability vs. observed frequency."""

    lower: float
    upper: float
    n_pairs: int
    mean_predicted: float
    observed_rate: float


def reliability_bins(
    probabilities: npt.NDArray[np.float64],
    outcomes: npt.NDArray[np.float64],
    n_bins: int = 10,
) -> list[ReliabilityBin]:
    """The non-empty equal-width bins of ``probabilities`` on [0, 1] with their observed rate.

    ``sum(n_pairs / N * |mean_predicted - observed_rate|)`` over the bins is the expected
    calibration error of :func:`scopecast.model.expected_calibration_error`.
    """
    if n_bins < 1:
        raise ConfigError(f"A reliability diagram needs at least one bin; got n_bins={n_bins}.")
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    y = np.asarray(outcomes, dtype=np.float64).reshape(-1)
    which = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = which == b
        if mask.any():
            bins.append(
                ReliabilityBin(
                    b / n_bins,
                    (b + 1) / n_bins,
                    int(mask.sum()),
                    float(p[mask].mean()),
                    float(y[mask].mean()),
                )
            )
    return bins


def reliability_by_label(
    table: ProbabilityTable, top_k: int = 5, n_bins: int = 10
) -> dict[str, list[ReliabilityBin]]:
    """Reliability bins over all pairs (``"all scopes"``), then for the ``top_k`` most needed scopes.

    The labels are those of :func:`calibration_summary`, so a diagram and its table line up.
    """
    bins = {ALL_SCOPES: reliability_bins(table.probabilities, table.outcomes, n_bins)}
    for scope in table.most_frequent(top_k):
        j = table.column(scope)
        bins[scope] = reliability_bins(table.probabilities[:, j], table.outcomes[:, j], n_bins)
    return bins


@dataclass(frozen=True)
class CalibrationRow:
    """Brier score, ECE and average precision over all scopes, or over one scope's column."""

    label: str
    n_pairs: int
    n_positive: int
    brier: float
    ece: float
    average_precision: float


def _average_precision(P: npt.NDArray[np.float64], Y: npt.NDArray[np.float64]) -> float:
    with needs_training_stack("Average precision (scopecast.evaluation)"):
        from sklearn.metrics import average_precision_score

    y = Y.reshape(-1)
    return float(average_precision_score(y, P.reshape(-1))) if y.sum() > 0 else float("nan")


def calibration_summary(
    table: ProbabilityTable, top_k: int = 5, n_bins: int = 10
) -> list[CalibrationRow]:
    """Brier, ECE and average precision over all pairs, then for the ``top_k`` most needed scopes.

    Average precision over all pairs treats every (trace, scope) pair as one decision
    (micro-averaged); per scope it is that scope's column.
    """
    model = importlib.import_module("scopecast.model")
    columns = [(ALL_SCOPES, list(range(len(table.scopes))))]
    columns += [(scope, [table.column(scope)]) for scope in table.most_frequent(top_k)]
    rows = []
    for label, cols in columns:
        P, Y = table.probabilities[:, cols], table.outcomes[:, cols]
        rows.append(
            CalibrationRow(
                label,
                int(P.size),
                int(Y.sum()),
                float(model.brier_score(P, Y)),
                float(model.expected_calibration_error(P, Y, n_bins)),
                _average_precision(P, Y),
            )
        )
    return rows


@dataclass(frozen=True)
class PrecisionRecallCurve:
    """One scope's precision and recall as the threshold on its probability varies.

    ``n_traces`` is the number of traces scored (0 when not recorded): a ranking no better
    than chance has precision ``n_positive / n_traces`` at every recall.
    """

    scope: str
    n_positive: int
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    average_precision: float
    n_traces: int = 0

    @property
    def prevalence(self) -> float | None:
        """The share of traces needing the scope: the precision of a random ranking."""
        return self.n_positive / self.n_traces if self.n_traces else None


def precision_recall_curves(
    table: ProbabilityTable, scopes: Sequence[str]
) -> list[PrecisionRecallCurve]:
    """Per scope of ``scopes`` with at least one positive, scikit-learn's precision-recall curve."""
    with needs_training_stack("Precision-recall curves (scopecast.evaluation)"):
        from sklearn.metrics import precision_recall_curve

    curves = []
    for scope in scopes:
        j = table.column(scope)
        y, p = table.outcomes[:, j], table.probabilities[:, j]
        if y.sum() == 0:
            continue
        precision, recall, _ = precision_recall_curve(y, p)
        curves.append(
            PrecisionRecallCurve(
                scope,
                int(y.sum()),
                tuple(float(v) for v in precision),
                tuple(float(v) for v in recall),
                _average_precision(p, y),
                len(y),
            )
        )
    return curves
