"""The best fixed set per group: hand-computed cases, properties, and the shared data."""

from __future__ import annotations

from itertools import chain, combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scopecast.catalogue import Catalogue, ScopeSpec, load_catalogue
from scopecast.evaluation import (
    JitOnlyPolicy,
    OraclePolicy,
    group_floor,
    score_outcomes,
    simulate,
)
from scopecast.evaluation._group_floor import _FixedSet as _Fixed
from scopecast.evaluation._group_floor import _local
from scopecast.exceptions import ConfigError
from scopecast.traces import Call, Trace, read_traces
from tests.test_evaluation_properties import catalogues, trace_sets

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _trace(trace_id: str, *calls: tuple[str, ...]) -> Trace:
    return Trace(
        trace_id=trace_id,
        task="t",
        context={},
        calls=tuple(Call(tool=f"f{i}", scopes=c) for i, c in enumerate(calls)),
    )


CATALOGUE = Catalogue(
    scopes=(
        ScopeSpec(name="g:read", risk=0.2),
        ScopeSpec(name="g:send", risk=0.6),
        ScopeSpec(name="g:write", risk=0.5, implies=("g:read",)),
        ScopeSpec(name="b:pay", risk=1.0, jit_only=True),
    )
)


def test_hand_computed_group() -> None:
    # Four runs of one template: read in all four, send in one, pay (jit_only) in one.
    # {read}: 1 interruption (send) + 1 (pay) = 2 over 4 runs; {read, send}: 3 runs leave
    # send unused (3 * 0.6 = 1.8) + 1 (pay) = 2.8; {}: 4 + 1 + 1 = 6. Best: {read}, 0.5/task.
    group = [
        _trace("x/t-a/0", ("g:read",)),
        _trace("x/t-a/1", ("g:read",), ("g:send",)),
        _trace("x/t-a/2", ("g:read",)),
        _trace("x/t-a/3", ("g:read",), ("b:pay",)),
    ]
    floor = group_floor(group, CATALOGUE)
    assert floor.sets == {"t-a": frozenset({"g:read"})}
    assert floor.exact == {"t-a": True}
    assert floor.cost_per_task == pytest.approx(0.5)
    assert floor.interruptions_per_task == pytest.approx(0.5)
    assert floor.risk_overgrant_per_task == pytest.approx(0.0)


def test_implied_scope_covers_its_reader() -> None:
    # write implies read: each of two runs reads then writes; {write} covers both calls
    # with one unused-nothing grant (cost 0), the best set.
    group = [_trace(f"x/t-b/{i}", ("g:read",), ("g:write",)) for i in range(2)]
    floor = group_floor(group, CATALOGUE)
    assert floor.cost_per_task == pytest.approx(0.0)
    assert CATALOGUE.covers(floor.sets["t-b"], {"g:read", "g:write"})


def test_one_trace_per_group_is_the_oracle() -> None:
    traces = [
        _trace("a", ("g:read",), ("b:pay",)),
        _trace("b", ("g:send",)),
        _trace("c"),
    ]
    floor = group_floor(traces, CATALOGUE)
    oracle = score_outcomes(simulate(traces, OraclePolicy(), CATALOGUE), CATALOGUE)
    assert floor.cost_per_task == pytest.approx(oracle.cost_per_task)
    assert floor.n_groups == 3


def test_custom_group_and_empty_input() -> None:
    traces = [_trace("r1", ("g:read",)), _trace("r2", ("g:send",))]
    together = group_floor(traces, CATALOGUE, group=lambda t: "all")
    assert together.n_groups == 1
    # one set for both runs: {read} or {send} costs 1 interruption; {read, send} costs
    # 0.2 + 0.6 = 0.8 of over-grant; {} costs 2
    assert together.cost_per_task == pytest.approx(0.4)
    with pytest.raises(ConfigError, match="at least one trace"):
        group_floor([], CATALOGUE)


def _subsets(items: list[str]) -> chain[tuple[str, ...]]:
    return chain.from_iterable(combinations(items, k) for k in range(len(items) + 1))


