"""Checks of an :class:`OAuthProvider`'s settings that would otherwise weaken or break consent.

* ``extra_params`` cannot set a parameter the authorizer sets itself: ``code_challenge_method``
  ``plain`` would silently downgrade PKCE, and ``state``, ``scope``, ``redirect_uri``...
  failed at consent time with a ``TypeError``.
* The token endpoint receives the authorization code, the PKCE verifier and the client
  secret, and the authorization endpoint the user's login: both must be ``https`` (plain
  ``http`` only on loopback, for local servers). A ``redirect_uri`` carries the code back:
  ``http`` only on loopback (RFC 8252), ``https`` or a private-use scheme otherwise.
* A provider scope string holds no whitespace: scopes are space-separated on the wire (nor a
  comma where the provider separates them with commas).
* ``token_field`` names one key of the token response.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = [
    "check_endpoint",
    "check_extra_params",
    "check_redirect_uri",
    "check_scope_map",
    "check_scope_separators",
    "check_token_field",
]

RESERVED_PARAMS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "user_scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "include_granted_scopes",
    }
)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_extra_params(params: Mapping[str, str]) -> None:
    """Raise ``ValueError`` if ``params`` sets a parameter the authorizer sets."""
    clash = sorted(RESERVED_PARAMS & set(params))
    if clash:
        raise ValueError(
            f"extra_params cannot set {clash}: the authorizer sets them (PKCE S256, the signed "
            f"state, the scopes, the redirect URI). Remove them from extra_params."
        )


def check_endpoint(url: str, what: str) -> None:
    """Raise ``ValueError`` unless ``url`` is https, or http on a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return
    raise ValueError(
        f"{what} must be an https URL (http only on 127.0.0.1, ::1 or localhost), since it "
        f"receives secrets; got scheme {parts.scheme!r} and host {parts.hostname!r}."
    )


def check_redirect_uri(url: str) -> None:
    """Raise ``ValueError`` for an http redirect URI that is not on loopback, or a relative one."""
    parts = urlsplit(url)
    if not parts.scheme:
        raise ValueError(f"redirect_uri must be an absolute URI; got {url!r}.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            "redirect_uri carries the authorization code: use https, an http URI only on "
            f"127.0.0.1, ::1 or localhost (RFC 8252), or a private-use scheme; got {url!r}."
        )


def check_scope_map(scope_map: Mapping[str, str]) -> None:
    """Raise ``ValueError`` if a provider scope string is empty or holds whitespace."""
    bad = sorted(
        name for name, native in scope_map.items() if not native or native.split() != [native]
    )
    if bad:
        raise ValueError(
            f"scope_map gives {bad} an empty provider scope or one with whitespace; OAuth "
            f"scopes are space-separated, so map each scopecast scope to one provider scope."
        )


def check_scope_separators(
    scope_map: Mapping[str, str], native_prefix: str, *separators: str
) -> None:
    """Raise ``ValueError`` if a provider scope string would split at a comma separator.

    ``separators``: how the provider separates scopes, in the authorization URL and in the
    token response; a comma in either splits a mapped string there.
    """
    if "," not in separators:
        return
    bad = sorted(name for name, native in scope_map.items() if "," in native)
    if "," in native_prefix:
        bad.append("native_prefix")
    if bad:
        raise ValueError(
            f"scope_map or native_prefix gives {bad} a provider scope with a comma, but this "
            f"provider separates scopes with commas (request_scope_separator or "
            f"token_scope_separator ','): it would ask or read other scopes. Fix the scope "
            f"strings or the separator."
        )


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def check_token_field(field: str | None) -> None:
    """Raise ``ValueError`` unless ``field`` is ``None`` or one JSON key (``authed_user``)."""
    if field is not None and not _FIELD.fullmatch(field):
        raise ValueError(
            "token_field must name one key of the token response, such as 'authed_user' (a "
            "Slack user token); letters, digits and '_' only."
        )
