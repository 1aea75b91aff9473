"""Upfront probabilities against outcomes: the probability table, reliability bins, PR curves."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.evaluation import (
    precision_recall_curves,
    reliability_bins,
    upfront_probabilities,
)
from scopecast.exceptions import ConfigError
from scopecast.policy import DomainFrequencyScorer
from scopecast.traces import Call, Trace, read_traces


def _trace(trace_id: str, domain: str, *scopes: str) -> Trace:
    return Trace(
        trace_id=trace_id,
        task="t",
        context={"domain": domain},
        calls=tuple(Call(tool="x", scopes=(s,)) for s in scopes),
    )


class Fixed:
    def __init__(self, probabilities: dict[str, float]) -> None:
        self.probabilities = probabilities

    def predict_scopes(self, inputs):
        return [dict(self.probabilities) for _ in inputs]


def test_table_adds_needed_scopes_the_scorer_never_mentions_at_probability_zero() -> None:
    traces = [_trace("a", "d", "g:read"), _trace("b", "d", "g:send", "x:new")]
    table = upfront_probabilities(Fixed({"g:read": 0.8, "g:send": 0.3}), traces)
    assert table.scopes == ("g:read", "g:send", "x:new")
    np.testing.assert_allclose(table.probabilities, [[0.8, 0.3, 0.0], [0.8, 0.3, 0.0]])
    np.testing.assert_allclose(table.outcomes, [[1, 0, 0], [0, 1, 1]])
    assert table.most_frequent(2) == ["g:read", "g:send"]
    with pytest.raises(ConfigError, match="neither predicted nor needed"):
        table.column("nope")
    with pytest.raises(ConfigError, match="at least one trace"):
        upfront_probabilities(Fixed({}), [])


def test_reliability_bins_group_pairs_in_equal_width_bins_with_one_included() -> None:
    p = np.array([[0.05, 0.07, 0.95, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 1.0]])
    bins = reliability_bins(p, y, n_bins=10)
    assert [(b.lower, b.upper, b.n_pairs) for b in bins] == [(0.0, 0.1, 2), (0.9, 1.0, 2)]
    assert bins[0].mean_predicted == pytest.approx(0.06)
    assert bins[0].observed_rate == pytest.approx(0.5)
    assert bins[1].observed_rate == 1.0
    with pytest.raises(ConfigError, match="at least one bin"):
        reliability_bins(p, y, n_bins=0)


def test_a_frequency_scorer_is_calibrated_on_its_own_training_traces(shared_data) -> None:
    traces = read_traces(shared_data / "agentdojo_train.jsonl")
    table = upfront_probabilities(DomainFrequencyScorer(traces), traces)
    # In-sample, per-domain frequencies match the observed rate of each (domain, scope) cell,
    # so within every bin the mean prediction equals the observed rate up to bin mixing:
    # the weighted gap is zero when each bin holds cells of one probability only.
    for b in reliability_bins(table.probabilities, table.outcomes, n_bins=1000):
        assert b.mean_predicted == pytest.approx(b.observed_rate, abs=1e-9)


def test_precision_recall_curves_skip_scopes_never_needed() -> None:
    traces = [_trace("a", "d", "g:read"), _trace("b", "d", "g:send"), _trace("c", "d", "g:read")]
    scorer = Fixed({"g:read": 0.9, "g:send": 0.2, "g:never": 0.1})
    table = upfront_probabilities(scorer, traces)
    curves = precision_recall_curves(table, ["g:read", "g:never"])
    assert [c.scope for c in curves] == ["g:read"]
    (curve,) = curves
    assert curve.n_positive == 2
    assert curve.recall[0] == 1.0
    assert curve.precision[0] == pytest.approx(2 / 3)
    assert curve.average_precision == pytest.approx(2 / 3)
