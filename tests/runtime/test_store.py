"""The run store on a real SQLite file: transitions, idempotent resolve, expiry, revocation, errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from scopecast import GuardStateError, RunStoreError
from scopecast.runtime import CallRecord, PendingRequest, Resolution, RunStore


def _request(run_id: str, request_id: str = "q1") -> PendingRequest:
    return PendingRequest(
        request_id=request_id,
        run_id=run_id,
        tool="email.send",
        missing=frozenset({"google:gmail.send"}),
        requested=frozenset({"google:gmail.send", "google:calendar.events"}),
        created_at=time.time(),
    )


def test_store_uses_wal_on_sqlite_files(store: RunStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_store_create_and_read_run(store: RunStore) -> None:
    record = store.create_run(
        "r1", task="Email Carlos", context={"domain": "work"}, granted=["google:gmail.readonly"]
    )
    assert record.status == "running"
    assert record.context == {"domain": "work"}
    assert record.active_scopes(time.time()) == {"google:gmail.readonly"}
    with pytest.raises(GuardStateError, match="exists already"):
        store.create_run("r1", task="again")


def test_store_pause_then_resolve_is_idempotent(store: RunStore) -> None:
    store.create_run("r1", task="Email Carlos")
    calls = [CallRecord("email.search", ("google:gmail.readonly",), "ok", time.time())]
    pending = store.open_request(_request("r1"), calls, first_seq=0)
    paused = store.get_run("r1")
    assert paused.status == "paused"
    assert paused.pending == pending
    assert [c.tool for c in paused.calls] == ["email.search"]

    resolution = store.resolve_request(
        "r1", "q1", granted=["google:gmail.send"], denied=[], declined=["google:calendar.events"]
    )
    assert resolution is Resolution.RESUMED
    again = store.resolve_request("r1", "q1", granted=["google:gmail.send"], denied=[])
    assert again is Resolution.ALREADY_ANSWERED
    assert not again  # falsy, like the bool it replaces
    resumed = store.get_run("r1")
    assert resumed.status == "running"
    assert resumed.pending is None
    assert [g.scope for g in resumed.grants] == ["google:gmail.send"]
    assert resumed.declined == {"google:calendar.events"}
    assert resumed.denied == frozenset()


def test_store_second_pause_returns_the_pending_request(store: RunStore) -> None:
    store.create_run("r1", task="t")
    first = store.open_request(_request("r1", "q1"), [], 0)
    second = store.open_request(_request("r1", "q2"), [], 0)
    assert second.request_id == first.request_id == "q1"
    assert store.request("q2") is None


def test_store_resolve_rejects_foreign_request(store: RunStore) -> None:
    store.create_run("r1", task="t")
    store.create_run("r2", task="t")
    store.open_request(_request("r1", "q1"), [], 0)
    with pytest.raises(GuardStateError, match="does not belong to run 'r2'"):
        store.resolve_request("r2", "q1", granted=[], denied=[])
    with pytest.raises(GuardStateError, match="not in the run store"):
        store.get_run("nope")


def test_store_grants_expire_and_can_be_revoked(store: RunStore) -> None:
    now = time.time()
    store.create_run("r1", task="t", granted=["a:x", "a:y"], expires_at=now + 10, now=now)
    record = store.get_run("r1")
    assert record.active_scopes(now + 5) == {"a:x", "a:y"}
    assert record.active_scopes(now + 11) == frozenset()
    assert store.revoke("r1", ["a:x"]) == 1
    assert store.revoke("r1", ["a:x"]) == 0
    assert store.get_run("r1").active_scopes(now + 5) == {"a:y"}


def test_store_finish_once(store: RunStore) -> None:
    store.create_run("r1", task="t")
    assert store.finish("r1", [CallRecord("clock.now", (), "ok", time.time())], 0)
    assert not store.finish("r1")
    assert store.get_run("r1").status == "finished"
    assert store.run_ids("finished") == ["r1"]


def test_store_errors_become_run_store_error(store: RunStore) -> None:
    store.create_run("r1", task="t")
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE scopecast_grants"))
    with pytest.raises(RunStoreError, match="could not read the run"):
        store.get_run("r1")


def test_store_rejects_bad_url() -> None:
    with pytest.raises(RunStoreError, match="not a SQLAlchemy database URL"):
        RunStore("not a url")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg//scopecast:hunter2@db/runs",  # the ':' of '://' left out
        "scopecast:hunter2@db/runs",  # no scheme
        "postgresql+psycopg://scopecast:hunter2@db:5432x/runs",  # a port that is no number
    ],
)
def test_store_rejects_a_mistyped_url_without_showing_its_password(url: str) -> None:
    with pytest.raises(RunStoreError, match="not a SQLAlchemy database URL") as info:
        RunStore(url)
    assert "hunter2" not in str(info.value)
    assert "scopecast:***@db" in str(info.value)  # still says which URL


def test_store_reports_unreachable_database(tmp_path: Path) -> None:
    with pytest.raises(RunStoreError, match="Cannot create the run store"):
        RunStore(f"sqlite:///{tmp_path / 'missing-dir' / 'runs.db'}")


def test_store_repr_hides_password() -> None:
    store = RunStore.__new__(RunStore)
    store.url = "postgresql+psycopg://user:secret@localhost/db"
    assert "secret" not in repr(store)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://scopecast@127.0.0.1:1/runs?password=hunter2",  # libpq accepts it
        "postgresql+psycopg://scopecast@127.0.0.1:1/runs?sslmode=require&sslpassword=hunter2",
    ],
)
def test_a_password_in_the_urls_query_is_never_shown(url: str) -> None:
    # The password may be given as a query parameter instead of in the authority; the URL
    # was then shown whole in the store's errors and in repr(RunStore) / repr(ScopeGuard).
    with pytest.raises(RunStoreError) as info:
        RunStore(url)
    assert "hunter2" not in str(info.value)
    assert "127.0.0.1:1/runs" in str(info.value)  # still says which database
    store = RunStore(url, create_tables=False)
    assert "hunter2" not in repr(store)
    assert "password=***" in repr(store)
    store.close()


def test_a_mistyped_url_hides_a_password_in_its_query() -> None:
    with pytest.raises(RunStoreError, match="not a SQLAlchemy database URL") as info:
        RunStore("postgresql+psycopg//scopecast@db/runs?password=hunter2")
    assert "hunter2" not in str(info.value)
