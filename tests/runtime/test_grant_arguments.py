"""A grant given one scope as a bare string is refused, not split into its characters.

``Grant.of(request_id, "google:gmail.send")`` made a grant of the characters of the name:
none of them a requested scope, so ``resume`` recorded the user's consent as a refusal of
every missing scope (never asked again in the run). ``consent_answer`` did the same.
``CallbackAuthorizer`` already refused a string; a callback answering ``None`` or ``True``
raised a bare ``TypeError`` that said nothing of the callback.
"""

from __future__ import annotations

import pytest

from scopecast import AuthorizerError, Catalogue, ConfigError
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, Grant, ScopeGuard
from tests.runtime.paused_runs import paused_at

REQUEST = ConsentRequest(
    "r", "q", "email.send", frozenset({"google:gmail.send"}), frozenset({"google:gmail.send"})
)


def test_grant_of_a_bare_string_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"\['google:gmail.send'\]"):
        Grant.of("q", "google:gmail.send")
    with pytest.raises(ConfigError, match="providers"):
        Grant.of("q", ["google:gmail.send"], providers="google")
    assert Grant.of("q", ["google:gmail.send"]).granted == {"google:gmail.send"}


def test_a_resume_never_records_a_consent_given_as_a_string_as_a_refusal(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    paused = paused_at(guard, "email.send", "Email Carlos")
    run_id, request_id = paused.run_id, paused.request_id
    assert request_id is not None
    with pytest.raises(ConfigError):
        guard.resume(run_id, Grant.of(request_id, "google:gmail.send"))
    assert guard.store.get_run(run_id).denied == frozenset()  # still askable
    resumed = guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    with resumed:
        resumed.check("email.send")


@pytest.mark.parametrize("answer", [None, True, 3])
def test_a_callback_answering_no_scopes_collection_says_so(answer: object) -> None:
    auth = CallbackAuthorizer(lambda request: answer)  # type: ignore[arg-type,return-value]
    with pytest.raises(AuthorizerError, match="collection of scope names"):
        auth.authorize(REQUEST)


def test_consent_answer_of_a_bare_string_is_refused() -> None:
    pytest.importorskip("langgraph")
    from scopecast.integrations.langgraph import consent_answer

    payload = {"consent_id": "c"}
    with pytest.raises(ConfigError, match="granted"):
        consent_answer(payload, granted="google:gmail.send")
    with pytest.raises(ConfigError, match="denied"):
        consent_answer(payload, denied="google:gmail.send")
    assert consent_answer(payload, granted=["google:gmail.send"])["granted"] == [
        "google:gmail.send"
    ]


def test_revoke_of_a_bare_string_is_refused_not_a_revocation_of_nothing(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    with pytest.raises(ConfigError, match="revoke"):
        guard.revoke(run.run_id, "google:gmail.send")  # revoked nothing, and returned 0
    assert guard.revoke(run.run_id, ["google:gmail.send"]) == 1
    assert run.granted == frozenset()


def test_start_with_scopes_as_a_bare_string_is_refused(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    with pytest.raises(ConfigError, match="granted"):
        guard.start("Email Carlos", granted="google:gmail.send")
    with pytest.raises(ConfigError, match="upfront"):
        guard.start("Email Carlos", upfront="google:gmail.send")
    assert guard.store.run_ids() == []


def test_a_token_passed_for_the_scopes_is_not_quoted_back() -> None:
    token = "ya29.A0SECRETTOKENVALUE1234567890"
    with pytest.raises(ConfigError) as info:
        Grant.of("q", token)
    assert token[8:24] not in str(info.value)
