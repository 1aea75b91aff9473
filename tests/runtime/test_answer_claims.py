"""Claims on a provider's answer: of callbacks racing to exchange one answer, exactly one may."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scopecast import Catalogue, ConfigError, GuardStateError, ResumeConflictError
from scopecast.runtime import Grant, RunStore, ScopeGuard
from scopecast.runtime._schema import answer_claims
from tests.runtime.claim_race import race_claims
from tests.runtime.resume_driver import paused_run


def test_of_callbacks_racing_for_one_answer_exactly_one_claims_it(
    catalogue: Catalogue, store_url: str
) -> None:
    assert race_claims(catalogue, store_url, 6) == ["claimed"] + ["in flight (paused)"] * 5


def test_a_claim_whose_holder_died_ends_with_its_lease(
    catalogue: Catalogue, store_url: str
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    with RunStore(store_url) as store:
        dead = store.claim_answer(run_id, request_id, "google", lease=120, now=1000.0)
        assert dead is not None
        assert store.claim_answer(run_id, request_id, "google", lease=120, now=1119.0) is None
        taken = store.claim_answer(run_id, request_id, "google", lease=120, now=1121.0)
        assert taken not in (None, dead)
        # The dead holder's late release leaves the new claim alone.
        store.release_answer_claim(request_id, "google", dead)
        assert store.claim_answer(run_id, request_id, "google", lease=120, now=1122.0) is None
        store.release_answer_claim(request_id, "google", taken)
        assert store.claim_answer(run_id, request_id, "google", lease=120, now=1123.0) is not None


def test_a_recorded_answer_cannot_be_claimed(catalogue: Catalogue, store_url: str) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    guard.ensure_pending(run_id, request_id, "google")  # a check only: it claims nothing
    claim = guard.claim_answer(run_id, request_id, "google")
    assert (claim.run_id, claim.request_id, claim.provider) == (run_id, request_id, "google")
    assert guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"])).status == "running"
    for check in (guard.ensure_pending, guard.claim_answer):
        with pytest.raises(ResumeConflictError) as info:
            check(run_id, request_id, "google")
        assert not info.value.in_flight
    assert guard.store.claim_answer(run_id, request_id, "google", lease=1e9) is None
    guard.close()


def test_claims_past_their_lease_are_deleted_when_another_is_taken(
    catalogue: Catalogue, store_url: str
) -> None:
    first = paused_run(catalogue, store_url)
    second = paused_run(catalogue, store_url)
    with RunStore(store_url) as store:
        assert store.claim_answer(*first, "google", lease=120, now=1000.0) is not None
        assert store.claim_answer(*second, "google", lease=120, now=1200.0) is not None
        with store.engine.connect() as conn:
            rows = conn.execute(answer_claims.select()).all()
        assert [(r.request_id, r.claimed_at) for r in rows] == [(second[1], 1200.0)]


@pytest.mark.parametrize("lease", [0.0, -1.0, float("nan")])
def test_a_claim_lease_must_be_positive(catalogue: Catalogue, lease: float) -> None:
    with pytest.raises(ConfigError, match="answer_claim_lease > 0"):
        ScopeGuard(catalogue, store="sqlite://", mode="pausing", answer_claim_lease=lease)


def test_a_finished_run_cannot_be_claimed(catalogue: Catalogue, store_url: str) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    with RunStore(store_url) as store:
        store.finish(run_id)
        with pytest.raises(GuardStateError, match="finished"):
            store.claim_answer(run_id, request_id, "google", lease=120)


def test_a_run_finished_while_claim_answer_checks_it_is_not_claimed(
    catalogue: Catalogue, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, request_id = paused_run(catalogue, store_url)
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    claim_answer = guard.store.claim_answer

    def finished_meanwhile(*args: Any, **kw: Any) -> str | None:
        # Another process finishes the run after the check read it as paused.
        guard.store.finish(run_id)
        return claim_answer(*args, **kw)

    monkeypatch.setattr(guard.store, "claim_answer", finished_meanwhile)
    with pytest.raises(GuardStateError, match="finished") as info:
        guard.claim_answer(run_id, request_id, "google")  # no claim: no code is exchanged
    assert not isinstance(info.value, ResumeConflictError)
    with guard.store.engine.connect() as conn:
        assert conn.execute(answer_claims.select()).all() == []
    guard.close()


@pytest.mark.parametrize("skew", [3600.0, -3600.0])
def test_a_claim_lease_is_measured_by_the_store_clock_not_the_callbacks(
    catalogue: Catalogue, store_url: str, monkeypatch: pytest.MonkeyPatch, skew: float
) -> None:
    claims_follow_the_store_clock(catalogue, store_url, monkeypatch, skew)


def claims_follow_the_store_clock(
    catalogue: Catalogue, store_url: str, monkeypatch: pytest.MonkeyPatch, skew: float
) -> None:
    """Two callback servers whose clocks disagree by ``skew`` seconds claim one answer.

    One ahead by more than the lease would see the other's fresh claim as expired and
    exchange the code a second time; one behind would see a dead callback's claim as fresh
    for that much longer (the user locked out). The store's clock decides.
    """
    run_id, request_id = paused_run(catalogue, store_url)
    first = ScopeGuard(catalogue, store=store_url, mode="pausing", answer_claim_lease=1.0)
    second = ScopeGuard(catalogue, store=store_url, mode="pausing", answer_claim_lease=1.0)
    second.ensure_pending(run_id, request_id, "google")  # (its connection is open: no delay)
    claim = first.claim_answer(run_id, request_id, "google")  # then its process dies
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + skew)
    with pytest.raises(ResumeConflictError) as info:
        second.claim_answer(run_id, request_id, "google")
    assert info.value.in_flight
    real_sleep = real_time() + 1.1
    while real_time() < real_sleep:  # the dead callback's lease ends (by the store's clock)
        time.sleep(0.05)
    taken = second.claim_answer(run_id, request_id, "google")
    assert taken.claim_id != claim.claim_id
    first.close()
    second.close()
