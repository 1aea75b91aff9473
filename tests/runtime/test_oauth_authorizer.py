"""OAuthAuthorizer against a real OAuth 2.0 server on loopback (authorization code + PKCE S256)."""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
import string
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scopecast import (
    AuthorizerError,
    Catalogue,
    ConfigError,
    ScopeDeniedError,
    ScopeRequestTimeout,
)
from scopecast.runtime import (
    ConsentRequest,
    LoopbackRedirect,
    OAuthAuthorizer,
    OAuthProvider,
    ProviderToken,
    RunStore,
    ScopeGuard,
)
from tests.runtime.oauth_server import (
    LoopbackOAuthServer,
    follow_consent,
    forged_callback,
)

KEY = b"k" * 32


def _provider(server: LoopbackOAuthServer, **kw: object) -> OAuthProvider:
    return server.provider(
        scope_map={"google:gmail.send": "https://www.googleapis.com/auth/gmail.send"}, **kw
    )


def _request(held: frozenset[str] = frozenset()) -> ConsentRequest:
    return ConsentRequest(
        "run-1",
        "req-1",
        "email.send",
        missing=frozenset({"google:gmail.send"}),
        requested=frozenset({"google:gmail.send", "google:calendar.events"}),
        granted=held,
    )


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_oauth_url_has_pkce_state_and_union_of_scopes(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    urls = auth.consent_urls(_request(frozenset({"google:gmail.readonly"})))
    assert set(urls) == {"google"}
    query = _query(urls["google"])
    assert urls["google"].startswith(f"{server.base_url}/authorize?")
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["scope"].split() == [
        "calendar.events",
        "gmail.readonly",
        "https://www.googleapis.com/auth/gmail.send",
    ]
    assert "include_granted_scopes" not in query


def test_oauth_google_style_incremental_consent(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server, include_granted_scopes=True)], secret_key=KEY)
    query = _query(auth.consent_urls(_request(frozenset({"google:gmail.readonly"})))["google"])
    assert query["include_granted_scopes"] == "true"
    assert "gmail.readonly" not in query["scope"].split()


def test_oauth_complete_exchanges_code_and_reports_partial_grant(
    server: LoopbackOAuthServer,
) -> None:
    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY, on_token=tokens.append)
    server.refuse = {"calendar.events"}
    grant = auth.complete(follow_consent(auth.consent_urls(_request())["google"]))
    assert grant.request_id == "req-1"
    assert grant.granted == {"google:gmail.send"}
    assert grant.providers == {"google"}  # one callback answers one provider's screen
    (token,) = tokens
    assert token.access_token in server.issued_tokens
    assert token.access_token not in repr(token)
    assert token.access_token not in str(token)
    # The challenge the server saw is the S256 of a verifier that was never sent in the URL.
    challenge = server.authorization_requests[0]["code_challenge"]
    assert challenge != base64.urlsafe_b64encode(hashlib.sha256(b"").digest())


