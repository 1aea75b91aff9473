"""A guard keeps in memory only the runs in progress in its process (real SQLite, real gc).

Runs that pause, end by a refused call or an error, or are finished by another process are
released; one still referenced by a handle is reused, never duplicated; calls not yet
saved keep their run in memory until they are saved.
"""

from __future__ import annotations

import gc

import pytest

from scopecast import AuthorizationRequired, Catalogue, ScopeDeniedError
from scopecast.runtime import CallbackAuthorizer, Grant, ScopeGuard
from tests.runtime.conftest import ScriptedConsent


def _live_runs() -> int:
    """How many in-process run states exist (objects of the guard's LiveRun class)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "LiveRun")


def test_runs_paused_here_and_finished_elsewhere_are_freed(
    catalogue: Catalogue, store_url: str
) -> None:
    before = _live_runs()
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing", coalesce_window=0.0)
    other = ScopeGuard(catalogue, store=store_url, mode="pausing")  # the callback server
    for i in range(30):
        run = guard.start(f"task {i}")
        with pytest.raises(AuthorizationRequired) as info, run:
            run.check("email.send")
        paused = info.value
        resumed = other.resume(paused.run_id, Grant.of(paused.request_id or "", paused.requested))
        with resumed:
            resumed.check("email.send")
    del run, resumed, info, paused
    assert _live_runs() == before
    assert len(guard.store.run_ids("finished")) == 30
    guard.close()
    other.close()


def test_runs_ended_by_a_refused_call_are_freed_and_saved(
    catalogue: Catalogue, store_url: str
) -> None:
    before = _live_runs()
    refuse = CallbackAuthorizer(ScriptedConsent(lambda request: ()))
    guard = ScopeGuard(catalogue, store=store_url, authorizer=refuse, coalesce_window=0.0)
    for i in range(30):
        run = guard.start(f"task {i}", run_id=f"r{i}")
        with pytest.raises(ScopeDeniedError), run:
            run.check("email.send")
    del run
    assert _live_runs() == before
    record = guard.store.get_run("r29")
    assert record.status == "running"  # interrupted, not finished: it can be attached again
    assert [(c.tool, c.status) for c in record.calls] == [("email.send", "denied")]
    guard.close()


def test_a_referenced_run_is_reused_not_duplicated(catalogue: Catalogue, store_url: str) -> None:
    guard = ScopeGuard(
        catalogue, store=store_url, mode="pausing", coalesce_window=0.0, refresh_interval=60
    )
    run = guard.start("Email Carlos", granted=["google:gmail.readonly"])

    def agent() -> None:
        with run:
            run.check("email.search")
            run.check("email.send")

    with pytest.raises(AuthorizationRequired) as info:
        agent()
    paused = info.value
    resumed = guard.resume(run.run_id, Grant.of(paused.request_id or "", paused.requested))
    with resumed:
        resumed.check("email.send")
    assert run.status == "finished"  # the old handle shares the resumed run's state
    record = guard.store.get_run(run.run_id)
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]
    guard.close()


def test_unsaved_calls_keep_their_run_until_saved(catalogue: Catalogue, store_url: str) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    run_id = guard.start("Search mail", granted=["google:gmail.readonly"]).run_id
    guard.check("email.search", run=run_id)  # no handle: the guard must keep the call
    guard.check("email.search", run=run_id)
    gc.collect()  # nothing refers to the run but the guard: it must still hold the calls
    trace = guard.finish(run_id)
    assert trace is not None
    assert [c.tool for c in trace.calls] == ["email.search", "email.search"]
    guard.close()
