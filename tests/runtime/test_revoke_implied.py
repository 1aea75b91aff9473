"""Revoking a scope stops the calls that need it, even when another granted scope implies it.

``guard.revoke(run_id, ["google:gmail.readonly"])`` revoked the grants of that scope only: a
run that held ``google:gmail.modify`` (which implies it) went on reading mail, and
``revoke`` returned 0 without a word. The grants that would keep covering a revoked scope
are revoked with it.
"""

from __future__ import annotations

import time

import pytest

from scopecast import Catalogue, ScopeDeniedError
from scopecast.runtime import CallbackAuthorizer, ScopeGuard
from tests.runtime.conftest import ScriptedConsent

READ, MODIFY, SEND = "google:gmail.readonly", "google:gmail.modify", "google:gmail.send"


def test_revoking_a_scope_revokes_the_grants_that_imply_it(
    catalogue: Catalogue, store_url: str
) -> None:
    user = ScriptedConsent(lambda request: ())  # refuses whatever is asked again
    guard = ScopeGuard(catalogue, store=store_url, authorizer=CallbackAuthorizer(user))
    run = guard.start("Tidy the inbox", granted=[MODIFY, SEND])
    run.check("email.search")  # covered by gmail.modify
    assert guard.revoke(run.run_id, [READ]) == 1  # the gmail.modify grant
    with pytest.raises(ScopeDeniedError):
        run.check("email.search")
    assert run.granted == {SEND}  # a scope that does not imply it stays
    run.check("email.send")
    guard.close()


def test_another_process_sees_the_implying_grant_revoked(
    catalogue: Catalogue, store_url: str
) -> None:
    holder = ScopeGuard(
        catalogue,
        store=store_url,
        authorizer=CallbackAuthorizer(ScriptedConsent(lambda request: ())),
        refresh_interval=0.01,
    )
    run = holder.start("Tidy the inbox", granted=[MODIFY])
    run.check("email.search")
    operator = ScopeGuard(catalogue, store=store_url, mode="pausing")
    assert operator.revoke(run.run_id, [READ]) == 1
    operator.close()
    time.sleep(0.05)
    with pytest.raises(ScopeDeniedError):
        run.check("email.archive")
    holder.close()
