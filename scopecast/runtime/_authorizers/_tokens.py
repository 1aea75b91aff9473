"""The tokens an OAuth consent yields, handed to the application and never shown or stored here."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ProviderToken"]


@dataclass(frozen=True)
class ProviderToken:
    """An access token of one provider for one run; its secret values never appear in ``repr``.

    scopecast passes it to the application's ``on_token`` callback and keeps nothing: where
    tokens live (a secrets manager, an encrypted column) is the application's business.

    Attributes
    ----------
    provider : str
        The scopecast provider (``google``, ``slack``, ...).
    run_id, request_id : str
        The run and consent request the token answers.
    scopes : frozenset[str]
        The scopecast scope names the token carries.
    access_token, refresh_token : str
        The secrets (excluded from ``repr``).
    token_type : str
        As the provider says: ``Bearer`` by RFC 6749 (its default when absent); a Slack user
        token says ``user`` and is sent as a bearer token too.
    expires_at : float or None
        UTC epoch seconds.
    """

    provider: str
    run_id: str
    request_id: str
    scopes: frozenset[str]
    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None

    def __str__(self) -> str:
        return repr(self)
