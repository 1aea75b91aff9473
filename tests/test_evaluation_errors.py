"""Error analysis: missed and over-granted scopes, and costs by kind of divergence from the plan."""

from __future__ import annotations

import pytest

from scopecast.catalogue import Catalogue, ScopeSpec, load_catalogue
from scopecast.evaluation import (
    DIVERGENCE_KINDS,
    PlanPolicy,
    Policy,
    build_evaluation,
    divergence_costs,
    divergence_kinds,
    evaluate_policies,
    missed_at,
    scope_errors,
    score_outcomes,
    simulate,
    simulate_trace,
)
from scopecast.exceptions import ConfigError
from scopecast.traces import Call, PlanStep, Trace

CAT = Catalogue(
    scopes=(
        ScopeSpec(name="g:read", risk=0.2),
        ScopeSpec(name="g:write", risk=0.6, implies=("g:read",)),
        ScopeSpec(name="g:send", risk=0.5),
        ScopeSpec(name="b:read", risk=0.3),
    )
)


def _trace(trace_id, *calls, plan=None, statuses=None) -> Trace:
    statuses = statuses or ["ok"] * len(calls)
    return Trace(
        trace_id=trace_id,
        task=f"task {trace_id}",
        plan=None
        if plan is None
        else tuple(PlanStep(tool=tool, scopes=scopes) for tool, scopes in plan),
        calls=tuple(
            Call(tool=tool, scopes=scopes, status=status)
            for (tool, scopes), status in zip(calls, statuses, strict=True)
        ),
    )


class Fixed(Policy):
    def __init__(self, upfront, batches=None) -> None:
        self.name = "fixed"
        self._upfront = frozenset(upfront)
        self._batches = batches or {}

    def upfront(self, trace):
        return self._upfront

    def batch(self, trace, index, missing, granted):
        return frozenset(self._batches.get(index, set()))


def test_missed_at_gives_the_missing_scopes_of_each_interruption() -> None:
    # the batch (g:send, of the interrupting provider) is not among the missing scopes
    trace = _trace("a", ("r", ("g:read",)), ("s", ("g:send",)), ("b", ("b:read", "g:send")))
    outcome = simulate_trace(trace, Fixed({"b:read"}, {0: {"g:send"}}), CAT)
    assert outcome.interrupted_at == (0,)
    assert missed_at(outcome, trace, CAT) == {0: frozenset({"g:read"})}


def test_missed_at_refuses_an_outcome_of_another_trace() -> None:
    a, b = _trace("a", ("r", ("g:read",))), _trace("b", ("r", ("g:read",)))
    with pytest.raises(ConfigError, match="cannot be matched"):
        missed_at(simulate_trace(a, Fixed(set()), CAT), b, CAT)


def test_scope_errors_count_missed_and_overgranted_scopes_with_examples() -> None:
    traces = [
        _trace("a", ("r", ("g:read",)), ("r", ("g:read",))),
        _trace("b", ("s", ("g:send",))),
        _trace("c", ("r", ("g:read",))),
    ]
    outcomes = simulate(traces, Fixed({"g:send", "b:read"}), CAT)
    rows = {row.scope: row for row in scope_errors(outcomes, traces, CAT, n_examples=1)}
    assert rows["g:read"].n_missed == 2  # traces a and c, once each
    assert rows["g:read"].n_needed == 2
    assert [e.trace_id for e in rows["g:read"].missed_examples] == ["a"]
    assert rows["b:read"].n_overgranted == 3
    assert rows["b:read"].risk_overgrant == pytest.approx(0.9)
    assert rows["g:send"].n_overgranted == 2
    assert rows["g:send"].n_missed == 0
    # The summed risk over-grant of the rows is the metric times the number of traces.
    total = sum(row.risk_overgrant for row in rows.values())
    assert total == pytest.approx(score_outcomes(outcomes, CAT).risk_overgrant_per_task * 3)


