"""Choosing the policy's parameters at training time, from the cross-fitted probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.catalogue import Catalogue, ScopeSpec
from scopecast.evaluation import ModelPolicy, PolicyParams, simulate
from scopecast.evaluation._oof_tuning import cross_fitted_table, tune_policy_cross_fitted
from scopecast.exceptions import ConfigError, DataValidationError
from scopecast.model._training import training_rows
from scopecast.traces import Call, Trace

SCOPES = ["a:read", "a:write", "b:read"]


def _trace(trace_id: str, *scopes: str) -> Trace:
    return Trace(
        trace_id=trace_id,
        task="t",
        context={"domain": "d"},
        calls=tuple(Call(tool=f"tool_{s}", scopes=(s,)) for s in scopes),
    )


def _catalogue() -> Catalogue:
    return Catalogue(tools=(), scopes=tuple(ScopeSpec(name=s, risk=0.4) for s in SCOPES))


TRACES = [
    _trace("x/1", "a:read", "a:write"),
    _trace("x/2", "b:read"),
    _trace("x/3", "a:read", "b:read", "a:write"),
    _trace("x/4"),
]


@pytest.mark.parametrize("prefixes", [True, False])
def test_table_maps_training_rows_to_the_policy_positions(prefixes: bool) -> None:
    rows = training_rows(TRACES, [t.trace_id for t in TRACES], prefixes=prefixes)
    P = np.arange(len(rows.inputs) * 3, dtype=np.float64).reshape(-1, 3) / 100.0
    table = cross_fitted_table(TRACES, P, SCOPES, prefixes=prefixes)
    for trace in TRACES:
        positions = table[trace.trace_id]
        assert len(positions) == len(trace.calls) + 1
        mine = np.flatnonzero(rows.trace_index == TRACES.index(trace))
        for p, probs in enumerate(positions):
            seen = {s for call in trace.calls[:p] for s in call.scopes}
            # the row of the prefix calls[:p] (the attempt of call p - 1 sees calls[:p]),
            # or the last row the trace has; scopes used so far are certain
            row = P[mine[min(p, len(mine) - 1)]]
            for j, scope in enumerate(SCOPES):
                assert probs[scope] == (1.0 if scope in seen else row[j])
            if prefixes and p < len(mine):
                assert len(rows.inputs[mine[p]].calls) == p


def test_table_refuses_rows_that_do_not_match_the_traces() -> None:
    with pytest.raises(DataValidationError, match="same order"):
        cross_fitted_table(TRACES, np.zeros((2, 3)), SCOPES)


def test_tuning_picks_the_cheapest_candidate_by_replaying_the_traces() -> None:
    rows = training_rows(TRACES, [t.trace_id for t in TRACES])
    rng = np.random.default_rng(1)
    P = rng.uniform(size=(len(rows.inputs), 3))
    table = cross_fitted_table(TRACES, P, SCOPES)
    catalogue = _catalogue()
    result = tune_policy_cross_fitted(TRACES, table, catalogue, scales=(0.5, 1.0, 3.0))
    assert set(result.cv_cost) == {
        PolicyParams(s, b, 0.0) for s in (0.5, 1.0, 3.0) for b in (True, False)
    }
    assert result.cv_cost[result.chosen] == min(result.cv_cost.values())
    # each candidate's cost is what the simulator gives that policy on the same table
    for params, cost in result.cv_cost.items():
        policy = ModelPolicy.from_probabilities(
            table,
            catalogue,
            batching=params.batching,
            interruption_scale=params.interruption_scale,
        )
        outcomes = simulate(TRACES, policy, catalogue)
        interruptions = sum(len(o.interrupted_at) for o in outcomes) / len(TRACES)
        assert cost == pytest.approx(
            interruptions
            + sum(0.4 * len(o.requested - TRACES[i].needed_scopes) for i, o in enumerate(outcomes))
            / len(TRACES)
        )


def test_a_policy_on_precomputed_probabilities_refuses_other_traces() -> None:
    table = cross_fitted_table(TRACES[:1], np.full((2, 3), 0.5), SCOPES)
    policy = ModelPolicy.from_probabilities(table, _catalogue())
    with pytest.raises(ConfigError, match="precomputed"):
        policy.upfront(TRACES[1])
