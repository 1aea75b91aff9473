"""The authorizer protocol: how a consent request is put to the user.

An authorizer turns a :class:`~scopecast.runtime.ConsentRequest` into the user's answer. In
**blocking** mode the guard calls :meth:`Authorizer.authorize` and waits; in **pausing**
mode it calls :meth:`Authorizer.consent_urls`, saves the run, and raises
:class:`~scopecast.exceptions.AuthorizationRequired` with those URLs; the application later
turns the user's answer into a :class:`~scopecast.runtime.Grant` and calls ``resume``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from scopecast.runtime._consent import ConsentRequest, Grant

__all__ = ["Authorizer"]


@runtime_checkable
class Authorizer(Protocol):
    """Asks the user for scopes: OAuth 2.0 consent, a console prompt, a custom UI.

    Implementations must never put a token value, an authorization code or a PKCE verifier
    in a log record, an exception message, a ``repr`` or the returned :class:`Grant`.
    """

    def authorize(self, request: ConsentRequest) -> Grant:
        """Ask the user now and wait for the answer (blocking mode).

        Raises
        ------
        AuthorizerError
            If the consent could not be completed (the call is then refused).
        ScopeRequestTimeout
            If the user did not answer in time.
        """
        ...

    def consent_urls(self, request: ConsentRequest) -> dict[str, str]:
        """One URL per provider where the user can give this consent (pausing mode).

        Return an empty mapping when the authorizer has no URLs (e.g. a console prompt).
        """
        ...
