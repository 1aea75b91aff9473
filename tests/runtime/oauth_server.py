"""A real OAuth 2.0 authorization server on loopback for the runtime tests (authlib + Flask).

Authorization code grant with PKCE required (``CodeChallenge(required=True)``), one public
client, one test user who consents automatically, except to the scopes listed in
``refuse`` (a partial grant) or to everything when ``deny_all`` is set. It records each
authorization request and every token it issues, so tests can check what was asked and that
no token leaks. :class:`ScriptedTokenEndpoint` stands in for the token endpoint of providers
whose answers depart from RFC 6749 (Slack, GitHub).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler, make_server

from scopecast.runtime import OAuthProvider

CLIENT_ID = "scopecast-test-client"
REDIRECT_URI = "http://127.0.0.1:1/callback"  # never fetched: the test "browser" stops at it


@dataclass
class _Client:
    client_id: str = CLIENT_ID

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return REDIRECT_URI

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 8252 7.3: any port of a loopback redirect URI is the same registration.
        return redirect_uri == REDIRECT_URI or redirect_uri.startswith("http://127.0.0.1:")

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    auth_time: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_auth_time(self) -> float:
        return self.auth_time

    def get_nonce(self) -> None:
        return None

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class _User:
    id: str = "test-user"

    def get_user_id(self) -> str:
        return self.id


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: object) -> None:
        """No access log: URLs carry states and codes."""


class LoopbackOAuthServer:
    """Serve the authorization and token endpoints on ``127.0.0.1`` in a daemon thread."""

    def __init__(self) -> None:
        self.codes: dict[str, _Code] = {}
        self.issued_tokens: list[str] = []
        self.authorization_requests: list[dict[str, str]] = []
        self.refuse: set[str] = set()
        self.deny_all = False
        self.next_tokens: list[str] = []  # access token values to issue next (else random)
        self._lock = threading.Lock()
        self.app = Flask("scopecast-test-oauth")
        self.app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600}
        server = AuthorizationServer(
            self.app, query_client=self._query_client, save_token=self._save_token
        )
        owner = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none"]

            def save_authorization_code(self, code: str, req: object) -> None:
                payload = self.request.payload
                granted = [s for s in payload.scope.split() if s not in owner.refuse]
                owner.codes[code] = _Code(
                    code=code,
                    client_id=CLIENT_ID,
                    redirect_uri=payload.redirect_uri,
                    scope=" ".join(granted),
                    code_challenge=payload.data["code_challenge"],
                    code_challenge_method=payload.data["code_challenge_method"],
                )

            def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
                return owner.codes.get(code)

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                owner.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> _User:
                return _User()

        server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        server.register_token_generator(
            "default",
            BearerTokenGenerator(owner._access_token, expires_generator=lambda *_: 3600),
        )
        self._server = server

        @self.app.get("/authorize")
        def authorize():  # type: ignore[no-untyped-def]
            with owner._lock:
                owner.authorization_requests.append(dict(request.args))
            user = None if owner.deny_all else _User()
            grant = server.get_consent_grant(end_user=user)
            return server.create_authorization_response(grant=grant, grant_user=user)

        @self.app.post("/token")
        def token():  # type: ignore[no-untyped-def]
            return server.create_token_response()

        self._http = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._http.server_port
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def provider(self, name: str = "google", **settings: object) -> OAuthProvider:
        """An ``OAuthProvider`` named ``name`` whose endpoints are this server's."""
        return OAuthProvider(
            name=name,
            authorize_url=f"{self.base_url}/authorize",
            token_url=f"{self.base_url}/token",
            client_id=CLIENT_ID,
            redirect_uri=REDIRECT_URI,
            **settings,  # type: ignore[arg-type]
        )

    def _access_token(self, *_: object, **__: object) -> str:
        with self._lock:
            return self.next_tokens.pop(0) if self.next_tokens else secrets.token_urlsafe(32)

    def _query_client(self, client_id: str) -> _Client | None:
        return _Client() if client_id == CLIENT_ID else None

    def _save_token(self, token: dict[str, object], req: object) -> None:
        with self._lock:
            self.issued_tokens.append(str(token["access_token"]))
            if "refresh_token" in token:
                self.issued_tokens.append(str(token["refresh_token"]))

    def reset(self) -> None:
        """Forget what was asked and issued; consent to everything again."""
        with self._lock:
            self.codes.clear()
            self.issued_tokens.clear()
            self.authorization_requests.clear()
            self.refuse = set()
            self.deny_all = False

    def start(self) -> LoopbackOAuthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._thread.join(timeout=5)


def follow_consent(url: str) -> str:
    """The test user's browser: open the authorization URL, return where it redirects to."""
    import httpx

    response = httpx.get(url, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def forged_callback(state: str) -> str:
    return f"{REDIRECT_URI}?{urlencode({'code': secrets.token_urlsafe(8), 'state': state})}"


class ScriptedTokenEndpoint:
    """A provider's token endpoint answering each exchange with the next scripted JSON.

    For the token responses a real provider sends that the loopback server does not (Slack's
    ``authed_user``, GitHub's commas, odd types): ``httpx.post`` is replaced for the test.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[dict[str, object]] = []
        self.posted: list[tuple[str, object]] = []
        monkeypatch.setattr(httpx, "post", self._post)

    def _post(self, url: str, **kw: object) -> httpx.Response:
        self.posted.append((url, kw.get("data")))
        # json.dumps writes Infinity and NaN, which Python's JSON reader (httpx's) accepts.
        body = json.dumps(self.answers.pop(0)).encode()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})


def fake_provider(**kw: object) -> OAuthProvider:
    fields: dict[str, object] = {
        "name": "google",
        "authorize_url": "https://as.invalid/authorize",
        "token_url": "https://as.invalid/token",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
    }
    return OAuthProvider.model_validate(fields | kw)


def code_callback(consent_url: str) -> str:
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    return f"{REDIRECT_URI}?{urlencode({'code': 'c0de', 'state': state})}"
