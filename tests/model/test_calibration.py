"""Calibration on a synthetic case whose true probabilities are known, and the metrics."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.model import ScopePredictor, brier_score, expected_calibration_error


def _sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    true = np.column_stack(
        [
            1.0 / (1.0 + np.exp(-(2.0 * X[:, 0] - 1.0))),
            1.0 / (1.0 + np.exp(X[:, 1] + 0.5 * X[:, 2])),
            np.full(n, 0.1),
        ]
    )
    Y = (rng.random(true.shape) < true).astype(np.int64)
    return X, Y, true


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic", "auto"])
def test_calibration_recovers_known_probabilities(calibration):
    X, Y, _ = _sample(4000, 0)
    model = ScopePredictor("passthrough", C=1.0, calibration=calibration, random_state=0)
    model.fit(X, Y)
    X_new, Y_new, true_new = _sample(4000, 1)
    P = model.predict_proba(X_new)
    assert np.mean(np.abs(P - true_new)) < 0.03
    assert expected_calibration_error(P, Y_new) < 0.03
    # the model is as good as the truth, to sampling noise
    assert brier_score(P, Y_new) < brier_score(true_new, Y_new) + 0.005


def test_calibration_metrics_by_hand():
    P = np.array([[0.05, 0.95], [0.15, 0.85]])
    Y = np.array([[0.0, 1.0], [1.0, 1.0]])
    assert brier_score(P, Y) == pytest.approx((0.05**2 + 0.05**2 + 0.85**2 + 0.15**2) / 4)
    # bins of width 0.1: {0.05}: |0.05-0|, {0.15}: |0.15-1|, {0.85}: |0.85-1|, {0.95}: |0.95-1|
    expected = (0.05 + 0.85 + 0.15 + 0.05) / 4
    assert expected_calibration_error(P, Y) == pytest.approx(expected)
