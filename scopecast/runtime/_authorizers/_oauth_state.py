"""Signed OAuth ``state`` values and the PKCE verifier derived from them.

The ``state`` sent to the provider carries what the callback needs (run, request, provider,
the scopes asked) and an HMAC-SHA256 signature under the application's secret key, so the
callback is checked (CSRF) and matched to its request without any server-side session. The
PKCE ``code_verifier`` is derived from the state with the same key: any process holding the
key can finish the exchange (resume in another process), and the verifier is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from scopecast.exceptions import AuthorizerError

__all__ = ["StateClaims", "derive_code_verifier", "sign_state", "verify_state"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class StateClaims:
    """What a signed state says: which run, request and provider, which scopes, when issued."""

    run_id: str
    request_id: str
    provider: str
    scopes: tuple[str, ...]
    issued_at: float


def sign_state(claims: StateClaims, key: bytes) -> str:
    """Encode and sign ``claims`` (with a random nonce) as a URL-safe state string."""
    payload = {
        "r": claims.run_id,
        "q": claims.request_id,
        "p": claims.provider,
        "s": list(claims.scopes),
        "t": round(claims.issued_at, 3),
        "n": secrets.token_urlsafe(12),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signature = _b64(hmac.new(key, b"state:" + body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{signature}"


def verify_state(state: str, key: bytes, *, max_age: float) -> StateClaims:
    """Check the signature and age of ``state`` and return its claims.

    Raises
    ------
    AuthorizerError
        If the state was not signed with ``key`` (forged, tampered, or another app's), is
        malformed, or is older than ``max_age`` seconds.
    """
    if not state.isascii():
        # Every state this module signs is URL-safe base64; anything else is not ours.
        raise AuthorizerError(
            "The OAuth callback's state is malformed: it holds non-ASCII characters, but a "
            "state signed by this application is URL-safe base64. The consent was not "
            "accepted; start it again from a fresh authorization URL."
        )
    body, _, signature = state.partition(".")
    expected = _b64(hmac.new(key, b"state:" + body.encode("ascii"), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise AuthorizerError(
            "The OAuth callback's state does not carry this application's signature (forged, "
            "tampered with, or issued with another secret key); the consent was not accepted. "
            "Start the consent again from a fresh authorization URL."
        )
    try:
        data = json.loads(_unb64(body))
        claims = StateClaims(
            run_id=str(data["r"]),
            request_id=str(data["q"]),
            provider=str(data["p"]),
            scopes=tuple(str(s) for s in data["s"]),
            issued_at=float(data["t"]),
        )
    except (ValueError, KeyError, TypeError) as err:
        raise AuthorizerError("The OAuth callback's state is malformed.") from err
    if time.time() - claims.issued_at > max_age:
        raise AuthorizerError(
            f"The OAuth callback's state is older than {max_age:.0f} s; the consent expired. "
            f"Ask the user again with a fresh authorization URL (guard.pending_consent(run_id))."
        )
    return claims


def derive_code_verifier(state: str, key: bytes) -> str:
    """The PKCE ``code_verifier`` of ``state``: 43 URL-safe characters (RFC 7636, 32 bytes)."""
    return _b64(hmac.new(key, b"pkce:" + state.encode("ascii"), hashlib.sha256).digest())
