"""The generator's documented rates hold on generated data (within sampling tolerance)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from scopecast.generator import (
    AGENTS,
    GenerationStats,
    GeneratorRates,
    build_tool_index,
    generate_traces,
)

N = 12000
RATES = GeneratorRates()
AGENT = {agent.name: agent for agent in AGENTS}


@pytest.fixture(scope="module")
def generated():
    stats = GenerationStats()
    traces = list(generate_traces(N, seed=2026, stats=stats))
    return traces, stats


def _close(observed: float, expected: float, n: int, sigmas: float = 4.0) -> bool:
    return (
        abs(observed - expected)
        <= sigmas * math.sqrt(max(expected * (1 - expected), 1e-4) / n) + 1e-9
    )


def test_plan_share_matches_each_agents_documented_share(generated) -> None:
    traces, _ = generated
    expected = sum(AGENT[t.context["agent"]].plan_share for t in traces) / len(traces)
    observed = sum(t.plan is not None for t in traces) / len(traces)
    assert _close(observed, expected, len(traces))
    assert 0.5 <= observed <= 0.85
    for name, agent in AGENT.items():
        runs = [t for t in traces if t.context["agent"] == name]
        assert len(runs) >= 100, name
        assert _close(
            sum(t.plan is not None for t in runs) / len(runs), agent.plan_share, len(runs)
        )


@pytest.mark.parametrize(
    ("rate", "opportunities", "expected"),
    [
        ("lookup_if_named", "lookup_named_opportunities", RATES.lookup_if_named),
        ("lookup_if_address", "lookup_address_opportunities", RATES.lookup_if_address),
        ("read_before_write", "read_opportunities", RATES.read_before_write),
        ("substitution", "substitution_opportunities", RATES.substitution),
        ("retry", "retry_opportunities", RATES.retry),
        ("denial", "denial_opportunities", RATES.denial),
        ("rare_clause", "traces", RATES.rare_clause),
    ],
)
def test_divergence_rates_match_the_documented_ones(
    generated, rate, opportunities, expected
) -> None:
    _, stats = generated
    n = getattr(stats, opportunities)
    assert n >= 200, opportunities
    assert _close(stats.rates()[rate], expected, n)


def test_habit_strength_matches_the_documented_one(generated) -> None:
    _, stats = generated
    assert _close(
        stats.rates()["habit_use"], stats.rates()["habit_expected"], stats.habit_opportunities
    )
    assert stats.rates()["habit_expected"] > 0.9


def test_call_errors_and_denials_are_visible_in_the_traces(generated) -> None:
    traces, stats = generated
    status = Counter(call.status for t in traces for call in t.calls)
    assert status["error"] == stats.errors
    assert status["denied"] == stats.denials
    attempts = [
        (t.context["agent"], call) for t in traces for call in t.calls if call.status != "denied"
    ]
    expected = sum(RATES.call_error * AGENT[agent].error_multiplier for agent, _ in attempts) / len(
        attempts
    )
    assert _close(status["error"] / len(attempts), expected, len(attempts))


def test_failed_calls_are_mostly_retried_with_the_same_tool(generated) -> None:
    traces, _ = generated
    retried = failed = 0
    for trace in traces:
        for call, after in zip(trace.calls, trace.calls[1:], strict=False):
            if call.status == "error":
                failed += 1
                retried += after.tool == call.tool
    assert failed >= 200
    assert 0.6 <= retried / failed <= 0.95


def test_plans_diverge_in_every_documented_way(generated) -> None:
    traces, stats = generated
    with_plan = [t for t in traces if t.plan is not None]
    diverged = sum([s.tool for s in t.plan] != [c.tool for c in t.calls] for t in with_plan)
    unplanned = sum(bool(t.needed_scopes - t.plan_scopes) for t in with_plan)
    unused = sum(bool(t.plan_scopes - t.needed_scopes) for t in with_plan)
    assert diverged == stats.plan_traces_diverged
    assert unplanned == stats.plan_traces_unplanned_scope
    assert unused == stats.plan_traces_unused_scope
    assert 0.35 <= diverged / len(with_plan) <= 0.65
    assert 0.2 <= unplanned / len(with_plan) <= 0.5
    assert 0.05 <= unused / len(with_plan) <= 0.25
    assert 0.3 <= stats.rates()["branch_run"] <= 0.5


def test_an_organisation_never_mixes_office_suites(generated) -> None:
    traces, _ = generated
    suites: dict[str, set[str]] = defaultdict(set)
    for trace in traces:
        for call in trace.calls:
            for scope in call.scopes:
                provider = scope.partition(":")[0]
                if provider in {"google", "microsoft"} and not call.tool.startswith(
                    ("youtube.", "google.", "todo.", "onenote.")
                ):
                    suites[trace.context["org"]].add(provider)
    assert len(suites) >= 8
    assert all(len(providers) == 1 for providers in suites.values()), suites
    assert {p for ps in suites.values() for p in ps} == {"google", "microsoft"}


def test_users_reuse_the_same_tool_for_a_capability(generated) -> None:
    traces, _ = generated
    index = build_tool_index()
    capability_of = {
        v.name: cap
        for cap, by_provider in index.variants.items()
        for variants in by_provider.values()
        if len(variants) > 1 and len({v.name for v in variants}) == len(variants)
        for v in variants
    }
    used: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for trace in traces:
        for call in trace.calls:
            if call.tool in capability_of and call.status == "ok":
                used[trace.context["user"], capability_of[call.tool]][call.tool] += 1
    top = sum(c.most_common(1)[0][1] for c in used.values() if sum(c.values()) >= 5)
    total = sum(sum(c.values()) for c in used.values() if sum(c.values()) >= 5)
    assert total >= 2000
    assert top / total >= 0.8  # without habits it would be about 0.6


def test_the_long_tail_is_rare_and_long(generated) -> None:
    traces, _ = generated
    index = build_tool_index()
    tail = {t.variant.name for t in index.tail} - {"todo.create_task"}
    counts = Counter(call.tool for t in traces for call in t.calls if call.tool in tail)
    share = sum(any(c.tool in tail for c in t.calls) for t in traces) / len(traces)
    assert 0.02 <= share <= RATES.rare_clause + 0.01
    assert len(counts) >= 15
    assert max(counts.values()) >= 5 * min(counts.values())
