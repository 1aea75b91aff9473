"""A grant's expiry that is not a time never makes a grant that outlives its token.

``Grant.expires_at`` is what the authorizer (or the application's resume) says the token's
lifetime is. A NaN there (``time.time() + float(response.get("expires_in", "nan"))`` in a
callback of one's own) went into the store, where SQLite keeps NaN as NULL: the grant was
then held until revoked, a token that expired kept authorizing calls (fail open). A string
failed deep in the store's transaction with a bare ``TypeError``.
"""

from __future__ import annotations

import math

import pytest

from scopecast import AuthorizerError, Catalogue, ConfigError
from scopecast.runtime import CallbackAuthorizer, Grant, ScopeGuard
from tests.runtime.paused_runs import paused_at

SEND = "google:gmail.send"


@pytest.mark.parametrize("expires_at", [math.nan, "3600", True], ids=["nan", "text", "bool"])
def test_a_grant_whose_expiry_is_not_a_time_is_refused(expires_at: object) -> None:
    with pytest.raises(ConfigError, match="expires_at"):
        Grant.of("q", [SEND], expires_at=expires_at)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expires_at"):
        Grant("q", frozenset({SEND}), expires_at)  # type: ignore[arg-type]


def test_a_nan_expiry_never_grants_a_scope_until_revoked(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    paused = paused_at(guard, "email.send", "Email Carlos")
    run_id, request_id = paused.run_id, paused.request_id
    assert request_id is not None
    with pytest.raises(ConfigError):
        guard.resume(run_id, Grant(request_id, frozenset({SEND}), math.nan))
    stored = guard.store.get_run(run_id)
    assert stored.grants == ()  # nothing recorded: the user's answer can still be given
    assert stored.status == "paused"
    guard.resume(run_id, Grant.of(request_id, [SEND], expires_at=math.inf))
    assert guard.store.get_run(run_id).active_scopes(1e12) == {SEND}  # inf: no end


def test_a_blocking_authorizer_answering_a_nan_expiry_refuses_the_call(
    catalogue: Catalogue, store_url: str
) -> None:
    def answer(request: object) -> Grant:
        return Grant(request.request_id, request.requested, math.nan)  # type: ignore[attr-defined]

    guard = ScopeGuard(catalogue, store=store_url, authorizer=CallbackAuthorizer(answer))
    ran = []
    with guard.start("Email Carlos") as run:
        with pytest.raises(AuthorizerError, match="ConfigError"):
            run.check("email.send")
        ran.append(run.granted)
    assert ran == [frozenset()]
