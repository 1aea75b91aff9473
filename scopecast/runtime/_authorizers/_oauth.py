"""OAuth 2.0 authorization code + PKCE (S256) consent, one authorization URL per provider.

For each provider of a consent request the authorizer builds the provider's authorization
URL with the provider's own scope strings (incremental: the union with the scopes the run
already holds, or ``include_granted_scopes=true`` for providers such as Google that add
them themselves), a signed ``state`` and an S256 code challenge. The callback URL is then
checked (state signature, age, error) and its code exchanged for a token at the provider's
token endpoint; the scopes the token really carries (which may be fewer than asked) become
the :class:`~scopecast.runtime.Grant`. The token goes to the application's ``on_token``
callback; the authorizer keeps nothing, and no token, code or verifier is ever logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from scopecast.exceptions import AuthorizerError, ConfigError, GuardStateError
from scopecast.runtime._authorizers._oauth_provider import OAuthProvider
from scopecast.runtime._authorizers._oauth_state import (
    StateClaims,
    derive_code_verifier,
    sign_state,
    verify_state,
)
from scopecast.runtime._authorizers._token_response import token_from
from scopecast.runtime._authorizers._tokens import ProviderToken
from scopecast.runtime._consent import ConsentRequest, Grant

__all__ = ["OAuthAuthorizer", "OAuthProvider"]

logger = logging.getLogger(__name__)


class Releasable(Protocol):
    """What ``claim`` returns: a claim on the answer, released if the consent fails."""

    def release(self) -> None:
        """Give the claim up (the consent failed; the user may answer again)."""


class OAuthAuthorizer:
    """Ask for scopes through each provider's OAuth 2.0 consent (authorization code + PKCE).

    Parameters
    ----------
    providers : iterable of OAuthProvider
        One entry per provider whose scopes may be asked.
    secret_key : bytes or str
        Signs the ``state`` and derives the PKCE verifier; every process that completes
        consents (resumes runs) must use the same key. Keep it secret, e.g. 32 random bytes.
    on_token : callable, optional
        Receives each :class:`ProviderToken`; where tokens are kept is the application's
        business. Without it tokens are dropped after their scopes are read.
    user_agent : callable, optional
        For blocking mode: takes an authorization URL, lets the user consent (a browser)
        and returns the URL the provider redirected to. Without it, use pausing mode and
        :meth:`complete` on the callback.
    state_max_age : float, default 900
        Seconds a consent URL stays valid.
    timeout : float, default 30
        Seconds for the token request.
    """

    def __init__(
        self,
        providers: Iterable[OAuthProvider],
        *,
        secret_key: bytes | str,
        on_token: Callable[[ProviderToken], None] | None = None,
        user_agent: Callable[[str], str] | None = None,
        state_max_age: float = 900.0,
        timeout: float = 30.0,
    ) -> None:
        self.providers: dict[str, OAuthProvider] = {}
        for provider in providers:
            if provider.name in self.providers:
                raise ConfigError(
                    f"Two OAuthProviders are named {provider.name!r}; the second would replace "
                    f"the first. Give each scope provider one OAuthProvider."
                )
            self.providers[provider.name] = provider
        key = secret_key.encode("utf-8") if isinstance(secret_key, str) else bytes(secret_key)
        if len(key) < 16:
            raise ConfigError(
                f"OAuthAuthorizer's secret_key must be at least 16 bytes; got {len(key)}. Use "
                f"e.g. secrets.token_bytes(32), stored where every resuming process can read it."
            )
        self._key = key
        self._on_token = on_token
        self._user_agent = user_agent
        self.state_max_age = state_max_age
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"OAuthAuthorizer(providers={sorted(self.providers)})"

    def _provider(self, name: str) -> OAuthProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise AuthorizerError(
                f"No OAuth provider {name!r} is configured, so its scopes cannot be asked; the "
                f"call was not run. Configured: {sorted(self.providers)}. Add an OAuthProvider."
            )
        return provider

    # -- URLs ------------------------------------------------------------------------------

    def authorization_url(self, request: ConsentRequest, provider_name: str) -> str:
        """The authorization URL asking ``provider_name``'s part of ``request``."""
        from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        provider = self._provider(provider_name)
        asked = request.by_provider.get(provider_name, frozenset())
        held = frozenset(s for s in request.granted if s.startswith(f"{provider_name}:"))
        scopes = sorted(asked if provider.include_granted_scopes else asked | held)
        state = sign_state(
            StateClaims(
                request.run_id, request.request_id, provider_name, tuple(sorted(asked)), time.time()
            ),
            self._key,
        )
        params: dict[str, str] = {
            "code_challenge": create_s256_code_challenge(derive_code_verifier(state, self._key)),
            "code_challenge_method": "S256",
            **provider.extra_params,
        }
        if provider.include_granted_scopes:
            params["include_granted_scopes"] = "true"
        if scopes:  # Slack's user-token scopes go in user_scope, comma-separated
            natives = [provider.native(s) for s in scopes]
            commas = "," in (provider.request_scope_separator + provider.token_scope_separator)
            if commas and any("," in native for native in natives):
                raise AuthorizerError(
                    f"A scope of {provider_name} holds a comma, but this provider separates "
                    f"scopes with commas: it would ask or read other scopes than it means. "
                    f"The call was not run; map the scope to its provider string in scope_map."
                )
            params[provider.scope_parameter] = provider.request_scope_separator.join(natives)
        url: str = prepare_grant_uri(
            provider.authorize_url,
            client_id=provider.client_id,
            response_type="code",
            redirect_uri=provider.redirect_uri,
            state=state,
            **params,
        )
        return url

    def consent_urls(self, request: ConsentRequest) -> dict[str, str]:
        """One authorization URL per provider of the request (pausing mode)."""
        return {name: self.authorization_url(request, name) for name in request.by_provider}

    # -- callback --------------------------------------------------------------------------

    def complete(
        self,
        callback_url: str,
        *,
        run_id: str | None = None,
        ensure_pending: Callable[[str, str, str], object] | None = None,
        claim: Callable[[str, str, str], Releasable] | None = None,
    ) -> Grant:
        """Check the provider's redirect and exchange its code; return the scopes granted.

        The user's refusal at the provider (``error=access_denied``) is a :class:`Grant` of
        nothing; any other ``error`` (``server_error``, ``temporarily_unavailable``,
        ``invalid_scope``, ...) is not an answer and raises.

        ``run_id``: the run of the user's session. The state is signed but not tied to a
        browser, so a consent URL of one run can be passed to someone else (consent
        phishing); with ``run_id`` a callback for another run is refused before its code is
        exchanged, so that user's token never reaches ``on_token`` under that run.

        ``claim`` (usually ``guard.claim_answer``) is called with the run, request and
        provider of the checked state before the code is exchanged. It raises when that
        answer is not awaited any more (a reloaded redirect page or a stale consent URL then
        sends no code to the token endpoint again: a reused code makes servers revoke the
        token it gave, and yields no token), or when another callback is exchanging it (the
        same redirect delivered twice at once). It returns a claim on the answer, released
        here if the consent then fails, so that the user can answer again.
        ``ensure_pending`` (``guard.ensure_pending``) is the check without the claim, called
        first when given; what it returns is ignored.

        Raises
        ------
        GuardStateError
            If ``run_id`` is given and the state is of another run. Nothing was exchanged.
        ResumeConflictError, GuardStateError
            From ``claim`` or ``ensure_pending``: the answer was recorded already or is being
            exchanged by another callback, or the run or request is finished or unknown.
            Nothing was exchanged.
        AuthorizerError
            If the state is forged, tampered or expired, the provider answered with an error
            other than ``access_denied``, the code is missing, or the token endpoint refuses
            the code.
        """
        query = {k: v[0] for k, v in parse_qs(urlsplit(callback_url).query).items()}
        state = query.get("state", "")
        if not state:
            raise AuthorizerError(
                "The OAuth callback URL has no 'state' parameter, so it cannot be matched to a "
                "consent; nothing was exchanged. Pass the whole URL the provider redirected to, "
                "query string included (e.g. Flask's request.url, not request.base_url)."
            )
        claims = verify_state(state, self._key, max_age=self.state_max_age)
        provider = self._provider(claims.provider)
        self._check_issuer(provider, query.get("iss"))
        if run_id is not None and claims.run_id != run_id:
            raise GuardStateError(
                f"The OAuth callback answers a consent of another run than {run_id!r} (its "
                f"URL was opened by another user, or the session changed); nothing was "
                f"exchanged. Only the user who started a run may consent for it."
            )
        if ensure_pending is not None:
            ensure_pending(claims.run_id, claims.request_id, claims.provider)
        if claim is None:
            return self._answer(provider, claims, query, state)
        held = claim(claims.run_id, claims.request_id, claims.provider)
        try:
            return self._answer(provider, claims, query, state)
        except BaseException:
            held.release()
            raise

    def _answer(
        self, provider: OAuthProvider, claims: StateClaims, query: dict[str, str], state: str
    ) -> Grant:
        """The provider's answer in a checked callback: a refusal, or the code exchanged."""
        if "error" in query:
            error = _error_code(query["error"])
            if error != "access_denied":
                # Not the user's answer (RFC 6749 4.1.2.1): a server fault, a bad request, a
                # prompt that needs interaction. Recording it as a refusal would refuse the
                # scopes for the rest of the run; fail closed instead, with the run still
                # waiting (pending_consent gives fresh URLs).
                raise AuthorizerError(
                    f"The {claims.provider} authorization server answered with the error "
                    f"{error!r}, not a user's refusal; the consent was not completed and "
                    f"nothing was recorded. Ask again with a fresh authorization URL "
                    f"(guard.pending_consent(run_id) after a pause)."
                )
            logger.info("run %s: %s consent refused (%s)", claims.run_id, claims.provider, error)
            return Grant.of(claims.request_id, (), providers=[claims.provider])
        code = query.get("code")
        if not code:
            raise AuthorizerError(
                f"The {claims.provider} callback has neither a code nor an error; expected "
                f"'?code=...&state=...'. Pass the full URL the provider redirected to."
            )
        token = self._exchange(provider, claims, code, derive_code_verifier(state, self._key))
        if self._on_token is not None:
            self._on_token(token)
        logger.info("run %s: %s granted %s", claims.run_id, claims.provider, sorted(token.scopes))
        asked = frozenset(claims.scopes)
        # Without a refresh token the access ends with the token, and so does the grant.
        ends = token.expires_at if token.refresh_token is None else None
        return Grant.of(
            claims.request_id, token.scopes & asked, expires_at=ends, providers=[claims.provider]
        )

    def _check_issuer(self, provider: OAuthProvider, iss: str | None) -> None:
        """RFC 9207: the redirect comes from the provider of the state, not another one."""
        if provider.issuer is not None:
            ok = iss == provider.issuer
        else:  # unknown issuer: refuse at least one that names another configured provider
            ok = iss is None or all(iss != p.issuer for p in self.providers.values())
        if not ok:
            raise AuthorizerError(
                f"The OAuth callback for {provider.name} does not come from its issuer "
                f"({'no' if iss is None else 'another'} 'iss' parameter): a mix-up between "
                f"providers, or a misconfigured issuer. Nothing was exchanged; ask again."
            )

    def _exchange(
        self, provider: OAuthProvider, claims: StateClaims, code: str, verifier: str
    ) -> ProviderToken:
        """The token for ``code``; an error raised here leaves no secret in a frame's locals.

        Error reporters record the local variables of every frame of a traceback (Sentry,
        structlog, rich): the request (client secret, verifier) is made in a frame that no
        raised error passes through, and the response (tokens) is dropped before raising.
        """
        answered = _post_token_request(provider, code, verifier, self.timeout)
        del code, verifier
        if isinstance(answered, str):
            raise AuthorizerError(
                f"The {provider.name} token endpoint could not be used ({answered}); the "
                f"consent was not completed. Check token_url and the network, then ask again."
            )
        status, data = answered
        del answered
        body = (
            data.get(provider.token_field)
            if provider.token_field and isinstance(data, dict)
            else data
        )
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = data.get("error", "no error code") if isinstance(data, dict) else "not JSON"
            elsewhere = body is not data and isinstance(data, dict) and "access_token" in data
            del data, body
            if status == 200 and elsewhere:
                raise AuthorizerError(
                    f"The {provider.name} token endpoint answered a token, but not in "
                    f"{provider.token_field!r} where this provider's token is (for Slack: the "
                    f"app's bot token came back and no user token; the consent must ask user "
                    f"scopes, scope_parameter='user_scope'). Nothing was granted; ask again."
                )
            if status == 200 and error == "no error code":
                where = f" in {provider.token_field!r}" if provider.token_field else ""
                raise AuthorizerError(
                    f"The {provider.name} token endpoint answered HTTP 200 with no access "
                    f"token{where} and no error; the consent was not completed and nothing "
                    f"was granted. Check token_url (and token_field), then ask again."
                )
            raise AuthorizerError(
                f"The {provider.name} token endpoint refused the authorization code (HTTP "
                f"{status}, {error!s:.60}); the consent was not completed. Codes are "
                f"single-use and short-lived: ask the user again."
            )
        try:
            return token_from(body, provider, claims)
        except AuthorizerError as err:
            del data, body  # the tokens, in this frame and (with_traceback) token_from's
            raise err.with_traceback(None) from None

    # -- blocking --------------------------------------------------------------------------

    def authorize(self, request: ConsentRequest) -> Grant:
        """Blocking mode: one consent per provider through ``user_agent``, answers merged."""
        if self._user_agent is None:
            raise AuthorizerError(
                "OAuthAuthorizer has no user_agent to show authorization URLs in blocking "
                "mode, so the scopes could not be asked and the call was not run. Pass "
                "user_agent=..., or use ScopeGuard(mode='pausing') and complete()."
            )
        grant = Grant.of(request.request_id, ())
        for name in request.by_provider:

            def asked_here(run_id: str, request_id: str, provider: str, name: str = name) -> None:
                # Checked before the code is exchanged: a stale or other tab's redirect (its
                # code perhaps spent already: a second exchange makes servers revoke the
                # token of the first) is not this consent, and counting it would refuse this
                # provider's scopes without asking them.
                if (run_id, request_id, provider) != (request.run_id, request.request_id, name):
                    raise AuthorizerError(
                        f"The OAuth callback returned for the {name} consent answers another "
                        f"consent request or provider; nothing was exchanged and the call "
                        f"was not run. Ask again."
                    )

            redirected = self._user_agent(self.authorization_url(request, name))
            grant = grant.merge(self.complete(redirected, ensure_pending=asked_here))
        return grant


def _post_token_request(
    provider: OAuthProvider, code: str, verifier: str, timeout: float
) -> tuple[int, object] | str:
    """POST the code to the token endpoint: (HTTP status, JSON body), or the failure's type.

    The failure is returned, not raised, so that no traceback holds this frame and its
    form (the code, the PKCE verifier, the client secret).
    """
    import httpx

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": provider.redirect_uri,
        "client_id": provider.client_id,
        "code_verifier": verifier,
    }
    if provider.client_secret is not None:
        form["client_secret"] = provider.client_secret.get_secret_value()
    try:
        response = httpx.post(
            provider.token_url, data=form, headers={"Accept": "application/json"}, timeout=timeout
        )
        return response.status_code, response.json()
    except Exception as err:  # the network, a body that is not JSON, anything: fail closed
        return type(err).__name__


_ERROR_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def _error_code(value: str) -> str:
    """The callback's ``error`` code if it looks like one, else ``"malformed"`` (never logged raw)."""
    return value if _ERROR_CODE.fullmatch(value) else "malformed"
