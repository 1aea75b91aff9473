"""OAuthProvider refuses settings that would downgrade PKCE, send secrets in clear, or break consent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pydantic
import pytest

from scopecast.exceptions import ConfigError
from scopecast.runtime import ConsentRequest, OAuthAuthorizer, OAuthProvider

GOOD: dict[str, object] = {
    "name": "google",
    "authorize_url": "https://accounts.example/authorize",
    "token_url": "https://accounts.example/token",
    "client_id": "c",
    "redirect_uri": "https://agent.example/oauth/callback",
}


def _provider(**kw: object) -> OAuthProvider:
    return OAuthProvider.model_validate(GOOD | kw)


@pytest.mark.parametrize(
    "key", ["code_challenge_method", "code_challenge", "state", "scope", "redirect_uri"]
)
def test_extra_params_cannot_override_what_the_authorizer_sets(key: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="extra_params cannot set"):
        _provider(extra_params={key: "plain"})


def test_extra_params_are_sent() -> None:
    provider = _provider(extra_params={"access_type": "offline", "prompt": "consent"})
    request = ConsentRequest("r", "q", "t", frozenset({"google:a"}), frozenset({"google:a"}))
    url = OAuthAuthorizer([provider], secret_key=b"k" * 32).consent_urls(request)["google"]
    query = parse_qs(urlsplit(url).query)
    assert query["access_type"] == ["offline"]
    assert query["code_challenge_method"] == ["S256"]


@pytest.mark.parametrize("field", ["token_url", "authorize_url"])
@pytest.mark.parametrize(
    "url", ["http://accounts.example/token", "ftp://accounts.example/t", "token", "https:///t"]
)
def test_endpoints_that_receive_secrets_need_https(field: str, url: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="must be an https URL"):
        _provider(**{field: url})


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/token", "http://localhost/token", "http://[::1]:9/t"]
)
def test_plain_http_endpoints_on_loopback_are_allowed(url: str) -> None:
    assert _provider(token_url=url).token_url == url


@pytest.mark.parametrize(
    "uri",
    [
        "https://agent.example/cb",
        "http://127.0.0.1:8765/callback",
        "http://localhost:1/cb",
        "com.example.agent:/oauth2redirect",
    ],
)
def test_redirect_uris_allowed(uri: str) -> None:
    assert _provider(redirect_uri=uri).redirect_uri == uri


@pytest.mark.parametrize("uri", ["http://agent.example/cb", "/oauth/callback"])
def test_redirect_uris_refused(uri: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="redirect_uri"):
        _provider(redirect_uri=uri)


@pytest.mark.parametrize("native", ["", "a b", " a"])
def test_a_provider_scope_is_one_scope(native: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="scope_map gives"):
        _provider(scope_map={"google:x": native})


def test_a_refused_client_secret_is_not_quoted_in_the_error() -> None:
    """A secret of the wrong type (a number from a settings file) is refused, not shown."""
    with pytest.raises(pydantic.ValidationError, match="client_secret") as info:
        _provider(client_secret=918273645546372819)
    assert "918273645546372819" not in str(info.value)


def test_two_providers_of_one_name_are_refused() -> None:
    """The second no longer replaces the first without a word."""
    with pytest.raises(ConfigError, match="Two OAuthProviders are named 'google'"):
        OAuthAuthorizer([_provider(), _provider(client_id="other")], secret_key="k" * 32)
