"""The simulator and metrics against hand-computed cases and the reference baseline numbers."""

from __future__ import annotations

import json

import pytest

from scopecast.catalogue import Catalogue, ScopeSpec, load_catalogue
from scopecast.evaluation import (
    Policy,
    evaluate_policies,
    fit_baselines,
    score_outcomes,
    simulate_trace,
    write_predictions,
)
from scopecast.traces import Call, Trace, read_traces
from tests.independent_rescorer import check_report_shape, rescore, write_baseline_predictions

CAT = Catalogue(
    scopes=(
        ScopeSpec(name="g:read", risk=0.2),
        ScopeSpec(name="g:write", risk=0.6, implies=("g:read",)),
        ScopeSpec(name="g:send", risk=0.5),
        ScopeSpec(name="b:pay", risk=1.0, jit_only=True),
        ScopeSpec(name="b:read", risk=0.3),
    )
)


def _trace(trace_id: str, *calls: tuple[str, ...], domain: str = "d") -> Trace:
    return Trace(
        trace_id=trace_id,
        task="t",
        context={"domain": domain},
        calls=tuple(Call(tool=f"tool{i}", scopes=scopes) for i, scopes in enumerate(calls)),
    )


class Fixed(Policy):
    """A policy with a fixed upfront set and fixed batches, for hand-computed cases."""

    def __init__(self, upfront: set[str], batches: dict[int, set[str]] | None = None) -> None:
        self.name = "fixed"
        self._upfront = frozenset(upfront)
        self._batches = batches or {}

    def upfront(self, trace: Trace) -> frozenset[str]:
        return self._upfront

    def batch(self, trace, index, missing, granted) -> frozenset[str]:
        return frozenset(self._batches.get(index, set()))


def test_simulator_covers_a_read_with_the_write_that_implies_it() -> None:
    trace = _trace("a", ("g:read",), ("g:write",))
    outcome = simulate_trace(trace, Fixed({"g:write"}), CAT)
    assert outcome.interrupted_at == ()
    assert outcome.overgranted == frozenset()


def test_simulator_counts_one_interruption_per_uncovered_call_and_adds_the_batch() -> None:
    # calls: read (missing -> interruption 0, batch send), send (covered), read (covered),
    # b:read (missing -> interruption 3), pay (jit, missing -> interruption 4).
    trace = _trace("a", ("g:read",), ("g:send",), ("g:read",), ("b:read",), ("b:pay",))
    outcome = simulate_trace(trace, Fixed(set(), {0: {"g:send"}}), CAT)
    assert outcome.interrupted_at == (0, 3, 4)
    assert outcome.batches == {0: frozenset({"g:send"})}
    assert outcome.requested == frozenset({"g:read", "g:send", "b:read", "b:pay"})


def test_simulator_drops_jit_only_from_upfront_and_batches() -> None:
    trace = _trace("a", ("b:read",), ("b:pay",))
    outcome = simulate_trace(trace, Fixed({"b:pay", "g:send"}, {0: {"b:pay"}}), CAT)
    assert outcome.upfront == frozenset({"g:send"})
    assert outcome.interrupted_at == (0, 1)
    assert outcome.batches == {}


def test_simulator_drops_scopes_implying_a_jit_only_scope_as_the_guard_does() -> None:
    # b:admin grants b:pay (jit_only): asked ahead, it would grant b:pay before its point of
    # execution. ScopeGuard.start drops it from the upfront request and the guard's batch
    # never holds it, so the simulator must not credit a baseline (all_known, oracle) with it.
    cat = Catalogue(
        scopes=(
            ScopeSpec(name="b:admin", risk=0.1, implies=("b:pay",)),
            ScopeSpec(name="b:pay", risk=1.0, jit_only=True),
            ScopeSpec(name="g:send", risk=0.5),
        )
    )
    trace = _trace("a", ("g:send",), ("b:pay",), ("b:admin",))
    outcome = simulate_trace(trace, Fixed({"b:admin", "g:send"}, {1: {"b:admin"}}), cat)
    assert outcome.upfront == frozenset({"g:send"})
    assert outcome.interrupted_at == (1, 2)
    assert outcome.batches == {}


