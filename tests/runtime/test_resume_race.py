"""Racing resumes of one consent: exactly one continues the run, the others run nothing.

An at-least-once job queue, a reloaded OAuth redirect page or two callback servers resume
the same paused run with the same (or a conflicting) answer. The store moves the run from
paused to running once (a compare-and-set); every other resume raises ResumeConflictError
and never executes a tool. Real SQLite files, real threads and real processes.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scopecast import (
    AuthorizationRequired,
    Catalogue,
    GuardStateError,
    ResumeConflictError,
    RunHeldError,
    ScopeDeniedError,
)
from scopecast.runtime import Grant, PendingRequest, Resolution, RunStore, ScopeGuard
from tests.runtime.resume_driver import paused_run, race_resumes


def test_store_resolve_request_resumes_once(store: RunStore) -> None:
    store.create_run("r1", task="Email Carlos and tell the team")
    request = PendingRequest(
        request_id="q1",
        run_id="r1",
        tool="email.send",
        missing=frozenset({"google:gmail.send", "slack:chat:write"}),
        requested=frozenset({"google:gmail.send", "slack:chat:write"}),
        created_at=time.time(),
    )
    store.open_request(request, [], 0)

    def answer(provider: str, scope: str) -> Resolution:
        return store.resolve_request("r1", "q1", granted=[scope], denied=[], providers=[provider])

    assert answer("google", "google:gmail.send") is Resolution.RECORDED
    assert store.get_run("r1").status == "paused"
    assert answer("google", "google:gmail.send") is Resolution.ALREADY_ANSWERED
    assert answer("slack", "slack:chat:write") is Resolution.RESUMED
    assert store.get_run("r1").status == "running"
    assert answer("slack", "slack:chat:write") is Resolution.ALREADY_ANSWERED
    grants = sorted(g.scope for g in store.get_run("r1").grants)
    assert grants == ["google:gmail.send", "slack:chat:write"]


def test_threads_racing_resumes_run_the_agent_once(catalogue: Catalogue, store_url: str) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    grant = Grant.of(request_id, ["google:gmail.send"])
    sent: list[int] = []
    n = 8
    barrier = threading.Barrier(n)

    def resumer(i: int) -> str:
        guard = ScopeGuard(catalogue, store=store_url, mode="pausing")  # one per "process"
        send = guard.wrap(lambda: sent.append(i), name="email.send")
        try:
            barrier.wait()
            try:
                run = guard.resume(run_id, grant)
            except ResumeConflictError as conflict:
                return f"conflict {conflict.run_id} {conflict.request_id}"
            if run.status != "running":
                return run.status
            with run:
                send()
            return "ran"
        finally:
            guard.close()

    with ThreadPoolExecutor(n) as pool:
        outcomes = list(pool.map(resumer, range(n)))
    assert sorted(outcomes) == [f"conflict {run_id} {request_id}"] * (n - 1) + ["ran"]
    assert len(sent) == 1
    with RunStore(store_url) as store:
        record = store.get_run(run_id)
    assert record.status == "finished"
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]
    assert [g.scope for g in record.grants].count("google:gmail.send") == 1


def test_processes_racing_resumes_send_the_email_once(
    catalogue: Catalogue, store_url: str, tmp_path: Path
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    outcomes = race_resumes(
        store_url, run_id, request_id, ["google:gmail.send"] * 4, tmp_path / "race"
    )
    assert sorted(outcomes) == ["conflict"] * 3 + ["ran"]
    sent = (tmp_path / "race" / "sent.log").read_text().splitlines()
    assert sent == [f"sent by {outcomes.index('ran')}"]
    with RunStore(store_url) as store:
        record = store.get_run(run_id)
    assert record.status == "finished"
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]


def test_processes_with_conflicting_grants_apply_exactly_one(
    catalogue: Catalogue, store_url: str, tmp_path: Path
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    grants = ["google:gmail.send", "", "google:gmail.send", ""]
    outcomes = race_resumes(store_url, run_id, request_id, grants, tmp_path / "race")
    winners = [i for i, o in enumerate(outcomes) if o != "conflict"]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    with RunStore(store_url) as store:
        record = store.get_run(run_id)
    sent = tmp_path / "race" / "sent.log"
    if grants[winner]:  # the winner's answer granted the scope: it sent, once
        assert outcomes[winner] == "ran"
        assert sent.read_text().splitlines() == [f"sent by {winner}"]
        assert [g.scope for g in record.grants].count("google:gmail.send") == 1
        assert record.denied == frozenset()
        assert [(c.tool, c.status) for c in record.calls] == [
            ("email.search", "ok"),
            ("email.send", "ok"),
        ]
    else:  # the winner's answer refused it: nobody sent, one refused call is recorded
        assert outcomes[winner] == "denied"
        assert not sent.exists()
        assert "google:gmail.send" not in {g.scope for g in record.grants}
        assert record.denied == {"google:gmail.send"}
        assert [(c.tool, c.status) for c in record.calls] == [
            ("email.search", "ok"),
            ("email.send", "denied"),
        ]


def test_later_conflicting_resume_says_so_and_changes_nothing(
    catalogue: Catalogue, store_url: str
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    sent: list[str] = []
    send = guard.wrap(lambda: sent.append("sent"), name="email.send")
    refused = guard.resume(run_id, Grant.of(request_id, []))
    assert refused.status == "running"
    with pytest.raises(ResumeConflictError, match="was not applied") as conflict:
        guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    assert conflict.value.status == "running"
    assert not conflict.value.applied
    with pytest.raises(ScopeDeniedError), refused:  # the winner goes on, with its answer
        send()
    record = guard.store.get_run(run_id)
    assert record.denied == {"google:gmail.send"}
    assert "google:gmail.send" not in {g.scope for g in record.grants}
    assert sent == []
    guard.finish(run_id)
    with pytest.raises(ResumeConflictError, match="the run is finished") as finished:
        guard.resume(run_id, Grant.of(request_id, []))
    assert finished.value.status == "finished"
    guard.close()


def test_providers_answering_at_once_resume_the_run_once(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start(
            "Email Carlos and tell the team", upfront=["google:gmail.send", "slack:chat:write"]
        )
    paused = info.value
    assert paused.request_id is not None
    answers = [
        Grant.of(paused.request_id, ["google:gmail.send"], providers=["google"]),
        Grant.of(paused.request_id, ["slack:chat:write"], providers=["slack"]),
    ]
    for _ in range(2):
        answers += answers[:2]  # each provider's callback arrives three times
    barrier = threading.Barrier(len(answers))

    def resumer(grant: Grant) -> str:
        other = ScopeGuard(catalogue, store=store_url, mode="pausing")
        try:
            barrier.wait()
            return other.resume(paused.run_id, grant).status
        except ResumeConflictError as conflict:
            return f"conflict({'applied' if conflict.applied else 'ignored'})"
        finally:
            other.close()

    with ThreadPoolExecutor(len(answers)) as pool:
        outcomes = list(pool.map(resumer, answers))
    assert outcomes.count("running") == 1, outcomes
    recorded = outcomes.count("paused") + outcomes.count("conflict(applied)")
    assert recorded == 1, outcomes  # the other provider's first answer: recorded, not a resume
    assert outcomes.count("conflict(ignored)") == 4, outcomes
    record = guard.store.get_run(paused.run_id)
    assert record.status == "running"
    assert sorted(g.scope for g in record.grants) == ["google:gmail.send", "slack:chat:write"]
    guard.close()


def test_a_run_whose_resumer_died_is_taken_over_by_attach_after_its_lease(
    catalogue: Catalogue, store_url: str
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    grant = Grant.of(request_id, ["google:gmail.send"])
    died = ScopeGuard(catalogue, store=store_url, mode="pausing", run_lease=0.3)
    assert died.resume(run_id, grant).status == "running"  # then its process dies
    died.store.close()  # (not died.close(), which would give the run up)
    retry = ScopeGuard(catalogue, store=store_url, mode="pausing")  # the job, redelivered
    with pytest.raises(
        ResumeConflictError, match=r"guard\.attach\(.*\) takes the run over"
    ) as info:
        retry.resume(run_id, grant)
    assert isinstance(info.value, GuardStateError)  # code catching GuardStateError still works
    assert info.value.status == "running"
    with pytest.raises(RunHeldError):  # the winner might still be using it
        retry.attach(run_id)
    time.sleep(0.35)
    with retry.attach(run_id) as run:  # its lease ended: the winner is gone (or refused now)
        run.check("email.send")
    record = retry.store.get_run(run_id)
    assert record.status == "finished"
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]
    retry.close()
