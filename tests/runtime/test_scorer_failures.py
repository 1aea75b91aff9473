"""A failing or misbehaving scorer never skips a consent nor widens a grant (fail closed).

Before the start, :class:`PreAuthorizer` degrades to nothing up front; at an interruption,
the guard asks exactly the missing scopes. Scopes the catalogue does not know, and scopes
implying a ``jit_only`` scope, are never asked ahead of their call. The scorers here are
the input (anyone's code, maybe remote), not the component under test: the guard, its run
store (real SQLite) and the PreAuthorizer are real.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

import pytest

from scopecast import AuthorizationRequired, Catalogue, ScopeDeniedError, ScopeSpec, ToolSpec
from scopecast.exceptions import ModelUnavailableWarning
from scopecast.runtime import START_TOOL, CallbackAuthorizer, PreAuthorizer, RunStore, ScopeGuard
from scopecast.scoring import TaskInput
from tests.runtime.conftest import ScriptedConsent

SECRET = "tok-3f9a-not-for-logs"
"""Text a failing remote scorer puts in its error message; it must never reach the logs."""

JIT_CATALOGUE = Catalogue(
    tools=(
        ToolSpec(name="g.read", scopes=("g:read",)),
        ToolSpec(name="g.write", scopes=("g:write",)),
        ToolSpec(name="g.nuke", scopes=("g:admin",)),
    ),
    scopes=(
        ScopeSpec(name="g:read", risk=0.2),
        ScopeSpec(name="g:write", risk=0.3),
        ScopeSpec(name="g:admin", risk=1.0, jit_only=True),
        ScopeSpec(name="g:super", risk=1.0, implies=("g:admin", "g:write")),
    ),
)


class CallableScorer:
    """A ScopeScorer whose answer for each call is ``answer()`` (raising or malformed)."""

    def __init__(self, answer: Callable[[], object]) -> None:
        self.answer = answer
        self.calls = 0

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        self.calls += 1
        return self.answer()  # type: ignore[return-value]


def _raise(err: Exception) -> Callable[[], object]:
    def answer() -> object:
        raise err

    return answer


FAILURES: dict[str, tuple[Callable[[], object], str]] = {
    "RuntimeError": (_raise(RuntimeError(f"remote scorer down, key={SECRET}")), "RuntimeError"),
    "ConnectionError": (_raise(ConnectionError(f"refused: {SECRET}")), "ConnectionError"),
    "custom": (_raise(type("ScorerTimeout", (Exception,), {})(SECRET)), "ScorerTimeout"),
    "bad scope name": (lambda: [{"nocolon": 0.9}], "ValueError"),
    "nan": (lambda: [{"g:write": math.nan}], "ValueError"),
    "above 1": (lambda: [{"g:write": 1.5}], "ValueError"),
    "string probability": (lambda: [{"g:write": "0.9"}], "TypeError"),
    "none": (lambda: None, "TypeError"),
    "no mapping": (lambda: [], "TypeError"),
    "two mappings": (lambda: [{"g:write": 0.9}, {"g:write": 0.9}], "TypeError"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failing_scorer_at_an_interruption_asks_exactly_the_missing_scopes(
    case: str, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    answer, error_type = FAILURES[case]
    scorer = CallableScorer(answer)
    user = ScriptedConsent()
    guard = ScopeGuard(
        JIT_CATALOGUE, store=store, authorizer=CallbackAuthorizer(user), scorer=scorer
    )
    with caplog.at_level(logging.WARNING, logger="scopecast"), guard.start("Read it") as run:
        run.check("g.read")
    assert scorer.calls == 1  # the re-prediction was tried
    (request,) = user.requests
    assert request.tool == "g.read"
    assert request.missing == request.requested == {"g:read"}
    assert run.granted == {"g:read"}
    warned = [r.getMessage() for r in caplog.records if "scorer failed" in r.getMessage()]
    assert warned == [
        f"scorer failed at an interruption ({error_type}); asking only for the missing scopes"
    ]
    assert SECRET not in caplog.text


def test_failing_scorer_never_runs_a_refused_call(store: RunStore) -> None:
    user = ScriptedConsent(lambda request: ())
    guard = ScopeGuard(
        JIT_CATALOGUE,
        store=store,
        authorizer=CallbackAuthorizer(user),
        scorer=CallableScorer(_raise(RuntimeError("down"))),
    )
    ran: list[str] = []
    write = guard.tool("g.write")(lambda: ran.append("write"))
    with guard.start("Write it"), pytest.raises(ScopeDeniedError):
        write()
    assert ran == []
    assert [r.requested for r in user.requests] == [{"g:write"}]


def test_failing_scorer_in_pausing_mode_still_pauses_for_the_missing_scope(
    store: RunStore,
) -> None:
    guard = ScopeGuard(
        JIT_CATALOGUE,
        store=store,
        mode="pausing",
        scorer=CallableScorer(_raise(ConnectionError("down"))),
    )
    with guard.start("Write it") as run, pytest.raises(AuthorizationRequired) as paused:
        run.check("g.write")
    assert paused.value.missing == paused.value.requested == {"g:write"}


def test_batch_holds_no_scope_implying_a_jit_only_one_nor_an_unknown_one(
    store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    # the policy would batch an unknown g:zzz at 0.99 (default risk 0.5); the guard must not
    scorer = CallableScorer(lambda: [{"g:super": 0.99, "g:zzz": 0.99, "g:admin": 0.99}])
    user = ScriptedConsent()
    guard = ScopeGuard(
        JIT_CATALOGUE, store=store, authorizer=CallbackAuthorizer(user), scorer=scorer
    )
    with caplog.at_level(logging.WARNING, logger="scopecast"), guard.start("Read it") as run:
        run.check("g.read")
        assert user.requests[-1].requested == {"g:read"}
        run.check("g.nuke")  # asked at its own point of execution
    assert [(r.tool, r.requested) for r in user.requests] == [
        ("g.read", {"g:read"}),
        ("g.nuke", {"g:admin"}),
    ]
    assert "left out of the batch (unknown risk): ['g:zzz']" in caplog.text


def test_batch_still_adds_a_likely_known_scope(store: RunStore) -> None:
    """The filters above keep the batching itself: a likely, askable scope is batched."""
    user = ScriptedConsent()
    guard = ScopeGuard(
        JIT_CATALOGUE,
        store=store,
        authorizer=CallbackAuthorizer(user),
        scorer=CallableScorer(lambda: [{"g:write": 0.99}]),
    )
    with guard.start("Read and write") as run:
        run.check("g.read")
    assert user.requests[0].requested == {"g:read", "g:write"}


def test_upfront_scope_implying_a_jit_only_scope_is_dropped(
    store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    user = ScriptedConsent()
    guard = ScopeGuard(JIT_CATALOGUE, store=store, authorizer=CallbackAuthorizer(user))
    with caplog.at_level(logging.WARNING, logger="scopecast"):
        run = guard.start("Clean up", upfront={"g:super", "g:read"})
    assert [(r.tool, r.requested) for r in user.requests] == [(START_TOOL, {"g:read"})]
    assert run.granted == {"g:read"}
    assert "['g:super']" in caplog.text
    run.check("g.nuke")  # the jit_only scope: asked at its call, not granted through g:super
    assert (user.requests[-1].tool, user.requests[-1].requested) == ("g.nuke", {"g:admin"})


def test_upfront_scope_implying_a_jit_only_scope_is_not_paused_for(store: RunStore) -> None:
    guard = ScopeGuard(JIT_CATALOGUE, store=store, mode="pausing")
    with guard.start("Clean up", upfront={"g:super"}) as run:  # nothing left to ask
        assert run.granted == frozenset()
        with pytest.raises(AuthorizationRequired) as paused:
            run.check("g.nuke")
    assert paused.value.requested == {"g:admin"}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failing_scorer_before_the_start_degrades_the_plan(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    answer, error_type = FAILURES[case]
    pre = PreAuthorizer(CallableScorer(answer), catalogue=JIT_CATALOGUE)
    with (
        caplog.at_level(logging.WARNING, logger="scopecast"),
        pytest.warns(ModelUnavailableWarning, match=f"failed to predict \\({error_type}") as warned,
    ):
        plan = pre.plan("Write it")
    assert plan.degraded
    assert plan.upfront_scopes == frozenset()
    assert plan.warning is not None
    assert "point of execution only" in plan.warning
    # the scorer's own error is named by its type only, as at an interruption: its text may
    # carry what it was given (a URL with a key, headers)
    assert SECRET not in plan.warning
    assert SECRET not in caplog.text
    assert all(SECRET not in str(w.message) for w in warned)


def test_plan_drops_scopes_the_catalogue_does_not_know(caplog: pytest.LogCaptureFixture) -> None:
    scorer = CallableScorer(lambda: [{"h:zzz": 0.99, "g:write": 0.99, "g:unseen": 0.0}])
    with caplog.at_level(logging.WARNING, logger="scopecast"):
        plan = PreAuthorizer(scorer, catalogue=JIT_CATALOGUE).plan("Write it")
    assert not plan.degraded
    assert plan.upfront_scopes == {"g:write"}
    assert "h:zzz" not in {s.scope for s in plan.deferred}
    assert "not asked up front" in caplog.text
    assert "['h:zzz']" in caplog.text  # a scope at probability 0 is not worth a warning
