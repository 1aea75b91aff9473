"""The deployed policy is the evaluated one: PreAuthorizer + the guard, run live on held-out
traces, ask what the simulator of ``scopecast evaluate`` says the model policy asks.

Each AgentDojo test trace is replayed call by call through a real ``ScopeGuard`` (blocking,
a user who grants what is asked) made by ``PreAuthorizer.guard()`` from a model directory
trained on the train file, starting with the upfront set ``PreAuthorizer.plan`` gives. The
upfront set, the calls that interrupt and the scopes batched at each must equal the
simulator's outcome for ``ModelPolicy`` with the model's recorded policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scopecast import read_traces
from scopecast.catalogue import load_catalogue
from scopecast.evaluation import ModelPolicy, simulate
from scopecast.evaluation._setup import recorded_policy
from scopecast.policy import CostModel
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, Grant, PreAuthorizer

pytestmark = pytest.mark.slow


class User:
    """Grants every consent; remembers each (call index, scopes asked beyond the missing).

    The consent at the start (before any call) is remembered with index ``None`` and
    everything it asked.
    """

    def __init__(self) -> None:
        self.at: int | None = None
        self.asked: list[tuple[int | None, frozenset[str]]] = []

    def __call__(self, request: ConsentRequest) -> Grant:
        if self.at is None:
            self.asked.append((None, request.requested))
        else:
            self.asked.append((self.at, request.requested - request.missing))
        return Grant.of(request.request_id, request.requested)


@pytest.mark.parametrize("batching", [None, True], ids=["recorded", "batching"])
def test_the_guard_asks_what_the_simulator_says(
    shared_data: Path, tmp_path: Path, batching: bool | None
) -> None:
    """With the policy training recorded, and with batching on (whatever training chose) at
    a planning scale of 5, so that the comparison covers batches (at the scales training
    chooses, at most one AgentDojo test call batches)."""
    from scopecast.model import load_scorer, train_to_directory

    catalogue = load_catalogue(shared_data / "agentdojo.catalogue.json")
    train = read_traces(shared_data / "agentdojo_train.jsonl")
    test = read_traces(shared_data / "agentdojo_test.jsonl")
    train_to_directory(train, tmp_path / "model", catalogue)
    bundle = load_scorer(tmp_path / "model")
    params = recorded_policy(bundle.metadata)
    scale = None if batching is None else 5.0  # batches are rare: 4 test calls batch at 5
    policy = ModelPolicy(
        bundle.scorer,
        bundle.catalogue,
        CostModel(),
        batching=params.batching if batching is None else batching,
        interruption_scale=params.interruption_scale if scale is None else scale,
    )
    simulated = {o.trace_id: o for o in simulate(test, policy, bundle.catalogue)}
    pre = PreAuthorizer(tmp_path / "model", planning_scale=scale, batching=batching)

    interruptions = batched = 0
    for trace in test:
        user = User()
        guard = pre.guard(store="sqlite://", authorizer=CallbackAuthorizer(user))
        plan = pre.plan(trace.task, trace.context, trace.plan)
        with guard.start(trace.task, context=trace.context, upfront=plan.upfront_scopes) as run:
            for index, call in enumerate(trace.calls):
                user.at = index
                run.check(call.tool)
        guard.close()
        outcome = simulated[trace.trace_id]
        start = [requested for index, requested in user.asked if index is None]
        during = [(index, extra) for index, extra in user.asked if index is not None]
        assert plan.upfront_scopes == outcome.upfront, trace.trace_id
        assert start == ([plan.upfront_scopes] if plan.upfront_scopes else []), trace.trace_id
        assert [index for index, _ in during] == list(outcome.interrupted_at), trace.trace_id
        assert {i: extra for i, extra in during if extra} == outcome.batches, trace.trace_id
        interruptions += len(during)
        batched += sum(bool(extra) for _, extra in during)
    assert interruptions > 0
    if batching:
        assert batched > 0  # the comparison covers batches, not only interruptions