def test_scope_errors_of_the_model_policy_add_up_to_its_metrics(shared_data) -> None:
    setup = build_evaluation(
        traces=[shared_data / "agentdojo_test.jsonl"],
        model_dir=None,
        train=[shared_data / "agentdojo_train.jsonl"],
        catalogue_path=shared_data / "agentdojo.catalogue.json",
    )
    report = evaluate_policies(setup.test, setup.policies, setup.catalogue)
    result = report.result("model")
    rows = scope_errors(result.outcomes, setup.test, setup.catalogue)
    n = report.n_traces
    assert sum(r.risk_overgrant for r in rows) / n == pytest.approx(
        result.metrics.risk_overgrant_per_task
    )
    assert sum(r.n_overgranted for r in rows) / n == pytest.approx(
        result.metrics.overgrant_per_task
    )
    # Each interruption misses at least one scope; a missed scope interrupts at least once.
    missed = sum(r.n_missed for r in rows)
    assert missed >= sum(o.n_interruptions for o in result.outcomes) > 0


def test_divergence_kinds_are_read_from_the_plan_and_the_calls() -> None:
    send, read = ("send", ("g:send",)), ("read", ("g:read",))
    assert divergence_kinds(_trace("n", send)) == frozenset()
    assert divergence_kinds(_trace("p", send, plan=[send])) == {"as_planned"}
    assert divergence_kinds(_trace("b", send, plan=[send, read])) == {"unused_plan_scopes"}
    assert divergence_kinds(_trace("l", read, send, plan=[send])) == {
        "unplanned_scopes",
        "unplanned_tools",
    }
    # A substitution onto another tool with the same scopes changes no scope.
    assert divergence_kinds(_trace("s", ("send2", ("g:send",)), plan=[send])) == {"unplanned_tools"}
    kinds = divergence_kinds(_trace("f", send, send, plan=[send], statuses=["error", "denied"]))
    assert kinds == {"failed_calls", "denied_calls"}
    assert kinds <= set(DIVERGENCE_KINDS)


def test_divergence_costs_score_each_policy_on_the_traces_of_each_kind() -> None:
    send, read = ("send", ("g:send",)), ("read", ("g:read",))
    traces = [
        _trace("p", send, plan=[send]),
        _trace("b", send, plan=[send, read]),
        _trace("l", read, send, plan=[send]),
        _trace("n", send),
    ]
    report = evaluate_policies(traces, [PlanPolicy(), Fixed(set())], CAT)
    rows = divergence_costs(report, traces, CAT, policies=("plan", "fixed", "absent"))
    table = {(r.kind, r.policy): r for r in rows}
    assert table["as_planned", "plan"].cost_per_task == 0.0
    assert table["as_planned", "fixed"].interruptions_per_task == 1.0
    assert table["unused_plan_scopes", "plan"].risk_overgrant_per_task == pytest.approx(0.2)
    assert table["unplanned_scopes", "plan"].interruptions_per_task == 1.0
    assert table["unplanned_scopes", "fixed"].n_traces == 1
    assert {r.kind for r in rows} == {
        "as_planned",
        "unused_plan_scopes",
        "unplanned_scopes",
        "unplanned_tools",
    }
    assert all(r.policy != "absent" for r in rows)


def test_divergence_costs_are_empty_on_traces_without_plans(shared_data) -> None:
    # The shared data have no plan: no kind, no row.
    catalogue = load_catalogue(shared_data / "agentdojo.catalogue.json")
    setup = build_evaluation(
        traces=[shared_data / "agentdojo_test.jsonl"],
        model_dir=None,
        train=[shared_data / "agentdojo_train.jsonl"],
        catalogue_path=shared_data / "agentdojo.catalogue.json",
    )
    report = evaluate_policies(setup.test, setup.policies, catalogue)
    assert divergence_costs(report, setup.test, catalogue) == []
