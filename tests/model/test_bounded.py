"""Training on a stream: one pass, a bounded grouped sample, every scope of the stream kept."""

from __future__ import annotations

import pytest

from scopecast.exceptions import ConfigError
from scopecast.model import ScopePredictor, data_hash, group_of, sample_traces, train_bounded
from tests.model.conftest import make_traces

GROUPS = r"/(t-[0-9a-f]{10})/"


def test_bounded_sample_is_bounded_grouped_and_order_free():
    traces = make_traces(n_per_template=8, seed=1)
    sample = sample_traces(iter(traces), 20, group_pattern=GROUPS)
    assert sample.n_seen == len(traces)
    assert len(sample.traces) == 20
    assert sample.data_hash == data_hash(traces)
    again = sample_traces(iter(traces[::-1]), 20, group_pattern=GROUPS)
    assert [t.trace_id for t in again.traces] == [t.trace_id for t in sample.traces]
    groups = [group_of(t, GROUPS) for t in sample.traces]
    # whole groups first: each group's traces are contiguous in the sample
    seen: list[str] = []
    for g in groups:
        if not seen or seen[-1] != g:
            assert g not in seen
            seen.append(g)
    # the catalogue comes from every trace, not only the sample
    all_tools = {c.tool for t in traces for c in t.calls}
    assert {tool.name for tool in sample.catalogue.tools} == all_tools


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