def test_simulator_batches_only_scopes_of_the_interrupting_providers() -> None:
    # trace-format.md: the extra scopes go "into that same consent", and one consent screen
    # grants scopes of one provider, never of two. A policy batching b:read at the g:read
    # interruption would get a b consent screen for free; b:read is dropped and interrupts.
    trace = _trace("a", ("g:read",), ("b:read",), ("g:send",))
    outcome = simulate_trace(trace, Fixed(set(), {0: {"b:read", "g:send"}}), CAT)
    assert outcome.batches == {0: frozenset({"g:send"})}
    assert outcome.interrupted_at == (0, 1)
    m = score_outcomes([outcome], CAT)
    assert m.consent_prompts_per_task == 2.0


def test_metrics_match_a_hand_computed_case() -> None:
    # Trace 1 needs {g:read, g:send}; U = {g:write, b:read}: the read is covered (implied,
    # not over-granted), send interrupts; R_end = {g:write, b:read, g:send}; over-grant
    # {g:write (0.6), b:read (0.3)}. Trace 2 needs {}: over-grant both again (0.9).
    traces = [_trace("1", ("g:read",), ("g:send",)), _trace("2")]
    outcomes = [simulate_trace(t, Fixed({"g:write", "b:read"}), CAT) for t in traces]
    m = score_outcomes(outcomes, CAT)
    assert m.interruptions_per_task == pytest.approx(0.5)
    assert m.zero_interruption_rate == pytest.approx(0.5)
    assert m.overgrant_per_task == pytest.approx(2.0)
    assert m.risk_overgrant_per_task == pytest.approx(0.9)
    assert m.upfront_precision == pytest.approx(0.0)  # |U & N| = 0 of 4
    assert m.upfront_recall == pytest.approx(0.0)
    assert m.consent_prompts_per_task == pytest.approx((2 + 2 + 1) / 2)
    assert m.cost_per_task == pytest.approx(1.4)


def test_upfront_precision_and_recall_are_micro_averaged() -> None:
    traces = [_trace("1", ("g:read",), ("g:send",)), _trace("2", ("b:read",))]
    outcomes = [simulate_trace(t, Fixed({"g:read", "b:read"}), CAT) for t in traces]
    m = score_outcomes(outcomes, CAT)
    # hits: {g:read} + {b:read} = 2; |U| = 2 + 2; |N| = 2 + 1 (not (1/2 + 1/2) / 2 etc.)
    assert m.upfront_precision == pytest.approx(2 / 4)
    assert m.upfront_recall == pytest.approx(2 / 3)


def test_baselines_follow_the_format_note() -> None:
    train = [
        _trace("t1", ("g:read",), ("g:send",), domain="mail"),
        _trace("t2", ("g:read",), domain="mail"),
        _trace("t3", ("b:read",), domain="bank"),
    ]
    jit, all_known, plan, frequency, oracle = fit_baselines(train)
    mail, other = _trace("x", ("g:send",), domain="mail"), _trace("y", domain="new")
    assert jit.upfront(mail) == frozenset()
    assert all_known.upfront(mail) == frozenset({"g:read", "g:send"})
    assert all_known.upfront(other) == frozenset({"g:read", "g:send", "b:read"})
    assert frequency.upfront(mail) == frozenset({"g:read"})  # send: 1 of 2 is not > half
    assert frequency.upfront(other) == frozenset()
    assert not plan.applies(mail)
    assert oracle.upfront(mail) == frozenset({"g:send"})
    report = evaluate_policies([mail, other], fit_baselines(train), CAT)
    assert report.skipped == ("plan",)
    assert set(report.to_json()["policies"]) == {"jit_only", "all_known", "frequency", "oracle"}


def test_all_known_gives_a_trace_without_a_domain_every_scope_seen() -> None:
    # "every scope seen in training for the trace's context.domain, or all of them if it has
    # none": a trace with no domain is not in the group of the training traces without one.
    train = [
        _trace("t1", ("g:read",), domain="mail"),
        Trace(trace_id="t2", task="t", calls=(Call(tool="x", scopes=("b:read",)),)),
    ]
    all_known = fit_baselines(train)[1]
    no_domain = Trace(trace_id="y", task="t", calls=())
    assert all_known.upfront(no_domain) == frozenset({"g:read", "b:read"})
    assert all_known.upfront(_trace("m", domain="mail")) == frozenset({"g:read"})
    # an explicit domain is a domain, even the empty one (no training trace had it: all)
    assert all_known.upfront(_trace("e", domain="")) == frozenset({"g:read", "b:read"})


