"""The run store and the guard on PostgreSQL (``SCOPECAST_TEST_POSTGRES_URL``; see .ci/postgres)."""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scopecast import AuthorizationRequired, Catalogue, ResumeConflictError
from scopecast.runtime import CallbackAuthorizer, Grant, RunStore, ScopeGuard
from tests.runtime.claim_race import race_claims
from tests.runtime.conftest import ScriptedConsent
from tests.runtime.resume_driver import paused_run, race_resumes
from tests.runtime.test_answer_claims import claims_follow_the_store_clock

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = os.environ.get("SCOPECAST_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SCOPECAST_TEST_POSTGRES_URL is not set (run .ci/postgres to start a server)")
    return url


def test_postgres_many_runs_at_once(catalogue: Catalogue, pg_url: str) -> None:
    user = ScriptedConsent()
    guards = [
        ScopeGuard(catalogue, store=RunStore(pg_url), authorizer=CallbackAuthorizer(user))
        for _ in range(4)
    ]
    prefix = uuid.uuid4().hex[:8]

    def agent(i: int) -> str:
        guard = guards[i % len(guards)]
        with guard.start(f"task {i}", run_id=f"{prefix}-{i}") as run:
            for tool in ("email.search", "email.send", "slack.post", "email.send"):
                run.check(tool)
        return run.run_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(agent, range(40)))
    for guard in guards:
        guard.close()
    with RunStore(pg_url) as store:
        _check_finished(store, ids)


def _check_finished(store: RunStore, ids: list[str]) -> None:
    finished = set(store.run_ids("finished"))
    for run_id in ids:
        assert run_id in finished
        record = store.get_run(run_id)
        assert [c.tool for c in record.calls] == [
            "email.search",
            "email.send",
            "slack.post",
            "email.send",
        ]
        assert len(record.grants) == len({g.scope for g in record.grants}) == 3


def test_postgres_racing_resumes_apply_once(catalogue: Catalogue, pg_url: str) -> None:
    guard = ScopeGuard(catalogue, store=RunStore(pg_url), mode="pausing", coalesce_window=0.0)
    run = guard.start("Email Carlos")
    with pytest.raises(AuthorizationRequired) as info:
        run.check("email.send")
    grant = Grant.of(info.value.request_id or "", info.value.requested)
    resumers = [ScopeGuard(catalogue, store=RunStore(pg_url), mode="pausing") for _ in range(6)]
    barrier = threading.Barrier(len(resumers))

    def resume(guard: ScopeGuard) -> str:
        barrier.wait()
        try:
            return guard.resume(run.run_id, grant).status
        except ResumeConflictError as conflict:
            return f"conflict ({conflict.status})"

    with ThreadPoolExecutor(len(resumers)) as pool:
        outcomes = sorted(pool.map(resume, resumers))
    # One compare-and-set winner continues the run; every other resume runs nothing.
    assert outcomes == ["conflict (running)"] * (len(resumers) - 1) + ["running"]
    record = guard.store.get_run(run.run_id)
    for other in [guard, *resumers]:
        other.close()
    assert [g.scope for g in record.grants] == ["google:gmail.send"]
    assert record.pending is None


def test_postgres_processes_racing_resumes_send_once(
    catalogue: Catalogue, pg_url: str, tmp_path: Path
) -> None:
    run_id, request_id = paused_run(catalogue, pg_url)
    outcomes = race_resumes(
        pg_url, run_id, request_id, ["google:gmail.send"] * 4, tmp_path / "race"
    )
    assert sorted(outcomes) == ["conflict"] * 3 + ["ran"]
    assert len((tmp_path / "race" / "sent.log").read_text().splitlines()) == 1
    with RunStore(pg_url) as store:
        record = store.get_run(run_id)
    assert record.status == "finished"
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]


def test_postgres_callbacks_racing_for_one_answer_claim_it_once(
    catalogue: Catalogue, pg_url: str
) -> None:
    assert race_claims(catalogue, pg_url, 6) == ["claimed"] + ["in flight (paused)"] * 5


@pytest.mark.parametrize("skew", [3600.0, -3600.0])
def test_postgres_claim_leases_follow_the_server_clock(
    catalogue: Catalogue, pg_url: str, monkeypatch: pytest.MonkeyPatch, skew: float
) -> None:
    claims_follow_the_store_clock(catalogue, pg_url, monkeypatch, skew)