def test_oauth_refusal_is_a_grant_of_nothing(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    server.deny_all = True
    grant = auth.complete(follow_consent(auth.consent_urls(_request())["google"]))
    assert grant.granted == frozenset()
    assert grant.providers == {"google"}


def test_oauth_rejects_forged_and_tampered_state(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    with pytest.raises(AuthorizerError, match="signature"):
        auth.complete(forged_callback("eyJ9.c2lnbmF0dXJl"))
    other = OAuthAuthorizer([_provider(server)], secret_key=b"z" * 32)
    callback = follow_consent(other.consent_urls(_request())["google"])
    with pytest.raises(AuthorizerError, match="signature"):
        auth.complete(callback)


def test_oauth_non_ascii_state_is_an_authorizer_error(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    with pytest.raises(AuthorizerError, match="malformed"):
        auth.complete("https://cb/?state=%C3%A9.abc&code=1")
    with pytest.raises(AuthorizerError, match="malformed"):
        auth.complete("https://cb/?state=abc.%C3%A9&code=1")


def test_oauth_callback_without_state_says_the_url_lost_its_query(
    server: LoopbackOAuthServer,
) -> None:
    # the redirect URL without its query string (request.base_url): not "forged"
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    for url in ("https://agent.example.com/oauth/callback", "https://cb/?code=abc"):
        with pytest.raises(AuthorizerError, match="no 'state' parameter") as caught:
            auth.complete(url)
        assert "forged" not in str(caught.value)


def test_oauth_code_is_single_use(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    callback = follow_consent(auth.consent_urls(_request())["google"])
    auth.complete(callback)
    with pytest.raises(AuthorizerError, match="refused the authorization code") as info:
        auth.complete(callback)
    assert _query(callback)["code"] not in str(info.value)


def test_oauth_expired_state_is_refused(server: LoopbackOAuthServer) -> None:
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY, state_max_age=-1)
    with pytest.raises(AuthorizerError, match="expired"):
        auth.complete(follow_consent(auth.consent_urls(_request())["google"]))


def test_oauth_config_errors(server: LoopbackOAuthServer) -> None:
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        OAuthAuthorizer([_provider(server)], secret_key="short")
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    with pytest.raises(AuthorizerError, match="no user_agent"):
        auth.authorize(_request())
    slack = ConsentRequest(
        "r", "q", "slack.post", frozenset({"slack:chat:write"}), frozenset({"slack:chat:write"})
    )
    with pytest.raises(AuthorizerError, match="No OAuth provider 'slack'"):
        auth.consent_urls(slack)


def test_oauth_blocking_guard_never_logs_a_token(
    server: LoopbackOAuthServer,
    catalogue: Catalogue,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # authlib's own DEBUG log here is the *test server's* ("Issue token {...}"), not the client's.
    caplog.set_level(logging.INFO, logger="authlib")
    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer(
        [_provider(server)], secret_key=KEY, on_token=tokens.append, user_agent=follow_consent
    )
    store_path = tmp_path / "runs.db"
    guard = ScopeGuard(catalogue, store=RunStore(f"sqlite:///{store_path}"), authorizer=auth)
    server.refuse = {"gmail.readonly"}
    with guard.start("Email Carlos", upfront=["google:calendar.events"]) as run:
        run.check("calendar.create")
        run.check("email.send")
        with pytest.raises(ScopeDeniedError):
            run.check("email.search")
    assert len(tokens) == 3
    secrets = [*server.issued_tokens, *(t.access_token for t in tokens)]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in secrets:
        assert secret not in logged
        assert secret.encode() not in stored


# The marker keeps a drawn token from being a word that HTTP debug logs hold anyway
# (hypothesis found "application/json", a header value, not a leak).
token_values = st.text(
    alphabet=string.ascii_letters + string.digits + "-._~+/", min_size=16, max_size=64
).map(lambda body: f"sc~tok~{body}")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(access_token=token_values, grant_some=st.booleans())
@example(access_token="sc~tok~0000000000000000", grant_some=False)
def test_no_token_value_appears_in_any_log_record(
    shared_server: LoopbackOAuthServer, catalogue: Catalogue, access_token: str, grant_some: bool
) -> None:
    shared_server.reset()
    shared_server.next_tokens = [access_token]
    if not grant_some:
        shared_server.refuse = {"https://www.googleapis.com/auth/gmail.send"}
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("authlib").setLevel(logging.INFO)  # the test server's own debug log
    try:
        auth = OAuthAuthorizer(
            [_provider(shared_server)], secret_key=KEY, user_agent=follow_consent
        )
        guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth)
        run = guard.start("Email Carlos")
        if grant_some:
            run.check("email.send")
        else:
            with pytest.raises(ScopeDeniedError) as info:
                run.check("email.send")
            assert access_token not in str(info.value)
        guard.finish(run)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("authlib").setLevel(logging.NOTSET)
    assert shared_server.issued_tokens == [access_token]
    for record in records:
        assert access_token not in record.getMessage()
        assert access_token not in repr(record.args)


def test_oauth_token_without_scope_grants_nothing(
    server: LoopbackOAuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.refuse = {"https://www.googleapis.com/auth/gmail.send", "calendar.events"}
    auth = OAuthAuthorizer([_provider(server)], secret_key=KEY)
    grant = auth.complete(follow_consent(auth.consent_urls(_request())["google"]))
    assert grant.granted == frozenset()  # authlib's server omits 'scope' when it granted nothing
    assert "names no scope" in caplog.text


def test_oauth_blocking_with_loopback_redirect(
    server: LoopbackOAuthServer, catalogue: Catalogue
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def browser(url: str) -> None:  # the user's browser, approving and following the redirect
        location = httpx.get(url, timeout=10).headers["location"]
        assert httpx.get(location, timeout=10).status_code == 200

    user_agent = LoopbackRedirect(port, open_url=browser, timeout=30)
    provider = _provider(server).model_copy(update={"redirect_uri": user_agent.redirect_uri})
    auth = OAuthAuthorizer([provider], secret_key=KEY, user_agent=user_agent)
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth)
    with guard.start("Email Carlos") as run:
        run.check("email.send")
    assert run.granted == {"google:gmail.send"}
    assert server.authorization_requests[0]["redirect_uri"] == user_agent.redirect_uri


def test_loopback_redirect_times_out() -> None:
    with pytest.raises(ScopeRequestTimeout, match="No OAuth redirect"):
        LoopbackRedirect(0, open_url=lambda url: None, timeout=0.1)("https://example.invalid/")
