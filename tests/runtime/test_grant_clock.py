"""A grant's expiry is measured by the run store's clock, not by the clocks of the processes.

A grant that ``grant_ttl`` (or a token's lifetime) ends is written by the process that got
the consent and checked by the process that runs the calls, maybe on other hosts: with each
process's own clock, one whose clock is behind by an hour (or a writer whose clock is ahead)
let calls run on a grant that had expired an hour before.
"""

from __future__ import annotations

import time

import pytest

from scopecast import AuthorizationRequired, Catalogue
from scopecast.runtime import CallbackAuthorizer, ScopeGuard
from tests.runtime.conftest import ScriptedConsent

TTL = 1.5


def _sleep_real(seconds: float, real_time: object) -> None:
    assert callable(real_time)
    end = real_time() + seconds
    while real_time() < end:
        time.sleep(0.02)


@pytest.mark.parametrize(("writer_skew", "holder_skew"), [(0.0, -3600.0), (3600.0, 0.0)])
def test_an_expired_grant_refuses_calls_whatever_the_process_clocks(
    catalogue: Catalogue,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    writer_skew: float,
    holder_skew: float,
) -> None:
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + writer_skew)
    writer = ScopeGuard(
        catalogue, store=store_url, authorizer=CallbackAuthorizer(ScriptedConsent()), grant_ttl=TTL
    )
    run = writer.start("Email Carlos", upfront=["google:gmail.send"])  # granted for TTL s
    writer.close()
    monkeypatch.setattr(time, "time", lambda: real_time() + holder_skew)
    holder = ScopeGuard(catalogue, store=store_url, mode="pausing", refresh_interval=0.05)
    attached = holder.attach(run.run_id)
    attached.check("email.send")  # within the grant's lifetime
    _sleep_real(TTL + 0.1, real_time)
    with pytest.raises(AuthorizationRequired):
        attached.check("email.send")
    holder.close()


def test_a_clock_stepped_back_does_not_stretch_the_cached_grants(
    catalogue: Catalogue, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The in-process cache of a run's grants was valid until a time of the process's wall
    # clock: stepped back an hour after the cache was filled (NTP correcting a fast clock, a
    # VM restored), the cache stayed valid an hour more, and calls ran on a grant that had
    # expired (or been revoked by another process, or whose run another process had taken
    # over) in the meantime. The cache's deadlines are on the monotonic clock.
    real_time = time.time
    user = ScriptedConsent()
    guard = ScopeGuard(
        catalogue,
        store=store_url,
        authorizer=CallbackAuthorizer(user),
        grant_ttl=TTL,
        refresh_interval=600,
        run_lease=600,
    )
    sent: list[str] = []

    @guard.tool("email.send")
    def send(to: str) -> None:
        sent.append(to)

    with guard.start("Email Carlos and Dana") as run:
        send("carlos")  # asks, granted for TTL s
        run.check("email.send")
        monkeypatch.setattr(time, "time", lambda: real_time() - 3600.0)
        _sleep_real(TTL + 0.1, real_time)  # the grant has expired
        run.check("email.send")  # asks again
        send("dana")  # the grant of the second consent: still valid
    assert len(user.requests) == 2
    assert sent == ["carlos", "dana"]
