"""Answers used where they do not belong: another run's, another provider's, a changed catalogue's,
a store failing mid-answer. Each must grant nothing it should not and leave the run answerable."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event

from scopecast import AuthorizationRequired, Catalogue, GuardStateError, RunStoreError, ToolSpec
from scopecast.runtime import Grant, ScopeGuard
from tests.runtime.paused_runs import paused_at

SEND, SLACK = "google:gmail.send", "slack:chat:write"


def test_an_answer_of_one_run_is_refused_for_another(catalogue: Catalogue, store_url: str) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    a, b = paused_at(guard, "email.send"), paused_at(guard, "email.send")
    assert a.request_id is not None
    with pytest.raises(GuardStateError, match="not a request of run"):
        guard.resume(b.run_id, Grant.of(a.request_id, [SEND]))
    assert guard.store.get_run(b.run_id).grants == ()
    assert guard.store.get_run(b.run_id).status == "paused"
    assert guard.store.get_run(a.run_id).status == "paused"  # a's answer is still awaited
    guard.close()


def test_one_providers_answer_grants_no_scope_of_another_provider(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    paused = paused_at(guard, "email.send")
    assert paused.request_id is not None
    # A Google callback whose grant (built by the application) also names a Slack scope,
    # which its request did not even ask: nothing but Google's requested scopes is granted.
    grant = Grant.of(paused.request_id, [SEND, SLACK], providers=["google"])
    assert guard.resume(paused.run_id, grant).granted == {SEND}
    guard.close()


def test_a_catalogue_that_changed_since_the_pause_is_the_one_checked(
    catalogue: Catalogue, store_url: str
) -> None:
    paused = paused_at(ScopeGuard(catalogue, store=store_url, mode="pausing"), "email.send")
    assert paused.request_id is not None
    # The process that resumes has a catalogue in which email.send needs gmail.readonly too.
    tools = tuple(
        ToolSpec(name=t.name, scopes=(*t.scopes, "google:gmail.readonly"))
        if t.name == "email.send"
        else t
        for t in catalogue.tools
    )
    newer = ScopeGuard(
        catalogue.model_copy(update={"tools": tools}), store=store_url, mode="pausing"
    )
    run = newer.resume(paused.run_id, Grant.of(paused.request_id, [SEND]))
    assert run.status == "running"
    with pytest.raises(AuthorizationRequired) as again, run:
        run.check("email.send")
    assert again.value.missing == {"google:gmail.readonly"}
    newer.close()


def test_a_store_failing_mid_answer_records_nothing_and_the_answer_can_be_retried(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    paused = paused_at(guard, "email.send")
    assert paused.request_id is not None
    grant = Grant.of(paused.request_id, [SEND])
    engine = guard.store.engine

    def fail_on_resume(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE SCOPECAST_RUNS"):
            raise sqlite3.OperationalError("disk I/O error")  # after the grants were inserted

    event.listen(engine, "before_cursor_execute", fail_on_resume)
    with pytest.raises(RunStoreError):
        guard.resume(paused.run_id, grant)
    event.remove(engine, "before_cursor_execute", fail_on_resume)
    stored = guard.store.get_run(paused.run_id)
    assert stored.grants == ()  # rolled back with the failed transaction
    assert stored.status == "paused"
    assert guard.resume(paused.run_id, grant).status == "running"
    guard.close()
