"""A run is held by one process at a time; another takes it over only once the holder's lease ends.

The processes here are real (a child that won a resume is killed with SIGKILL, or dies with
``os._exit``) and share a SQLite file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scopecast import AuthorizationRequired, Catalogue, GuardStateError, ResumeConflictError
from scopecast.exceptions import RunHeldError
from scopecast.runtime import Grant, ScopeGuard
from tests.runtime.resume_driver import paused_run

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.0


def _winner(
    store_url: str, run_id: str, request_id: str, work: Path, mode: str
) -> subprocess.Popen[str]:
    """A child process that wins the resume and sends one e-mail (see lease_driver)."""
    work.mkdir(exist_ok=True)
    args = [
        sys.executable, "-m", "tests.runtime.lease_driver",
        store_url, run_id, request_id, str(work), mode, str(LEASE),
    ]  # fmt: skip
    child = subprocess.Popen(
        args, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (work / "ready").exists():
        assert child.poll() is None or (work / "ready").exists(), child.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return child


def _guard(catalogue: Catalogue, store_url: str) -> ScopeGuard:
    return ScopeGuard(
        catalogue, store=store_url, mode="pausing", run_lease=LEASE, refresh_interval=0.05
    )


def test_a_run_whose_resumer_was_killed_is_taken_over_after_its_lease(
    catalogue: Catalogue, store_url: str, tmp_path: Path
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    child = _winner(store_url, run_id, request_id, tmp_path / "w", "hold")
    guard = _guard(catalogue, store_url)
    with pytest.raises(ResumeConflictError) as conflict:  # the job, redelivered
        guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    assert conflict.value.status == "running"
    with pytest.raises(RunHeldError) as held:  # the winner is alive and using the run
        guard.attach(run_id)
    assert isinstance(held.value, GuardStateError)
    assert 0 < held.value.remaining <= LEASE
    child.send_signal(signal.SIGKILL)
    child.communicate()
    time.sleep(LEASE + 0.1)
    with guard.attach(run_id) as run:  # taken over: the dead winner's lease ended
        run.check("email.send")
    record = guard.store.get_run(run_id)
    assert record.status == "finished"
    # The child's unsaved calls died with it; its e-mail was saved before it was killed.
    assert [c.tool for c in record.calls] == ["email.search", "email.send", "email.send"]
    assert (tmp_path / "w" / "sent.log").read_text().count("sent by") == 1
    guard.close()


def test_a_run_whose_resumer_exited_is_taken_over_after_its_lease(
    catalogue: Catalogue, store_url: str, tmp_path: Path
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    child = _winner(store_url, run_id, request_id, tmp_path / "w", "exit")
    child.communicate()
    guard = _guard(catalogue, store_url)
    started = time.monotonic()
    while True:
        try:
            run = guard.attach(run_id)
            break
        except RunHeldError as held:
            time.sleep(held.remaining)
    assert time.monotonic() - started <= LEASE + 3  # about a lease (60 s by default)
    with run:
        run.check("email.send")
    assert [c.tool for c in guard.store.get_run(run_id).calls] == [
        "email.search", "email.send", "email.send",
    ]  # fmt: skip
    guard.close()


def test_a_holder_whose_run_was_taken_over_is_refused(
    catalogue: Catalogue, store_url: str, tmp_path: Path
) -> None:
    # A process stalls longer than its lease (a long GC pause, a suspended VM); another takes
    # the run over; when the first wakes up, its calls are refused: never two at once.
    run_id, request_id = paused_run(catalogue, store_url)
    stalled = _guard(catalogue, store_url)
    run = stalled.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    run.check("email.send")
    stalled.save_calls(run)
    time.sleep(LEASE + 0.1)
    other = _guard(catalogue, store_url)
    taken = other.attach(run_id)
    taken.check("email.send")
    with pytest.raises(RunHeldError):
        run.check("email.send")
    other.finish(taken)
    assert [c.tool for c in other.store.get_run(run_id).calls] == [
        "email.search", "email.send", "email.send",
    ]  # fmt: skip
    stalled.close()
    other.close()


def test_a_paused_handle_is_refused_once_another_process_resumed_the_run(
    catalogue: Catalogue, store_url: str
) -> None:
    pauser = _guard(catalogue, store_url)
    run = pauser.start("Email Carlos", granted=["google:gmail.readonly"])
    with pytest.raises(AuthorizationRequired) as paused:
        run.check("email.send")
    resumer = _guard(catalogue, store_url)
    grant = Grant.of(paused.value.request_id or "", ["google:gmail.send"])
    resumed = resumer.resume(run.run_id, grant)
    resumed.check("email.search")
    with pytest.raises(RunHeldError):  # the pauser goes on with a call its grants cover
        run.check("email.search")
    resumer.finish(resumed)
    assert [c.tool for c in resumer.store.get_run(run.run_id).calls] == ["email.search"]
    pauser.close()
    resumer.close()


def test_a_holder_that_lost_the_run_cannot_save_pause_or_finish_it(
    catalogue: Catalogue, store_url: str
) -> None:
    stalled = _guard(catalogue, store_url)
    run = stalled.start("Email Carlos", granted=["google:gmail.readonly"])
    run.check("email.search")  # ran; not saved yet
    time.sleep(LEASE + 0.1)
    other = _guard(catalogue, store_url)
    taken = other.attach(run.run_id)
    with pytest.raises(RunHeldError):  # its call would take the number of the new holder's
        stalled.save_calls(run)
    with pytest.raises(RunHeldError):
        stalled.finish(run)
    with pytest.raises(RunHeldError):  # nor pause it on a consent
        run.check("email.send")
    taken.check("email.search")
    other.finish(taken)
    record = other.store.get_run(run.run_id)
    assert (record.status, [c.tool for c in record.calls]) == ("finished", ["email.search"])
    stalled.close()
    other.close()


def test_a_guard_closed_cleanly_gives_up_its_runs(catalogue: Catalogue, store_url: str) -> None:
    first = _guard(catalogue, store_url)
    kept = first.start("Email Carlos", granted=["google:gmail.readonly"])
    kept.check("email.search")  # unsaved: this run stays held (its call is only in memory)
    given_up = first.start("Email Dana", granted=["google:gmail.readonly"])
    first.close()
    other = _guard(catalogue, store_url)
    with other.attach(given_up.run_id) as run:  # at once, not after the lease
        run.check("email.search")
    with pytest.raises(RunHeldError):
        other.attach(kept.run_id)
    other.close()


def test_a_holder_that_keeps_using_the_run_keeps_it_past_its_lease(
    catalogue: Catalogue, store_url: str
) -> None:
    holder = ScopeGuard(
        catalogue, store=store_url, mode="pausing", run_lease=0.6, refresh_interval=0.02
    )
    run = holder.start("Email Carlos", granted=["google:gmail.readonly"])
    other = _guard(catalogue, store_url)
    end = time.monotonic() + 1.5  # more than two leases
    while time.monotonic() < end:
        run.check("email.search")
        time.sleep(0.02)
    with pytest.raises(RunHeldError):
        other.attach(run.run_id)
    holder.finish(run)
    holder.close()
    other.close()
