"""A callback whose answer is not awaited, or is being exchanged already, exchanges no code."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from scopecast import (
    AuthorizationRequired,
    AuthorizerError,
    Catalogue,
    GuardStateError,
    ResumeConflictError,
)
from scopecast.runtime import (
    OAuthAuthorizer,
    ProviderToken,
    RunStore,
    ScopeGuard,
)
from tests.runtime.oauth_server import REDIRECT_URI, LoopbackOAuthServer, follow_consent

KEY = b"k" * 32


@pytest.fixture
def exchanges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token endpoint URLs codes were sent to (the real httpx.post does the exchange)."""
    sent: list[str] = []
    post = httpx.post

    def counting_post(url: str, **kw: object) -> httpx.Response:
        sent.append(url)
        return post(url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "post", counting_post)
    return sent


def _paused(guard: ScopeGuard, **start: object) -> AuthorizationRequired:
    with pytest.raises(AuthorizationRequired) as info, guard.start("Email Carlos", **start) as run:  # type: ignore[arg-type]
        run.check("email.send")
    return info.value


def _setup(
    server: LoopbackOAuthServer, catalogue: Catalogue
) -> tuple[OAuthAuthorizer, ScopeGuard, list[ProviderToken]]:
    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer(
        [server.provider("google"), server.provider("slack")],
        secret_key=KEY,
        on_token=tokens.append,
    )
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth, mode="pausing")
    return auth, guard, tokens


@pytest.mark.parametrize("check", ["claim", "ensure_pending"])
def test_a_reloaded_redirect_page_exchanges_nothing(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str], check: str
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    how = {"claim": guard.claim_answer} if check == "claim" else {check: guard.ensure_pending}
    paused = _paused(guard)
    callback = follow_consent(paused.consent_urls["google"])
    run = guard.resume(paused.run_id, auth.complete(callback, **how))  # type: ignore[arg-type]
    assert run.status == "running"
    assert len(exchanges) == 1
    with pytest.raises(ResumeConflictError) as info:
        auth.complete(callback, **how)  # type: ignore[arg-type]
    assert info.value.status == "running"
    assert len(exchanges) == 1  # the used code was not sent again
    assert len(tokens) == 1


def test_a_stale_consent_url_of_a_finished_run_yields_no_token(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard)
    guard.finish(paused.run_id)  # the application gave up on the run
    callback = follow_consent(paused.consent_urls["google"])  # the user consents later
    with pytest.raises(GuardStateError, match="finished"):
        auth.complete(callback, claim=guard.claim_answer)
    assert exchanges == []
    assert tokens == []
    assert server.issued_tokens == []


def test_one_providers_repeated_answer_is_refused_and_the_others_goes_on(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard, upfront=["google:gmail.send", "slack:chat:write"])
    google = follow_consent(paused.consent_urls["google"])
    assert (
        guard.resume(paused.run_id, auth.complete(google, claim=guard.claim_answer)).status
        == "paused"
    )
    with pytest.raises(ResumeConflictError) as info:
        auth.complete(google, claim=guard.claim_answer)
    assert info.value.status == "paused"
    slack = follow_consent(paused.consent_urls["slack"])
    run = guard.resume(paused.run_id, auth.complete(slack, claim=guard.claim_answer))
    assert run.status == "running"
    assert run.granted == {"google:gmail.send", "slack:chat:write"}
    assert len(exchanges) == 2
    assert len(tokens) == 2


