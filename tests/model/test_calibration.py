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


def test_sigmoid_map_never_decreases():
    # Scores that run against the labels (out-of-fold scores of few groups can): an
    # unconstrained Platt fit learned a decreasing map; the constrained one is flat, at the
    # smoothed base rate.
    from scopecast._calibration_maps import apply_sigmoid
    from scopecast.model._calibration import fit_sigmoid

    z = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    y = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    w = np.ones(6)
    a, b = fit_sigmoid(z, y, w)
    assert a == 0.0
    p = apply_sigmoid(np.array([[-5.0], [5.0]]), np.array([a]), np.array([b]))[:, 0]
    assert p == pytest.approx([0.5, 0.5])
    a, _ = fit_sigmoid(-z, y, w)  # the same scores the right way round: an increasing map
    assert a < 0.0


def test_few_groups_never_invert_a_scope():
    # Four task templates, two of which always need 'p:ab': with each template held out, the
    # out-of-fold scores ran against the labels, the sigmoid map came out decreasing, and
    # the model gave P = 0 on exactly the templates that needed the scope (1 on the others).
    from scopecast.model import train_predictor
    from scopecast.scoring import TaskInput
    from scopecast.traces import Call, Trace

    tasks = ["draft the memo", "send a note", "deploy the build", "book a room"]
    traces = [
        Trace(
            trace_id=f"u-{i}",
            task=f"{tasks[i % 4]} {chr(65 + i)}x",
            calls=(Call(tool="mail", scopes=("google:mail.send",)),)
            + ((Call(tool="pab", scopes=("p:ab",)),) if i % 2 else ()),
        )
        for i in range(12)
    ]
    model, _ = train_predictor(traces, None)
    P = model.predict_proba([TaskInput(task=f"{t} Qx", context={}) for t in tasks])
    col = model.scopes_.index("p:ab")
    needed, not_needed = P[[1, 3], col], P[[0, 2], col]
    assert needed.min() >= not_needed.max()
