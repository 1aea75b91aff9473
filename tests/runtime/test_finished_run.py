"""A finished run authorizes nothing more: calls on it are refused and nothing is saved (fail closed)."""

from __future__ import annotations

import pytest

from scopecast import Catalogue, GuardStateError
from scopecast.runtime import CallbackAuthorizer, RunStore, ScopeGuard
from scopecast.runtime._records import CallRecord
from tests.runtime.conftest import ScriptedConsent


def test_finished_run_refuses_checks_and_wrapped_tools(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard = ScopeGuard(catalogue, store=store, authorizer=CallbackAuthorizer(ScriptedConsent()))
    ran: list[str] = []
    send = guard.wrap(lambda: ran.append("sent"), name="email.send")
    now = guard.wrap(lambda: ran.append("now"), name="clock.now")
    with guard.start("Email Carlos", granted=["google:gmail.send"]) as run:
        send()
    assert store.get_run(run.run_id).status == "finished"
    assert run.status == "finished"
    with pytest.raises(GuardStateError, match="finished"):
        run.check("email.send")
    with pytest.raises(GuardStateError, match="finished"):
        guard.check("clock.now", run=run.run_id)
    with pytest.raises(GuardStateError, match="finished"), run:
        send()
    with pytest.raises(GuardStateError, match="finished"), run:
        now()
    assert ran == ["sent"]
    assert [c.tool for c in store.get_run(run.run_id).calls] == ["email.send"]


def test_finished_run_refuses_calls_in_another_process(
    catalogue: Catalogue, store_url: str
) -> None:
    first = ScopeGuard(catalogue, store=RunStore(store_url), mode="pausing")
    other = ScopeGuard(catalogue, store=RunStore(store_url), mode="pausing")
    run = first.start("Email Carlos", granted=["google:gmail.send"])
    first.release(run)  # put aside: another process may take the run
    attached = other.attach(run.run_id)
    attached.check("email.send")
    other.save_calls(attached)
    other.release(attached)  # else first cannot finish it: other holds it (RunHeldError)
    first.finish(run)
    other.attach(run.run_id)  # re-reads the run from the store now (as a refresh would)
    with pytest.raises(GuardStateError, match="finished"):
        attached.check("email.send")


def test_store_refuses_calls_on_a_finished_run(store: RunStore) -> None:
    store.create_run("r1", task="t")
    assert store.finish("r1")
    call = CallRecord("email.send", ("google:gmail.send",), "ok", 1.0)
    with pytest.raises(GuardStateError, match="finished"):
        store.append_calls("r1", [call], 0)
    assert store.get_run("r1").calls == ()
