"""Training fails with a clear message, never a scikit-learn traceback."""

from __future__ import annotations

import pytest

from scopecast.exceptions import DataValidationError, ModelError
from scopecast.model import train_predictor
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace


def _trace(i: int, calls: tuple[Call, ...]) -> Trace:
    return Trace(trace_id=f"t{i}", task=f"do thing {i}", calls=calls)


def test_training_on_no_traces_fails_clearly():
    with pytest.raises(DataValidationError, match="0 traces"):
        train_predictor([])


def test_training_on_traces_without_calls_fails_clearly():
    with pytest.raises(DataValidationError, match="has any call"):
        train_predictor([_trace(i, ()) for i in range(5)])


def test_training_on_calls_without_scopes_fails_clearly():
    traces = [_trace(i, (Call(tool="x", scopes=()),)) for i in range(5)]
    with pytest.raises(ModelError, match="empty scope list"):
        train_predictor(traces)


def test_training_on_a_single_scope_fails_clearly():
    traces = [_trace(i, (Call(tool="x", scopes=("a:b",)),)) for i in range(5)]
    with pytest.raises(ModelError, match="single scope"):
        train_predictor(traces)


def test_training_on_two_traces_with_rare_scopes_uses_priors():
    traces = [
        _trace(0, (Call(tool="x", scopes=("a:x",)),)),
        _trace(1, (Call(tool="y", scopes=("a:y",)),)),
    ]
    model, _ = train_predictor(traces)
    assert len(model.modelled_) == 0
    (probs,) = model.predict_scopes([TaskInput("do thing 7")])
    assert set(probs) == {"a:x", "a:y"}
    assert all(0.0 < p < 1.0 for p in probs.values())