@settings(max_examples=60, deadline=None)
@given(catalogues(), trace_sets("t-"), st.integers(1, 3))
def test_floor_is_the_cheapest_fixed_set_of_each_group(
    catalogue: Catalogue, traces: list[Trace], n_groups: int
) -> None:
    """No fixed set per group does better; in particular neither jit_only nor the oracle's
    union, and with one group per trace it equals the oracle."""
    if not traces:
        return

    def group(t: Trace) -> str:
        return str(int(t.trace_id[2:]) % n_groups)

    floor = group_floor(traces, catalogue, group=group)
    by_group: dict[str, list[Trace]] = {}
    for t in traces:
        by_group.setdefault(group(t), []).append(t)
    total = 0.0
    for members in by_group.values():
        scopes = sorted(catalogue.all_scopes)
        best = min(
            score_outcomes(
                simulate(members, _Fixed(frozenset(s)), catalogue), catalogue
            ).cost_per_task
            for s in _subsets(scopes)
        )
        total += best * len(members)
    assert floor.cost_per_task == pytest.approx(total / len(traces))
    jit = score_outcomes(simulate(traces, JitOnlyPolicy(), catalogue), catalogue)
    assert floor.cost_per_task <= jit.cost_per_task + 1e-9
    per_trace = group_floor(traces, catalogue, group=lambda t: t.trace_id)
    oracle = score_outcomes(simulate(traces, OraclePolicy(), catalogue), catalogue)
    assert per_trace.cost_per_task == pytest.approx(oracle.cost_per_task)


@settings(max_examples=40, deadline=None)
@given(catalogues(), trace_sets("t-"))
def test_local_search_never_beats_exhaustive(catalogue: Catalogue, traces: list[Trace]) -> None:
    """The fallback for large groups is an upper bound of the group's minimum."""
    if not traces:
        return
    candidates = sorted(s for s in catalogue.all_scopes if not catalogue.implies_jit_only(s))
    exact = group_floor(traces, catalogue, group=lambda t: "g").cost_per_task * len(traces)
    found = _local(traces, candidates, catalogue)
    cost = score_outcomes(simulate(traces, _Fixed(found), catalogue), catalogue)
    assert cost.cost_per_task * len(traces) >= exact - 1e-9


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the project")
def test_workbench_test_floor() -> None:
    traces = read_traces(SHARED / "workbench_runs_test.jsonl")
    catalogue = load_catalogue(SHARED / "workbench.catalogue.json")
    floor = group_floor(traces, catalogue)
    assert floor.n_groups == 14  # the test file's task templates
    assert all(floor.exact.values())
    jit = score_outcomes(simulate(traces, JitOnlyPolicy(), catalogue), catalogue)
    oracle = score_outcomes(simulate(traces, OraclePolicy(), catalogue), catalogue)
    assert oracle.cost_per_task <= floor.cost_per_task < jit.cost_per_task
    assert floor.cost_per_task == pytest.approx(
        floor.interruptions_per_task + floor.risk_overgrant_per_task
    )


def test_evaluate_floor_line_groups_as_the_intervals_do() -> None:
    # `scopecast evaluate --model` resamples by the model's CV groups (its --group-pattern,
    # here the tpl- part); the floor line must group the same way. By the WorkBench default
    # (a t- part, else the trace) each run of these ids was its own group and the line
    # was silently left out, as if no template had several runs.
    import re

    from scopecast.cli._evaluate import group_floor_line

    traces = [
        _trace("coder/web/tpl-a/run-0", ("g:read",)),
        _trace("coder/web/tpl-a/run-1", ("g:read",), ("g:send",)),
        _trace("coder/web/tpl-b/run-2", ("g:send",)),
    ]

    def by_pattern(trace: Trace) -> str:
        match = re.search(r"/(tpl-[a-z]+)/", trace.trace_id)
        return match.group(1) if match else trace.trace_id

    assert group_floor_line(traces, CATALOGUE) is None  # default grouping: one run each
    line = group_floor_line(traces, CATALOGUE, group=by_pattern)
    assert line is not None
    assert "over 2 templates" in line
