"""Bootstrap intervals of the cost per task: hand-computed cases, grouping, pairing, errors."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.catalogue import Catalogue, ScopeSpec, load_catalogue
from scopecast.evaluation import (
    TraceOutcome,
    _intervals,
    cost_intervals,
    evaluate_policies,
    fit_baselines,
    score_outcomes,
    trace_costs,
)
from scopecast.exceptions import ConfigError
from scopecast.traces import Call, Trace, read_traces

CAT = Catalogue(scopes=(ScopeSpec(name="g:read", risk=0.2), ScopeSpec(name="g:send", risk=0.5)))


def _trace(trace_id: str) -> Trace:
    return Trace(trace_id=trace_id, task="t", calls=(Call(tool="x", scopes=("g:read",)),))


def _outcome(trace_id: str, interruptions: int, overgranted: tuple[str, ...] = ()) -> TraceOutcome:
    """An outcome whose cost is ``interruptions`` plus the risk of ``overgranted``."""
    needed = frozenset({"g:read"})
    return TraceOutcome(
        trace_id=trace_id,
        needed=needed,
        upfront=frozenset(overgranted),
        requested=needed | frozenset(overgranted),
        interrupted_at=tuple(range(interruptions)),
    )


def test_trace_costs_are_interruptions_plus_risk_and_average_to_the_reported_cost() -> None:
    outcomes = [_outcome("a", 2), _outcome("b", 0, ("g:send",)), _outcome("c", 1, ("g:send",))]
    assert trace_costs(outcomes, CAT) == {"a": 2.0, "b": 0.5, "c": 1.5}
    mean = float(np.mean(list(trace_costs(outcomes, CAT).values())))
    assert mean == pytest.approx(score_outcomes(outcomes, CAT).cost_per_task, abs=1e-12)


def test_the_cost_is_the_reported_cost_to_the_last_bit() -> None:
    # risks of one decimal make ties at the fourth decimal common: the mean of the trace
    # costs gave 1.6624999999999999 where score_outcomes gives 1.6625, and `scopecast
    # evaluate` printed the same policy's cost as 1.662 in one table and 1.663 in the next
    cat = Catalogue(
        scopes=(
            ScopeSpec(name="g:a", risk=0.7),
            ScopeSpec(name="g:b", risk=0.2),
            ScopeSpec(name="g:c", risk=0.1),
        )
    )
    rows = [
        (("g:b", "g:c"), 2),
        (("g:a", "g:b", "g:c"), 0),
        (("g:b",), 2),
        (("g:a",), 2),
        ((), 1),
        (("g:a", "g:b"), 2),
        ((), 1),
        (("g:b",), 0),
    ]
    outcomes = [
        TraceOutcome(
            trace_id=f"t{i}",
            needed=frozenset(),
            upfront=frozenset(over),
            requested=frozenset(over),
            interrupted_at=tuple(range(k)),
        )
        for i, (over, k) in enumerate(rows)
    ]
    traces = [Trace(trace_id=f"t{i}", task="t", calls=()) for i in range(len(rows))]
    reported = score_outcomes(outcomes, cat).cost_per_task
    (interval,) = cost_intervals(traces, {"p": outcomes}, cat)
    assert interval.cost == reported
    assert f"{interval.cost:.3f}" == f"{reported:.3f}"


def test_equal_costs_give_an_interval_of_no_width() -> None:
    traces = [_trace(f"t{i}") for i in range(5)]
    (interval,) = cost_intervals(traces, {"p": [_outcome(t.trace_id, 1) for t in traces]}, CAT)
    assert (interval.cost, interval.low, interval.high) == (1.0, 1.0, 1.0)
    assert (interval.n_traces, interval.n_groups, interval.level) == (5, 5, 0.95)
    assert str(interval) == "1.000 [1.000, 1.000]"


def test_traces_of_one_template_are_resampled_together() -> None:
    # Two templates whose traces cost 0 and 2 (mean 1) and 1 and 1 (mean 1): every resample
    # of whole templates costs exactly 1; resampling single traces would not.
    ids = ["w/t-aaaaaaaaaa/0", "w/t-aaaaaaaaaa/1", "w/t-bbbbbbbbbb/0", "w/t-bbbbbbbbbb/1"]
    traces = [_trace(i) for i in ids]
    outcomes = [_outcome(ids[0], 0), _outcome(ids[1], 2), _outcome(ids[2], 1), _outcome(ids[3], 1)]
    (grouped,) = cost_intervals(traces, {"p": outcomes}, CAT)
    assert (grouped.n_groups, grouped.low, grouped.high) == (2, 1.0, 1.0)
    (single,) = cost_intervals(traces, {"p": outcomes}, CAT, group=lambda t: t.trace_id)
    assert single.n_groups == 4
    assert single.low < 1.0 < single.high


def test_the_interval_holds_the_cost_and_narrows_with_more_traces() -> None:
    rng = np.random.default_rng(3)
    widths = []
    for n in (20, 500):
        traces = [_trace(f"t{i}") for i in range(n)]
        outcomes = [
            _outcome(t.trace_id, int(k)) for t, k in zip(traces, rng.poisson(1.0, n), strict=True)
        ]
        (interval,) = cost_intervals(traces, {"p": outcomes}, CAT, n_resamples=500)
        assert interval.low <= interval.cost <= interval.high
        widths.append(interval.high - interval.low)
    assert widths[1] < widths[0] / 3  # about sqrt(25) = 5 times narrower


def test_paired_differences_share_resamples_and_skip_policies_on_other_traces() -> None:
    traces = [_trace(f"t{i}") for i in range(30)]
    costs = np.random.default_rng(0).poisson(1.0, 30)
    base = [_outcome(t.trace_id, int(k)) for t, k in zip(traces, costs, strict=True)]
    plus_one = [_outcome(t.trace_id, int(k) + 1) for t, k in zip(traces, costs, strict=True)]
    fewer = base[:10]  # a policy scored on other traces (as `plan` is) is not compared
    intervals = cost_intervals(traces, {"a": base, "b": plus_one, "c": fewer}, CAT, compare_to="a")
    assert [i.name for i in intervals] == ["a", "b", "c", "a - b"]
    difference = intervals[-1]
    # paired: b costs exactly one more on every trace, so every resample differs by exactly -1
    assert difference.cost == -1.0
    assert difference.low == pytest.approx(-1.0, abs=1e-12)
    assert difference.high == pytest.approx(-1.0, abs=1e-12)


def test_intervals_are_reproducible_and_do_not_depend_on_the_chunking(monkeypatch) -> None:
    traces = [_trace(f"t{i}") for i in range(40)]
    outcomes = {"p": [_outcome(t.trace_id, i % 3) for i, t in enumerate(traces)]}
    first = cost_intervals(traces, outcomes, CAT, n_resamples=300, seed=5)
    assert cost_intervals(traces, outcomes, CAT, n_resamples=300, seed=5) == first
    monkeypatch.setattr(_intervals, "_DRAWS_PER_CHUNK", 7 * 40)  # 7 resamples per chunk
    assert cost_intervals(traces, outcomes, CAT, n_resamples=300, seed=5) == first
    groups = np.arange(40, dtype=np.int64)
    costs = np.arange(40, dtype=np.float64) % 3
    assert not np.array_equal(
        _intervals._bootstrap_means(costs, groups, 40, 300, seed=5),
        _intervals._bootstrap_means(costs, groups, 40, 300, seed=6),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": 1.0}, "level must be in"),
        ({"n_resamples": 10}, "at least 100"),
        ({"compare_to": "nope"}, "is not one of the policies"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(kwargs: dict[str, object], message: str) -> None:
    traces = [_trace("t0")]
    with pytest.raises(ConfigError, match=message):
        cost_intervals(traces, {"p": [_outcome("t0", 1)]}, CAT, **kwargs)  # type: ignore[arg-type]


def test_outcomes_of_traces_not_given_are_refused() -> None:
    with pytest.raises(ConfigError, match="traces not given"):
        cost_intervals([_trace("t0")], {"p": [_outcome("elsewhere", 1)]}, CAT)


def test_agentdojo_baselines_get_intervals_around_their_reported_costs(shared_data) -> None:
    train = read_traces([shared_data / "agentdojo_train.jsonl"])
    test = read_traces([shared_data / "agentdojo_test.jsonl"])
    catalogue = load_catalogue(shared_data / "agentdojo.catalogue.json")
    report = evaluate_policies(test, fit_baselines(train), catalogue)
    intervals = {
        i.name: i
        for i in cost_intervals(
            test, {r.name: r.outcomes for r in report.results}, catalogue, compare_to="oracle"
        )
    }
    for result in report.results:
        interval = intervals[result.name]
        assert interval.cost == pytest.approx(result.metrics.cost_per_task, abs=1e-12)
        assert interval.low < interval.cost < interval.high
        assert interval.n_groups == 29  # AgentDojo ids carry no template: each trace a group
    # the oracle is never beaten on any trace, so its paired difference is below 0 throughout
    assert intervals["oracle - frequency"].high < 0.0


def test_resamples_pool_the_traces_of_the_groups_drawn() -> None:
    # Group A: one trace costing 0; group B: three costing 2. Two groups drawn: {A, A} costs
    # 0, {B, B} 2, {A, B} (0 + 6) / 4 = 1.5 (not the mean of the two group means, 1.0).
    groups = np.array([0, 1, 1, 1], dtype=np.int64)
    costs = np.array([0.0, 2.0, 2.0, 2.0])
    means = _intervals._bootstrap_means(costs, groups, 2, 400, seed=1)
    assert set(np.unique(means).tolist()) == {0.0, 1.5, 2.0}


def test_one_group_gives_no_interval_rather_than_a_false_certainty() -> None:
    ids = [f"w/t-aaaaaaaaaa/{i}" for i in range(6)]
    traces = [_trace(i) for i in ids]
    outcomes = [_outcome(i, k % 3) for k, i in enumerate(ids)]
    _, interval, difference = cost_intervals(
        traces, {"p": outcomes, "q": outcomes}, CAT, compare_to="p"
    )
    assert interval.n_groups == 1
    assert np.isnan(interval.low)
    assert np.isnan(interval.high)
    assert str(interval) == "1.000 [n/a: one group]"
    assert np.isnan(difference.low)


def test_the_same_traces_in_another_order_are_still_paired() -> None:
    traces = [_trace(f"t{i}") for i in range(25)]
    costs = np.random.default_rng(2).poisson(1.0, 25)
    base = [_outcome(t.trace_id, int(k)) for t, k in zip(traces, costs, strict=True)]
    shuffled = [_outcome(t.trace_id, int(k) + 1) for t, k in zip(traces, costs, strict=True)][::-1]
    *_, difference = cost_intervals(traces, {"a": base, "b": shuffled}, CAT, compare_to="a")
    assert difference.name == "a - b"
    assert difference.low == pytest.approx(-1.0, abs=1e-12)
    assert difference.high == pytest.approx(-1.0, abs=1e-12)


def test_two_outcomes_of_one_trace_are_refused() -> None:
    with pytest.raises(ConfigError, match="more than once"):
        trace_costs([_outcome("t0", 0), _outcome("t0", 4), _outcome("t1", 1)], CAT)


def test_a_fractional_number_of_resamples_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 100"):
        cost_intervals([_trace("t0")], {"p": [_outcome("t0", 1)]}, CAT, n_resamples=150.5)  # type: ignore[arg-type]
