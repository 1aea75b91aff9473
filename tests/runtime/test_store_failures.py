"""A run-store failure says truly whether the tool calls ran (real SQLite, failing triggers).

Before a call, a failure means the call did not run (fail closed). After calls ran (saving
them, finishing the run), it must say that they ran, so that nobody runs them again, and the
calls must be saved once the store works again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from scopecast import Catalogue, RunStoreError, ScopeDeniedError
from scopecast.runtime import CallbackAuthorizer, Grant, RunStore, ScopeGuard, TraceRecorder
from tests.runtime.conftest import ScriptedConsent
from tests.runtime.resume_driver import paused_run


def _fail(store: RunStore, name: str, when: str) -> None:
    """Make the database refuse a statement, as a full disk or a lost lock would."""
    with store.engine.begin() as conn:
        conn.execute(
            text(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, 'disk I/O'); END")
        )


def _heal(store: RunStore, name: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER {name}"))


def _guard(
    catalogue: Catalogue, store: RunStore, recorder: TraceRecorder | None = None
) -> ScopeGuard:
    authorizer = CallbackAuthorizer(ScriptedConsent())
    return ScopeGuard(catalogue, store=store, authorizer=authorizer, recorder=recorder)


def test_failure_to_save_calls_says_they_ran(catalogue: Catalogue, store: RunStore) -> None:
    guard = _guard(catalogue, store)
    sent: list[str] = []
    send = guard.wrap(lambda: sent.append("sent"), name="email.send")
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    with run:
        send()
        _fail(store, "no_calls", "BEFORE INSERT ON scopecast_calls")
        with pytest.raises(RunStoreError, match="could not save the run's calls") as info:
            guard.save_calls(run)
        _heal(store, "no_calls")
    message = str(info.value)
    assert "1 call(s) of run" in message
    assert "already ran" in message
    assert "do not run them again" in message
    assert "was not run" not in message
    assert sent == ["sent"]
    record = store.get_run(run.run_id)  # the `with` finished it once the store worked again
    assert record.status == "finished"
    assert [c.tool for c in record.calls] == ["email.send"]


def test_failure_to_finish_says_the_calls_ran_and_are_saved(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard = _guard(catalogue, store)
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    run.check("email.send")
    _fail(
        store, "no_finish", "BEFORE UPDATE OF status ON scopecast_runs WHEN NEW.status = 'finished'"
    )
    with pytest.raises(RunStoreError, match="ran and are saved; the run is still running"):
        run.finish()
    record = store.get_run(run.run_id)
    assert record.status == "running"
    assert [c.tool for c in record.calls] == ["email.send"]
    _heal(store, "no_finish")
    trace = run.finish()
    assert trace is not None
    assert [c.tool for c in trace.calls] == ["email.send"]


def test_failure_to_note_the_trace_says_it_is_written(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    traces = tmp_path / "runs.jsonl"
    guard = _guard(catalogue, store, recorder=TraceRecorder(traces))
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    run.check("email.send")
    _fail(store, "no_note", "BEFORE UPDATE OF recorded_at ON scopecast_runs")
    with pytest.raises(RunStoreError, match="its trace is written"):
        run.finish()
    _heal(store, "no_note")
    assert guard.finish(run.run_id) is not None  # notes it; the trace is not written twice
    assert traces.read_text().count("\n") == 1
    assert store.get_run(run.run_id).recorded_at is not None


def test_failure_to_revoke_says_nothing_was_revoked(catalogue: Catalogue, store: RunStore) -> None:
    guard = _guard(catalogue, store)
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    _fail(store, "no_revoke", "BEFORE UPDATE ON scopecast_grants")
    with pytest.raises(RunStoreError, match="Nothing was revoked: the scopes are still granted"):
        guard.revoke(run.run_id, ["google:gmail.send"])
    assert store.get_run(run.run_id).active_scopes(time.time()) == {"google:gmail.send"}


def test_failure_after_winning_a_resume_says_to_attach(
    catalogue: Catalogue, store_url: str
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    resumed = threading.Event()

    def after_resume(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("UPDATE scopecast_runs SET status"):
            resumed.set()  # the compare-and-set ran; the read that follows fails
        elif resumed.is_set() and statement.startswith("SELECT") and "scopecast_runs" in statement:
            raise OperationalError(statement, {}, Exception("disk I/O error"))

    event.listen(guard.store.engine, "before_cursor_execute", after_resume)
    with pytest.raises(RunStoreError, match=r"resumed run .* guard\.attach"):
        guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    event.remove(guard.store.engine, "before_cursor_execute", after_resume)
    assert guard.store.get_run(run_id).status == "running"
    with guard.attach(run_id) as run:
        run.check("email.send")
    assert guard.store.get_run(run_id).status == "finished"
    guard.close()


def test_a_revocation_whose_read_back_fails_still_ends_the_grant_here(
    catalogue: Catalogue, store: RunStore
) -> None:
    """The grant is revoked in the store; the store then fails to read the run back. This
    process's cache (valid for refresh_interval) must not go on running calls with it."""
    user = ScriptedConsent(lambda request: ())  # the user would refuse if asked again
    guard = ScopeGuard(
        catalogue, store=store, authorizer=CallbackAuthorizer(user), refresh_interval=60.0
    )
    ran: list[str] = []
    send = guard.tool("email.send")(lambda: ran.append("sent"))
    with guard.start("Email Carlos", granted=["google:gmail.send"]):
        send()  # the cache now says: granted, for a minute
        revoked = threading.Event()

        def fail_reads_after_the_revocation(
            conn: object, cursor: object, statement: str, *args: object
        ) -> None:
            if statement.startswith("UPDATE scopecast_grants SET revoked_at"):
                revoked.set()
            elif revoked.is_set() and statement.startswith("SELECT"):
                raise OperationalError(statement, {}, Exception("disk I/O error"))

        event.listen(store.engine, "before_cursor_execute", fail_reads_after_the_revocation)
        try:
            with pytest.raises(RunStoreError, match=r"The scopes were revoked \(1 grant"):
                guard.revoke(guard.run_for().run_id, ["google:gmail.send"])
            with pytest.raises(RunStoreError, match="was not run"):
                send()  # the store cannot be read: refused, not run on the cache
        finally:
            event.remove(store.engine, "before_cursor_execute", fail_reads_after_the_revocation)
        with pytest.raises(ScopeDeniedError):
            send()  # the store works again: the grant is gone, the user refuses
    assert ran == ["sent"]