def test_a_consent_url_of_another_users_run_is_refused_before_the_exchange(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    attackers = _paused(guard)  # the attacker's own run, paused on gmail.send
    victims = _paused(guard)  # the victim's run, in the victim's session
    # The victim is sent the attacker's consent URL, consents, and comes back to the app.
    callback = follow_consent(attackers.consent_urls["google"])
    with pytest.raises(GuardStateError, match="another run"):
        auth.complete(callback, run_id=victims.run_id, claim=guard.claim_answer)
    assert exchanges == []
    assert tokens == []
    # Without run_id the victim's token would be handed over under the attacker's run.
    auth.complete(callback, claim=guard.claim_answer)
    assert [t.run_id for t in tokens] == [attackers.run_id]


def test_a_redirect_delivered_twice_at_once_exchanges_its_code_once(
    server: LoopbackOAuthServer,
    catalogue: Catalogue,
    exchanges: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard)
    callback = follow_consent(paused.consent_urls["google"])
    second: list[ResumeConflictError] = []
    post = httpx.post

    def second_delivery_during_the_exchange(url: str, **kw: object) -> httpx.Response:
        # The same redirect arrives again while the first callback is at the token endpoint:
        # both passed no check the other had not, so only the claim keeps it from exchanging.
        with pytest.raises(ResumeConflictError) as info:
            auth.complete(callback, claim=guard.claim_answer)
        second.append(info.value)
        return post(url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "post", second_delivery_during_the_exchange)
    grant = auth.complete(callback, claim=guard.claim_answer)
    assert [(c.in_flight, c.status) for c in second] == [(True, "paused")]
    assert "no code was exchanged" in str(second[0])
    assert len(exchanges) == 1
    assert len(tokens) == 1
    assert guard.resume(paused.run_id, grant).status == "running"


def test_a_failed_exchange_releases_its_claim_so_the_user_can_answer_again(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard)
    callback = follow_consent(paused.consent_urls["google"])
    forged = callback.replace("code=", "code=x", 1)  # a code the token endpoint refuses
    with pytest.raises(AuthorizerError, match="refused the authorization code"):
        auth.complete(forged, claim=guard.claim_answer)
    # Not left claimed: the real answer to the same request goes through at once.
    run = guard.resume(paused.run_id, auth.complete(callback, claim=guard.claim_answer))
    assert run.status == "running"
    assert len(exchanges) == 2
    assert len(tokens) == 1


def test_what_a_pure_check_returns_is_ignored(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard)
    callback = follow_consent(paused.consent_urls["google"])

    def checked(run_id: str, request_id: str, provider: str) -> bool:
        # ensure_pending= takes any check; only claim= returns something complete() uses.
        guard.ensure_pending(run_id, request_id, provider)
        return True

    with pytest.raises(AuthorizerError, match="refused the authorization code"):
        auth.complete(callback.replace("code=", "code=x", 1), ensure_pending=checked)
    assert tokens == []


def _error_callback(consent_url: str, error: str) -> str:
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    return f"{REDIRECT_URI}?{urlencode({'error': error, 'state': state})}"


def test_a_provider_error_releases_the_claim_and_a_refusal_keeps_it_until_resume(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    auth, guard, tokens = _setup(server, catalogue)
    paused = _paused(guard)
    url = paused.consent_urls["google"]
    with pytest.raises(AuthorizerError, match="temporarily_unavailable"):
        auth.complete(_error_callback(url, "temporarily_unavailable"), claim=guard.claim_answer)
    # Not the user's answer: released, so the user's refusal that follows is taken at once.
    refusal = auth.complete(_error_callback(url, "access_denied"), claim=guard.claim_answer)
    # A refusal is an answer: claimed until resume records it, like a granted code.
    with pytest.raises(ResumeConflictError) as info:
        auth.complete(follow_consent(url), claim=guard.claim_answer)
    assert info.value.in_flight
    assert guard.resume(paused.run_id, refusal).status == "running"
    with pytest.raises(ResumeConflictError) as info:  # recorded now: answered, not in flight
        auth.complete(follow_consent(url), claim=guard.claim_answer)
    assert not info.value.in_flight
    assert exchanges == []
    assert tokens == []


def test_a_failing_on_token_releases_the_claim(
    server: LoopbackOAuthServer, catalogue: Catalogue, exchanges: list[str]
) -> None:
    def broken_vault(token: ProviderToken) -> None:
        raise OSError("the vault is down")

    auth = OAuthAuthorizer([server.provider("google")], secret_key=KEY, on_token=broken_vault)
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth, mode="pausing")
    paused = _paused(guard)
    with pytest.raises(OSError, match="vault"):
        auth.complete(follow_consent(paused.consent_urls["google"]), claim=guard.claim_answer)
    # The token was not kept: the user is asked again and that answer is not blocked.
    assert guard.claim_answer(paused.run_id, paused.request_id, "google").provider == "google"
    assert len(exchanges) == 1
