"""Pausing with two providers: each provider's answer counts; the request resolves when all answered."""

from __future__ import annotations

import pytest

from scopecast import (
    AuthorizationRequired,
    Catalogue,
    GuardStateError,
    ResumeConflictError,
    ScopeDeniedError,
)
from scopecast.runtime import Grant, RunStore, ScopeGuard


def _paused(catalogue: Catalogue, store: RunStore) -> tuple[ScopeGuard, AuthorizationRequired]:
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start(
            "Email Carlos and tell the team",
            upfront=["google:gmail.send", "slack:chat:write"],
            run_id="r1",
        )
    return guard, info.value


def test_one_providers_answer_keeps_the_others_scopes_pending(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard, paused = _paused(catalogue, store)
    assert paused.request_id is not None
    google = Grant.of(paused.request_id, ["google:gmail.send"], providers=["google"])
    slack = Grant.of(paused.request_id, ["slack:chat:write"], providers=["slack"])
    run = guard.resume("r1", google)
    assert run.status == "paused"
    assert run.granted == {"google:gmail.send"}
    record = store.get_run("r1")
    assert record.declined == frozenset()
    assert record.denied == frozenset()
    with pytest.raises(ResumeConflictError) as again:  # google's answer is applied once
        guard.resume("r1", google)
    assert again.value.status == "paused"
    assert not again.value.applied
    run = guard.resume("r1", slack)
    assert run.status == "running"
    assert run.granted == {"google:gmail.send", "slack:chat:write"}
    with pytest.raises(ResumeConflictError, match="do not run the agent here"):
        guard.resume("r1", slack)
    grants = [g.scope for g in store.get_run("r1").grants]
    assert sorted(grants) == ["google:gmail.send", "slack:chat:write"]
    with run:
        run.check("email.send")
        run.check("slack.post")


def test_provider_answers_refuse_only_their_own_scopes(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    run = guard.start("Forward and post", run_id="r1")
    with pytest.raises(AuthorizationRequired) as info, run:
        run.check("email.send")
    request_id = info.value.request_id
    assert request_id is not None
    refused = Grant.of(request_id, [], providers=["google"])
    assert guard.resume("r1", refused).status == "running"
    assert "google:gmail.send" in store.get_run("r1").denied
    with pytest.raises(ScopeDeniedError):
        guard.attach("r1").check("email.send")


def test_grant_of_a_provider_outside_the_request_is_refused(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard, paused = _paused(catalogue, store)
    assert paused.request_id is not None
    with pytest.raises(GuardStateError, match="answers providers"):
        guard.resume("r1", Grant.of(paused.request_id, [], providers=["bank"]))


def test_whole_request_grant_after_a_partial_one_resolves_the_rest(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard, paused = _paused(catalogue, store)
    assert paused.request_id is not None
    guard.resume("r1", Grant.of(paused.request_id, ["google:gmail.send"], providers=["google"]))
    run = guard.resume("r1", Grant.of(paused.request_id, []))
    assert run.status == "running"
    record = store.get_run("r1")
    assert run.granted == {"google:gmail.send"}
    assert record.declined == {"slack:chat:write"}
    assert "google:gmail.send" not in record.declined
