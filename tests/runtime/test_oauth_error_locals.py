"""A failed token exchange leaves no secret in the local variables of its traceback.

Error reporters record every frame's local variables with an exception (Sentry by default,
structlog's exception renderer, rich's ``show_locals``): the frame that posted the token
request held the client secret and the PKCE verifier (with the code, which the callback URL
carries anyway, the verifier redeems an unspent code of a public client), and the frame that
read a refused token response held its access and refresh tokens.
"""

from __future__ import annotations

import traceback
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from scopecast import AuthorizerError
from scopecast.runtime import ConsentRequest, OAuthAuthorizer, OAuthProvider
from scopecast.runtime._authorizers._oauth_state import derive_code_verifier
from tests.runtime.oauth_server import REDIRECT_URI, fake_provider

KEY = b"k" * 32
CLIENT_SECRET = "cs-9f3kQ2-client-secret-value"
ACCESS = "at-7Hq2-access-token-value"
REFRESH = "rt-5Zp1-refresh-token-value"
REQUEST = ConsentRequest(
    "run-1",
    "req-1",
    "email.send",
    frozenset({"google:gmail.send"}),
    frozenset({"google:gmail.send"}),
)


def _provider(**settings: object) -> OAuthProvider:
    return fake_provider(client_secret=CLIENT_SECRET, **settings)


def _failed_exchange(
    monkeypatch: pytest.MonkeyPatch, answer: object, provider: OAuthProvider | None = None
) -> tuple[str, str]:
    """Complete a consent whose token endpoint answers ``answer`` (a response, or an error
    to raise); the traceback rendered with its locals, and the verifier that was sent."""

    def post(url: str, **_: object) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    monkeypatch.setattr(httpx, "post", post)
    auth = OAuthAuthorizer([provider or _provider()], secret_key=KEY)
    (url,) = auth.consent_urls(REQUEST).values()
    state = parse_qs(urlsplit(url).query)["state"][0]
    callback = f"{REDIRECT_URI}?{urlencode({'code': 'c0de', 'state': state})}"
    with pytest.raises(AuthorizerError) as info:
        auth.complete(callback)
    rendered = traceback.TracebackException.from_exception(info.value, capture_locals=True)
    return "".join(rendered.format()), derive_code_verifier(state, KEY)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"error": "invalid_grant"}),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["refused", "not json", "unreachable"],
)
def test_a_refused_or_failed_exchange_keeps_no_client_secret_nor_verifier(
    monkeypatch: pytest.MonkeyPatch, answer: object
) -> None:
    text, verifier = _failed_exchange(monkeypatch, answer)
    assert "_exchange" in text  # the locals were rendered
    assert CLIENT_SECRET not in text
    assert verifier not in text


def test_a_token_response_refused_after_it_arrived_keeps_no_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer = httpx.Response(
        200,
        json={
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_in": "soon",  # refused: the grant could outlive the token
            "scope": "gmail.send",
        },
    )
    text, verifier = _failed_exchange(monkeypatch, answer)
    assert "expires_in" in text
    for secret in (ACCESS, REFRESH, CLIENT_SECRET, verifier):
        assert secret not in text


def test_a_token_outside_the_token_field_is_refused_and_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Slack answer with the app's bot token and no user token, for a user-token provider.
    answer = httpx.Response(200, json={"ok": True, "access_token": ACCESS, "scope": "gmail.send"})
    text, verifier = _failed_exchange(monkeypatch, answer, _provider(token_field="authed_user"))
    assert "'authed_user'" in text
    for secret in (ACCESS, CLIENT_SECRET, verifier):
        assert secret not in text