def test_plan_policy_is_scored_only_on_traces_with_a_plan() -> None:
    with_plan = Trace.model_validate_json(
        '{"trace_id": "p", "task": "t", "plan": [{"tool": "x", "scopes": ["g:send"]}],'
        ' "calls": [{"tool": "x", "scopes": ["g:send"]}]}'
    )
    report = evaluate_policies([with_plan, _trace("n")], fit_baselines([]), CAT)
    plan = report.result("plan")
    assert plan.n_traces == 1
    assert plan.metrics.cost_per_task == 0.0
    data = report.to_json()
    assert data["n_traces_by_policy"] == {
        "jit_only": 2,
        "all_known": 2,
        "plan": 1,
        "frequency": 2,
        "oracle": 2,
    }
    check_report_shape(data)


def test_json_report_keeps_the_format_note_shape_when_plan_is_absent() -> None:
    report = evaluate_policies([_trace("a", ("g:read",))], fit_baselines([]), CAT)
    data = report.to_json()
    assert "plan" not in data["policies"]
    assert "plan" not in data["n_traces_by_policy"]
    check_report_shape(data)


# The reference baseline costs given in issue 8 (`issues show 8`).
REFERENCE = {
    "workbench": ("workbench_runs", {"jit_only": 1.437, "frequency": 0.957, "all_known": 2.146}),
    "agentdojo": (
        "agentdojo",
        {"jit_only": 2.138, "frequency": 1.579, "all_known": 2.162, "oracle": 0.172},
    ),
}


@pytest.mark.parametrize("dataset", sorted(REFERENCE))
def test_simulator_reproduces_the_reference_baseline_costs(shared_data, dataset) -> None:
    stem, expected = REFERENCE[dataset]
    train = read_traces(shared_data / f"{stem}_train.jsonl")
    test = read_traces(shared_data / f"{stem}_test.jsonl")
    catalogue = load_catalogue(shared_data / f"{dataset}.catalogue.json")
    report = evaluate_policies(test, fit_baselines(train), catalogue)
    costs = {r.name: round(r.metrics.cost_per_task, 3) for r in report.results}
    for name, cost in expected.items():
        assert costs[name] == cost, name


@pytest.mark.parametrize("dataset", sorted(REFERENCE))
def test_baselines_agree_with_an_independent_implementation(shared_data, tmp_path, dataset) -> None:
    """The baselines' decisions, re-scored by tests/independent_rescorer.py, give the same
    metrics; and that module's own baselines (decided from raw JSON) give the same decisions
    and the issue's reference costs."""
    stem, expected = REFERENCE[dataset]
    train_path = shared_data / f"{stem}_train.jsonl"
    test_path = shared_data / f"{stem}_test.jsonl"
    catalogue_path = shared_data / f"{dataset}.catalogue.json"
    test = read_traces(test_path)
    catalogue = load_catalogue(catalogue_path)
    report = evaluate_policies(test, fit_baselines(read_traces(train_path)), catalogue)
    independent = write_baseline_predictions(train_path, test_path, tmp_path)
    raw_scopes = json.loads(catalogue_path.read_text())["scopes"]
    jit_only = {spec["name"] for spec in raw_scopes if spec.get("jit_only", False)}
    for name, path in independent.items():
        result = report.result(name)
        ours = tmp_path / f"ours.{name}.jsonl"
        write_predictions(result.outcomes, ours)
        # The simulator drops jit_only scopes from U, as the format note says; so does rescore.
        theirs = {
            row["trace_id"]: set(row["upfront"]) - jit_only
            for row in map(json.loads, path.read_text().splitlines())
        }
        assert {o.trace_id: set(o.upfront) for o in result.outcomes} == theirs, name
        reported = result.metrics.model_dump()
        for decisions in (ours, path):
            rescored = rescore(test_path, catalogue_path, decisions)
            assert list(rescored) == list(reported)
            for metric, value in rescored.items():
                assert reported[metric] == pytest.approx(value, abs=1e-12), (name, metric)
        if name in expected:
            assert round(rescored["cost_per_task"], 3) == expected[name], name
