"""Properties of the simulator and the policies on generated catalogues and traces."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast.catalogue import Catalogue, ScopeSpec
from scopecast.evaluation import (
    ModelPolicy,
    OraclePolicy,
    Policy,
    evaluate_policies,
    fit_baselines,
    score_outcomes,
    simulate_trace,
)
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

NAMES = ["g:a", "g:b", "g:c", "s:a", "s:b", "s:c"]


@st.composite
def catalogues(draw: st.DrawFn) -> Catalogue:
    """Random risks, jit_only flags and implies (acyclic: a scope implies earlier ones only).

    A scope that is not jit_only never implies a jit_only one: holding it would grant the
    jit_only scope before the start, which the format note forbids in spirit (see report).
    """
    specs = []
    jit = {name: draw(st.booleans()) and draw(st.booleans()) for name in NAMES}
    for i, name in enumerate(NAMES):
        allowed = [n for n in NAMES[:i] if jit[name] or not jit[n]]
        implies = (
            draw(st.lists(st.sampled_from(allowed), unique=True, max_size=2)) if allowed else []
        )
        specs.append(
            ScopeSpec(
                name=name,
                risk=draw(st.floats(0.0, 1.0)),
                jit_only=jit[name],
                implies=tuple(implies),
            )
        )
    return Catalogue(scopes=tuple(specs))


@st.composite
def trace_sets(draw: st.DrawFn, prefix: str) -> list[Trace]:
    n = draw(st.integers(0, 5))
    traces = []
    for i in range(n):
        calls = draw(
            st.lists(st.lists(st.sampled_from(NAMES), unique=True, max_size=2), max_size=5)
        )
        traces.append(
            Trace(
                trace_id=f"{prefix}{i}",
                task="t",
                context={"domain": draw(st.sampled_from(["x", "y"]))},
                calls=tuple(Call(tool=f"f{j}", scopes=tuple(c)) for j, c in enumerate(calls)),
            )
        )
    return traces


class RandomScorer:
    """A scorer giving the same drawn probabilities to every input (a legitimate ScopeScorer)."""

    def __init__(self, probabilities: dict[str, float]) -> None:
        self.probabilities = probabilities

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        return [dict(self.probabilities) for _ in inputs]


class Arbitrary(Policy):
    """Any upfront set and any batch at every interruption (jit_only included: dropped)."""

    def __init__(self, upfront: frozenset[str], batch: frozenset[str]) -> None:
        self.name = "arbitrary"
        self._upfront, self._batch = upfront, batch

    def upfront(self, trace: Trace) -> frozenset[str]:
        return self._upfront

    def batch(self, trace, index, missing, granted) -> frozenset[str]:
        return self._batch


scope_sets = st.frozensets(st.sampled_from(NAMES))


@given(
    catalogue=catalogues(),
    train=trace_sets("train"),
    test=trace_sets("test"),
    probabilities=st.dictionaries(st.sampled_from(NAMES), st.floats(0.0, 1.0)),
    interruption=st.floats(0.0, 5.0),
    upfront=scope_sets,
    batch=scope_sets,
)
def test_oracle_is_never_beaten_on_cost(
    catalogue, train, test, probabilities, interruption, upfront, batch
) -> None:
    model = ModelPolicy(
        RandomScorer(probabilities), catalogue, CostModel(interruption=interruption)
    )
    policies = [*fit_baselines(train)[:4], model, Arbitrary(upfront, batch)]
    oracle = evaluate_policies(test, [OraclePolicy()], catalogue).results
    report = evaluate_policies(test, policies, catalogue)
    if not oracle:
        assert not test
        return
    best = oracle[0].metrics.cost_per_task
    assert oracle[0].metrics.overgrant_per_task == 0.0
    for result in report.results:
        if result.n_traces == len(test):
            assert result.metrics.cost_per_task >= best - 1e-9, result.name


def test_model_policy_blends_a_prior_in_log_odds() -> None:
    catalogue = Catalogue(scopes=(ScopeSpec(name="g:a", risk=0.5),))
    trace = Trace(trace_id="x", task="t", calls=(Call(tool="f", scopes=("g:a",)),))
    policy = ModelPolicy(
        RandomScorer({"g:a": 0.2}), catalogue, prior=RandomScorer({"g:a": 0.8}), prior_weight=0.5
    )
    assert policy.probabilities(trace)["g:a"] == pytest.approx(0.5)  # logits -1.386 and +1.386
    policy.prior_weight = 0.0
    assert policy.probabilities(trace)["g:a"] == pytest.approx(0.2)
    with pytest.raises(ConfigError, match="a prior is needed"):
        ModelPolicy(RandomScorer({}), catalogue, prior_weight=0.3)


def test_model_policy_never_batches_a_scope_denied_earlier_in_the_run() -> None:
    catalogue = Catalogue(scopes=(ScopeSpec(name="g:a", risk=0.1), ScopeSpec(name="g:b", risk=0.1)))
    trace = Trace.model_validate_json(
        '{"trace_id": "x", "task": "t", "calls": ['
        '{"tool": "f", "scopes": ["g:b"], "status": "denied"},'
        '{"tool": "f", "scopes": ["g:a"]}]}'
    )
    policy = ModelPolicy(RandomScorer({"g:a": 0.0, "g:b": 0.9}), catalogue)
    # At call 1, g:b was refused at call 0: not batched again although p = 0.9.
    assert policy.batch(trace, 1, frozenset({"g:a"}), frozenset()) == frozenset()
    assert policy.batch(trace, 0, frozenset({"g:a"}), frozenset()) == frozenset({"g:b"})


@st.composite
def any_catalogues(draw: st.DrawFn) -> Catalogue:
    """Like :func:`catalogues`, but a scope may imply a jit_only one (and any other)."""
    specs = []
    for i, name in enumerate(NAMES):
        implies = draw(st.lists(st.sampled_from(NAMES[:i]), unique=True, max_size=2)) if i else []
        specs.append(
            ScopeSpec(
                name=name,
                risk=draw(st.sampled_from([0.0, 0.25, 1.0]) | st.floats(0.0, 1.0)),
                jit_only=draw(st.booleans()) and draw(st.booleans()),
                implies=tuple(implies),
            )
        )
    return Catalogue(scopes=tuple(specs))


def _plain_closure(scopes: set[str], implies: dict[str, tuple[str, ...]]) -> set[str]:
    result, todo = set(scopes), list(scopes)
    while todo:
        for implied in implies.get(todo.pop(), ()):
            if implied not in result:
                result.add(implied)
                todo.append(implied)
    return result


class Batches(Policy):
    """A drawn upfront set and a drawn batch per call index."""

    def __init__(self, upfront: frozenset[str], batches: dict[int, frozenset[str]]) -> None:
        self.name = "batches"
        self._upfront, self._batches = upfront, batches

    def upfront(self, trace: Trace) -> frozenset[str]:
        return self._upfront

    def batch(self, trace, index, missing, granted) -> frozenset[str]:
        return self._batches.get(index, frozenset())


@given(
    catalogue=any_catalogues(),
    calls=st.lists(st.lists(st.sampled_from([*NAMES, "x:unknown"]), unique=True, max_size=3)),
    upfront=scope_sets,
    batches=st.dictionaries(st.integers(0, 5), scope_sets),
)
def test_simulator_and_metrics_equal_the_format_note_replayed_by_hand(
    catalogue, calls, upfront, batches
) -> None:
    # The note's simulator with plain sets: R starts as U less what grants a jit_only scope;
    # an uncovered call is one interruption, adding the missing scopes and the batch (of the
    # missing scopes' providers, nothing that grants a jit_only scope, nothing covered).
    implies = {spec.name: spec.implies for spec in catalogue.scopes}
    jit = {spec.name for spec in catalogue.scopes if spec.jit_only}
    risk = {spec.name: spec.risk for spec in catalogue.scopes}
    trace = Trace(
        trace_id="t",
        task="t",
        calls=tuple(Call(tool=f"f{i}", scopes=tuple(c)) for i, c in enumerate(calls)),
    )
    outcome = simulate_trace(trace, Batches(upfront, batches), catalogue)

    u = {s for s in upfront if not _plain_closure({s}, implies) & jit}
    requested, interrupted, added = set(u), [], {}
    for index, scopes in enumerate(calls):
        missing = set(scopes) - _plain_closure(requested, implies)
        if not missing:
            continue
        interrupted.append(index)
        covered = _plain_closure(requested | missing, implies)
        providers = {s.split(":", 1)[0] for s in missing}
        extra = {
            s
            for s in batches.get(index, ())
            if s not in covered
            and s.split(":", 1)[0] in providers
            and not _plain_closure({s}, implies) & jit
        }
        if extra:
            added[index] = frozenset(extra)
        requested |= missing | extra
    needed = {s for scopes in calls for s in scopes}
    assert outcome.upfront == u
    assert outcome.requested == requested
    assert outcome.interrupted_at == tuple(interrupted)
    assert outcome.batches == added
    assert needed <= catalogue.closure(outcome.requested)  # every call ran with its scopes

    m = score_outcomes([outcome], catalogue)
    over = requested - needed
    assert m.interruptions_per_task == len(interrupted)
    assert m.overgrant_per_task == len(over)
    assert m.risk_overgrant_per_task == pytest.approx(sum(risk.get(s, 0.5) for s in over))
    assert m.consent_prompts_per_task == len({s.split(":", 1)[0] for s in u}) + len(interrupted)
    assert m.upfront_precision == (len(u & needed) / len(u) if u else 0.0)
    assert m.upfront_recall == (len(u & needed) / len(needed) if needed else 0.0)
