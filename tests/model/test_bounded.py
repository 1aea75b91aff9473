"""Training on a stream: one pass, a bounded grouped sample, every scope of the stream kept."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.exceptions import ConfigError
from scopecast.model import (
    ScopePredictor,
    data_hash,
    group_of,
    sample_traces,
    train_bounded,
    train_predictor,
)
from scopecast.scoring import TaskInput
from tests.model.conftest import make_traces

GROUPS = r"/(t-[0-9a-f]{10})/"


def test_bounded_sample_is_bounded_grouped_and_order_free():
    traces = make_traces(n_per_template=8, seed=1)
    sample = sample_traces(iter(traces), 20, group_pattern=GROUPS)
    assert sample.n_seen == len(traces)
    assert len(sample.traces) == 20
    assert sample.data_hash == data_hash(traces)
    # the same traces are kept whatever the order of the stream, and in stream order
    again = sample_traces(iter(traces[::-1]), 20, group_pattern=GROUPS)
    assert [t.trace_id for t in again.traces] == [t.trace_id for t in sample.traces][::-1]
    position = {t.trace_id: i for i, t in enumerate(traces)}
    assert [position[t.trace_id] for t in sample.traces] == sorted(
        position[t.trace_id] for t in sample.traces
    )
    # whole groups: at most one group (the one at the bound) is cut
    kept = {t.trace_id for t in sample.traces}
    groups = {group_of(t, GROUPS) for t in sample.traces}
    cut = [
        g for g in groups if any(t.trace_id not in kept for t in traces if group_of(t, GROUPS) == g)
    ]
    assert len(cut) <= 1
    assert len(groups) < 20  # groups, not single traces, were sampled
    # the catalogue comes from every trace, not only the sample
    all_tools = {c.tool for t in traces for c in t.calls}
    assert {tool.name for tool in sample.catalogue.tools} == all_tools


def test_bounded_sample_of_a_short_stream_is_the_stream():
    traces = make_traces(n_per_template=3, seed=4)
    sample = sample_traces(iter(traces), len(traces), group_pattern=GROUPS)
    assert sample.traces == traces
    assert sample.n_seen == len(traces)
    assert sample.data_hash == data_hash(traces)


def test_bounded_sample_refuses_a_non_positive_bound():
    with pytest.raises(ConfigError, match="max_traces"):
        sample_traces(iter(make_traces(1)), 0)


@pytest.mark.slow
def test_bounded_training_fits_every_scope_of_the_stream(catalogue):
    traces = make_traces(n_per_template=8, seed=2)
    model, merged, sample = train_bounded(
        iter(traces),
        catalogue,
        max_traces=40,
        predictor=ScopePredictor(C=1.0, cv=3, random_state=0),
        group_pattern=GROUPS,
    )
    assert len(sample.traces) == 40
    used = {s for t in traces for s in t.needed_scopes}
    assert used <= set(model.scopes_)
    assert set(merged.all_scopes) >= used


@pytest.mark.slow
def test_bounded_training_of_a_short_stream_equals_train_predictor(catalogue):
    traces = make_traces(n_per_template=5, seed=3)
    params = {"C": (0.3, 3.0), "cv": 3, "random_state": 0}
    model, merged, sample = train_bounded(
        iter(traces),
        catalogue,
        max_traces=len(traces) + 1,
        predictor=ScopePredictor(**params),
        group_pattern=GROUPS,
    )
    expected, expected_catalogue = train_predictor(
        traces, catalogue, predictor=ScopePredictor(**params), group_pattern=GROUPS
    )
    assert sample.n_seen == len(sample.traces) == len(traces)
    assert merged == expected_catalogue
    assert model.scopes_ == expected.scopes_
    assert model.C_ == expected.C_
    assert model.calibration_ == expected.calibration_
    np.testing.assert_array_equal(model.coef_, expected.coef_)
    inputs = [TaskInput.from_trace(t, 0) for t in traces]
    np.testing.assert_array_equal(model.predict_proba(inputs), expected.predict_proba(inputs))


def test_bounded_sample_counts_the_groups_it_kept_and_read():
    """Whole groups enter the sample or not: how many of the groups read it kept is what
    says how many task kinds the model saw (6 of 26 templates on a coding assistant's 4,400
    runs at --max-traces 1000, which the output did not say)."""
    traces = make_traces(n_per_template=8, seed=1)  # 8 templates of 8 traces
    sample = sample_traces(iter(traces), 20, group_pattern=GROUPS)
    kept = {group_of(t, GROUPS) for t in sample.traces}
    assert sample.n_groups_kept == len(kept) < 8
    assert sample.n_groups_seen == 8
    whole = sample_traces(iter(traces), len(traces), group_pattern=GROUPS)
    assert (whole.n_groups_kept, whole.n_groups_seen) == (8, 8)
    # counted up to max_traces + 1 only, so that memory stays bounded by max_traces
    capped = sample_traces(iter(traces), 3, group_pattern=r"(.+)")  # every trace a group
    assert (capped.n_groups_kept, capped.n_groups_seen) == (3, 4)
