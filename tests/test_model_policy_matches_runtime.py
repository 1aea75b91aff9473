"""The simulated model policy and the runtime decide alike on inputs the replay test lacks."""

from __future__ import annotations

from collections.abc import Sequence

from scopecast import Catalogue, ScopeSpec, ToolSpec
from scopecast.evaluation import ModelPolicy, simulate_trace
from scopecast.policy import CostModel
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, Grant, PreAuthorizer
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

CATALOGUE = Catalogue(
    tools=(
        ToolSpec(name="email.search", scopes=("google:gmail.readonly",)),
        ToolSpec(name="email.send", scopes=("google:gmail.send",)),
    ),
    scopes=(
        ScopeSpec(name="google:gmail.readonly", risk=0.3),
        ScopeSpec(name="google:gmail.send", risk=0.2),
    ),
)
TRACE = Trace(
    trace_id="t",
    task="Find Carlos's mail",
    calls=(
        Call(tool="email.search", scopes=("google:gmail.readonly",)),
        Call(tool="email.send", scopes=("google:gmail.send",)),
    ),
)


class UnknownScopeScorer:
    """Sure the run needs a scope the catalogue does not know (its risk is unknown)."""

    def __init__(self, before: dict[str, float], after: dict[str, float]) -> None:
        self.before, self.after = before, after

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        return [dict(self.after if item.calls else self.before) for item in inputs]


def test_a_scope_the_catalogue_does_not_know_is_not_planned_up_front() -> None:
    # PreAuthorizer drops it (unknown risk); the evaluated policy planned it at risk 0.5,
    # so `scopecast evaluate` counted as covered a call the deployed guard interrupts.
    scorer = UnknownScopeScorer({"google:gmail.readonly": 0.99, "google:drive.file": 0.99}, {})
    outcome = simulate_trace(TRACE, ModelPolicy(scorer, CATALOGUE, CostModel()), CATALOGUE)
    plan = PreAuthorizer(scorer, catalogue=CATALOGUE).plan(TRACE.task)
    assert plan.upfront_scopes == {"google:gmail.readonly"}
    assert outcome.upfront == plan.upfront_scopes


def test_a_scope_the_catalogue_does_not_know_is_not_batched() -> None:
    scorer = UnknownScopeScorer(
        {}, {"google:drive.file": 0.99, "google:gmail.send": 0.9, "google:gmail.readonly": 1.0}
    )
    outcome = simulate_trace(TRACE, ModelPolicy(scorer, CATALOGUE, CostModel()), CATALOGUE)
    asked: list[frozenset[str]] = []

    def user(request: ConsentRequest) -> Grant:
        asked.append(request.requested - request.missing)
        return Grant.of(request.request_id, request.requested)

    guard = PreAuthorizer(scorer, catalogue=CATALOGUE).guard(
        store="sqlite://", authorizer=CallbackAuthorizer(user)
    )
    with guard.start(TRACE.task) as run:
        for call in TRACE.calls:
            run.check(call.tool)
    guard.close()
    assert asked == [frozenset({"google:gmail.send"})]
    assert outcome.interrupted_at == (0,)
    assert outcome.batches == {0: frozenset({"google:gmail.send"})}
