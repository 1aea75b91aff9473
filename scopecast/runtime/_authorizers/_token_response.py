"""Read a token endpoint's JSON answer (RFC 6749 5.1) as a :class:`ProviderToken`, failing closed.

What the token carries decides what the run may do, so every field is checked for its type:
an access token that is not a non-empty string is no token; a ``scope`` that is neither a
string (space-separated, or as ``OAuthProvider.token_scope_separator`` says) nor a list of
strings grants nothing; an ``expires_in`` that is not a
finite, non-negative number of seconds (a decimal string such as ``"3599"`` counts, as some
providers send it) refuses the token, since the grant could otherwise outlive it. No message
or log record quotes a value of the response.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scopecast.exceptions import AuthorizerError
from scopecast.runtime._authorizers._oauth_state import StateClaims
from scopecast.runtime._authorizers._tokens import ProviderToken

if TYPE_CHECKING:
    from scopecast.runtime._authorizers._oauth_provider import OAuthProvider

__all__ = ["token_from"]

logger = logging.getLogger(__name__)

_MISSING = object()


def token_from(
    data: Mapping[str, object], provider: OAuthProvider, claims: StateClaims
) -> ProviderToken:
    """The token of a successful token response (see the module docstring).

    Raises
    ------
    AuthorizerError
        If the response has no usable access token or an unreadable ``expires_in``.
    """
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthorizerError(
            f"The {provider.name} token endpoint answered without an access token (the field "
            f"is empty or not a string); the consent was not completed. Ask the user again."
        )
    refresh = data.get("refresh_token")
    token_type = data.get("token_type")
    return ProviderToken(
        provider=provider.name,
        run_id=claims.run_id,
        request_id=claims.request_id,
        scopes=_scopes(data.get("scope", _MISSING), provider, claims),
        access_token=access,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=_expires_at(data.get("expires_in"), provider.name),
    )


def _scopes(raw: object, provider: OAuthProvider, claims: StateClaims) -> frozenset[str]:
    if isinstance(raw, str):
        separator = None if provider.token_scope_separator == " " else ","
        natives: list[object] = [s.strip() for s in raw.split(separator)]
        if separator is None and "," in raw:
            # Providers' scope strings hold no comma, but some providers (GitHub) separate
            # scopes with commas: the consent would otherwise count as a refusal, unexplained.
            logger.warning(
                "%s token response separates its scopes with commas, so it grants none of "
                "them; set token_scope_separator=',' on this OAuthProvider",
                provider.name,
            )
    elif isinstance(raw, list):
        natives = list(raw)
    elif raw is _MISSING and provider.omitted_scope_means_requested:
        return frozenset(claims.scopes)  # RFC 6749 5.1: omitted when identical to the request
    elif raw is _MISSING:  # fail closed: a server may also omit it when it granted nothing
        logger.warning(
            "%s token response names no scope; counting it as granting none "
            "(set omitted_scope_means_requested=True if this provider omits it when unchanged)",
            provider.name,
        )
        return frozenset()
    else:
        natives = [raw]
    if not all(isinstance(s, str) for s in natives):
        logger.warning(
            "%s token response has a 'scope' that is not a string or a list of strings; "
            "counting it as granting none",
            provider.name,
        )
        return frozenset()
    return frozenset(n for s in natives for n in provider.scopecast_names(str(s)) if s)


def _expires_at(raw: object, provider: str) -> float | None:
    if raw is None:
        return None
    seconds = math.nan
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        seconds = float(raw)
    elif isinstance(raw, str) and raw.strip().isdecimal():
        seconds = float(raw.strip())
    if not (math.isfinite(seconds) and seconds >= 0):
        raise AuthorizerError(
            f"The {provider} token endpoint gave an 'expires_in' that is not a number of "
            f"seconds, so how long the grant lasts is unknown; the consent was not completed "
            f"(the token was dropped). Fix the provider's answer, then ask again."
        )
    return time.time() + seconds
