"""OAuthAuthorizer.complete on the callbacks and token responses real providers send."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from scopecast import AuthorizationRequired, AuthorizerError, Catalogue
from scopecast.runtime import (
    ConsentRequest,
    Grant,
    OAuthAuthorizer,
    ProviderToken,
    RunStore,
    ScopeGuard,
)
from tests.runtime.oauth_server import (
    REDIRECT_URI,
    LoopbackOAuthServer,
    ScriptedTokenEndpoint,
    code_callback,
    fake_provider,
    follow_consent,
)

KEY = b"k" * 32


REQUEST = ConsentRequest(
    "run-1",
    "req-1",
    "email.send",
    missing=frozenset({"google:gmail.send"}),
    requested=frozenset({"google:gmail.send", "google:calendar.events"}),
)


def _error_callback(consent_url: str, error: str) -> str:
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    return f"{REDIRECT_URI}?{urlencode({'error': error, 'state': state})}"


@pytest.mark.parametrize(
    "error", ["server_error", "temporarily_unavailable", "invalid_scope", "interaction_required"]
)
def test_a_provider_error_is_not_the_users_refusal(server: LoopbackOAuthServer, error: str) -> None:
    auth = OAuthAuthorizer([server.provider()], secret_key=KEY)
    with pytest.raises(AuthorizerError, match=f"'{error}', not a user's refusal"):
        auth.complete(_error_callback(auth.consent_urls(REQUEST)["google"], error))


def test_access_denied_is_a_refusal_and_a_strange_error_code_is_not_logged(
    server: LoopbackOAuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    auth = OAuthAuthorizer([server.provider()], secret_key=KEY)
    url = auth.consent_urls(REQUEST)["google"]
    grant = auth.complete(_error_callback(url, "access_denied"))
    assert grant.granted == frozenset()
    assert grant.providers == {"google"}
    with pytest.raises(AuthorizerError, match="'malformed'"):
        auth.complete(_error_callback(url, "x\nINFO forged log line"))
    assert "forged log line" not in caplog.text


def test_a_server_error_leaves_the_run_paused_and_askable_again(
    server: LoopbackOAuthServer, catalogue: Catalogue
) -> None:
    auth = OAuthAuthorizer([server.provider()], secret_key=KEY)
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info, guard.start("Email Carlos") as run:
        run.check("email.send")
    paused = info.value
    with pytest.raises(AuthorizerError, match="temporarily_unavailable"):
        auth.complete(_error_callback(paused.consent_urls["google"], "temporarily_unavailable"))
    # Nothing was recorded: the run still waits, and the user can still grant the scope.
    again = guard.pending_consent(paused.run_id)
    assert again is not None
    assert again.request_id == paused.request_id
    run = guard.resume(paused.run_id, auth.complete(follow_consent(again.consent_urls["google"])))
    assert run.status == "running"
    assert run.denied == frozenset()
    with run:
        run.check("email.send")


def _complete(auth: OAuthAuthorizer, request: ConsentRequest = REQUEST) -> Grant:
    (url,) = auth.consent_urls(request).values()
    return auth.complete(code_callback(url))


def test_every_scope_mapped_to_a_granted_provider_scope_is_granted(
    token_endpoint: ScriptedTokenEndpoint,
) -> None:
    full = "https://mail.google.com/"
    provider = fake_provider(scope_map={"google:gmail.send": full, "google:calendar.events": full})
    auth = OAuthAuthorizer([provider], secret_key=KEY)
    token_endpoint.answers.append({"access_token": "t", "scope": full})
    assert _complete(auth).granted == {"google:gmail.send", "google:calendar.events"}


def test_a_mapped_scope_is_not_granted_by_its_default_string(
    token_endpoint: ScriptedTokenEndpoint,
) -> None:
    # gmail.send is asked as the full mail scope; a token carrying only a scope named
    # "gmail.send" at the provider does not carry it.
    provider = fake_provider(scope_map={"google:gmail.send": "https://mail.google.com/"})
    auth = OAuthAuthorizer([provider], secret_key=KEY)
    token_endpoint.answers.append({"access_token": "t", "scope": "gmail.send calendar.events"})
    assert _complete(auth).granted == {"google:calendar.events"}


@pytest.mark.parametrize(
    ("scope", "granted"),
    [
        ("https://www.googleapis.com/x gmail.send", {"google:gmail.send"}),
        (["gmail.send", "calendar.events"], {"google:gmail.send", "google:calendar.events"}),
        ([], set()),
        (None, set()),
        (["gmail.send", 7], set()),
        (12, set()),
    ],
)
def test_a_scope_that_is_not_a_string_never_means_everything_asked(
    token_endpoint: ScriptedTokenEndpoint, scope: object, granted: set[str]
) -> None:
    # omitted_scope_means_requested applies to a token response *without* 'scope' only.
    auth = OAuthAuthorizer([fake_provider(omitted_scope_means_requested=True)], secret_key=KEY)
    token_endpoint.answers.append({"access_token": "t", "scope": scope})
    assert _complete(auth).granted == granted
    token_endpoint.answers.append({"access_token": "t"})
    assert _complete(auth).granted == REQUEST.requested


@pytest.mark.parametrize("expires_in", [3599, 3599.5, "3599", " 3599 "])
def test_expires_in_as_number_or_decimal_string_ends_the_grant(
    token_endpoint: ScriptedTokenEndpoint, expires_in: object
) -> None:
    auth = OAuthAuthorizer([fake_provider()], secret_key=KEY)
    token_endpoint.answers.append(
        {"access_token": "t", "scope": "gmail.send", "expires_in": expires_in}
    )
    before = time.time()
    grant = _complete(auth)
    assert grant.expires_at is not None
    assert before + 3599 <= grant.expires_at <= time.time() + 3600


@pytest.mark.parametrize("expires_in", [True, -5, "soon", "1e9", float("inf"), float("nan"), {}])
def test_an_unreadable_expires_in_refuses_the_token(
    token_endpoint: ScriptedTokenEndpoint, expires_in: object
) -> None:
    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer([fake_provider()], secret_key=KEY, on_token=tokens.append)
    token_endpoint.answers.append(
        {"access_token": "t", "scope": "gmail.send", "expires_in": expires_in}
    )
    with pytest.raises(AuthorizerError, match="'expires_in' that is not a number of seconds"):
        _complete(auth)
    assert tokens == []


@pytest.mark.parametrize("access_token", [None, "", 42, ["t"]])
def test_a_response_without_a_string_access_token_is_no_token(
    token_endpoint: ScriptedTokenEndpoint, access_token: object
) -> None:
    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer([fake_provider()], secret_key=KEY, on_token=tokens.append)
    token_endpoint.answers.append({"access_token": access_token, "scope": "gmail.send"})
    with pytest.raises(AuthorizerError, match="without an access token"):
        _complete(auth)
    assert tokens == []


def test_blocking_consent_refuses_a_redirect_of_another_provider(
    server: LoopbackOAuthServer, catalogue: Catalogue
) -> None:
    slack = server.provider().model_copy(update={"name": "slack"})
    shown: list[str] = []

    def stale_tab(url: str) -> str:  # the user consents again in the first (google) tab
        shown.append(url)
        return follow_consent(shown[0])

    auth = OAuthAuthorizer([server.provider(), slack], secret_key=KEY, user_agent=stale_tab)
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth)
    # One request, two screens: google's redirect, then google's again for slack's screen.
    with pytest.raises(AuthorizerError, match="slack consent answers another"):
        guard.start("Email and post", upfront=["google:gmail.send", "slack:chat:write"])
    assert len(shown) == 2
    # The upfront consent failed before the run was saved: no run, so nothing was refused
    # (slack's scope was not refused unasked) and the start can be retried.
    assert guard.store.run_ids() == []


def test_blocking_consent_exchanges_no_code_of_a_redirect_it_did_not_ask(
    server: LoopbackOAuthServer, catalogue: Catalogue
) -> None:
    """The stale tab hands back the redirect already used (its code spent): a second
    exchange of a code is refused, and servers then revoke the token the first one gave."""
    slack = server.provider().model_copy(update={"name": "slack"})
    redirects: list[str] = []

    def stale_tab(url: str) -> str:
        if not redirects:
            redirects.append(follow_consent(url))
        return redirects[0]  # slack's screen answered with google's redirect again

    tokens: list[ProviderToken] = []
    auth = OAuthAuthorizer(
        [server.provider(), slack], secret_key=KEY, user_agent=stale_tab, on_token=tokens.append
    )
    guard = ScopeGuard(catalogue, store=RunStore("sqlite://"), authorizer=auth)
    with pytest.raises(AuthorizerError, match="slack consent answers another"):
        guard.start("Email and post", upfront=["google:gmail.send", "slack:chat:write"])
    assert [t.provider for t in tokens] == ["google"]  # its code was exchanged once
    assert len(server.issued_tokens) == 1


def test_comma_separated_token_scopes_of_github(
    token_endpoint: ScriptedTokenEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    request = ConsentRequest(
        "run-1",
        "req-1",
        "gh.push",
        frozenset({"github:repo"}),
        frozenset({"github:repo", "github:gist"}),
    )
    github = fake_provider(name="github", token_scope_separator=",")
    auth = OAuthAuthorizer([github], secret_key=KEY)
    token_endpoint.answers.append(
        {"access_token": "t", "scope": "repo, gist", "token_type": "bearer"}
    )
    assert _complete(auth, request).granted == {"github:repo", "github:gist"}
    # RFC 6749 providers keep space separation: "repo,gist" is then one (unknown) scope.
    auth = OAuthAuthorizer([fake_provider(name="github")], secret_key=KEY)
    token_endpoint.answers.append({"access_token": "t", "scope": "repo,gist"})
    with caplog.at_level(logging.WARNING, logger="scopecast"):
        assert _complete(auth, request).granted == frozenset()
    # the user's consent then counts as a refusal: the log says why, and the fix
    assert "token_scope_separator=','" in caplog.text


def _callback_with(consent_url: str, **params: str) -> str:
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    return f"{REDIRECT_URI}?{urlencode({'state': state, **params})}"


def test_the_issuer_of_the_redirect_must_be_the_providers(
    token_endpoint: ScriptedTokenEndpoint,
) -> None:
    google = fake_provider(issuer="https://accounts.google.example")
    other = fake_provider(name="other")  # a provider that does not send iss
    auth = OAuthAuthorizer([google, other], secret_key=KEY)
    request = ConsentRequest(
        "r", "q", "t", frozenset({"google:a", "other:b"}), frozenset({"google:a", "other:b"})
    )
    urls = auth.consent_urls(request)
    # Mix-up: the state of "other", but the code came from google's authorization server.
    mixed = _callback_with(urls["other"], code="c", iss="https://accounts.google.example")
    with pytest.raises(AuthorizerError, match="does not come from its issuer"):
        auth.complete(mixed)
    for params in ({"code": "c"}, {"code": "c", "iss": "https://evil.example"}):
        with pytest.raises(AuthorizerError, match="does not come from its issuer"):
            auth.complete(_callback_with(urls["google"], **params))
    assert token_endpoint.answers == []  # nothing was exchanged (none was scripted)
    token_endpoint.answers.append({"access_token": "t", "scope": "a"})
    good = _callback_with(urls["google"], code="c", iss="https://accounts.google.example")
    assert auth.complete(good).granted == {"google:a"}
    token_endpoint.answers.append({"access_token": "t", "scope": "b"})
    assert auth.complete(_callback_with(urls["other"], code="c")).granted == {"other:b"}
