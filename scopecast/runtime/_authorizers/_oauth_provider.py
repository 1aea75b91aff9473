"""One OAuth 2.0 provider's settings: endpoints, client, redirect URI and scope strings.

:class:`OAuthProvider` says how to ask one provider for scopes (authorization code + PKCE)
and translates between scopecast's scope names and the provider's own scope strings, both
ways; its settings are checked when it is made (:mod:`._provider_checks`), so that a
setting that would weaken consent fails at start-up, not at the first consent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from scopecast.exceptions import ConfigError
from scopecast.runtime._authorizers._provider_checks import (
    check_endpoint,
    check_extra_params,
    check_redirect_uri,
    check_scope_map,
)

__all__ = ["OAuthProvider"]


class OAuthProvider(BaseModel):
    """How to ask one provider for scopes with OAuth 2.0 authorization code + PKCE.

    Examples
    --------
    >>> google = OAuthProvider(
    ...     name="google",
    ...     authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    ...     token_url="https://oauth2.googleapis.com/token",
    ...     client_id="123.apps.googleusercontent.com",
    ...     redirect_uri="http://127.0.0.1:8765/callback",
    ...     scope_map={"google:gmail.send": "https://www.googleapis.com/auth/gmail.send"},
    ...     include_granted_scopes=True,
    ... )
    >>> google.native("google:gmail.send")
    'https://www.googleapis.com/auth/gmail.send'
    """

    # hide_input_in_errors: a validation error must not quote the client secret it refused
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: str = Field(description="The scopecast provider: the part of scope names before ':'.")
    authorize_url: str = Field(description="The provider's authorization endpoint.")
    token_url: str = Field(description="The provider's token endpoint.")
    client_id: str = Field(description="This application's client id at the provider.")
    client_secret: SecretStr | None = Field(
        default=None, description="For confidential clients (sent as client_secret_post)."
    )
    redirect_uri: str = Field(description="Where the provider sends the user back.")
    scope_map: dict[str, str] = Field(
        default_factory=dict,
        description="scopecast scope name -> provider scope string; default: the part after "
        "'provider:'.",
    )
    include_granted_scopes: bool = Field(
        default=False,
        description="Ask only the new scopes with include_granted_scopes=true (Google); "
        "otherwise ask the union with the scopes already granted.",
    )
    omitted_scope_means_requested: bool = Field(
        default=False,
        description="RFC 6749 lets a token response omit 'scope' when it equals the request. "
        "Default False (fail closed): an omitted scope grants nothing, because some servers "
        "also omit it when nothing was granted. Set True for providers known to omit it.",
    )
    token_scope_separator: Literal[" ", ","] = Field(
        default=" ",
        description="How the token response's 'scope' separates scopes: ' ' (RFC 6749) or ',' "
        "(GitHub OAuth apps answer 'repo,gist').",
    )
    extra_params: dict[str, str] = Field(
        default_factory=dict, description="More authorization URL parameters (access_type, ...)."
    )
    issuer: str | None = Field(
        default=None,
        description="The provider's issuer identifier, for providers that send 'iss' in the "
        "redirect (RFC 9207, e.g. https://accounts.google.com): a redirect without it, or with "
        "another, is refused before the code is exchanged (mix-up attacks between providers).",
    )

    @field_validator("authorize_url", "token_url")
    @classmethod
    def _secure_endpoint(cls, url: str, info: ValidationInfo) -> str:
        check_endpoint(url, str(info.field_name))
        return url

    @field_validator("redirect_uri")
    @classmethod
    def _redirect_uri(cls, url: str) -> str:
        check_redirect_uri(url)
        return url

    @field_validator("scope_map")
    @classmethod
    def _scope_map(cls, scope_map: dict[str, str]) -> dict[str, str]:
        check_scope_map(scope_map)
        return scope_map

    @field_validator("extra_params")
    @classmethod
    def _extra_params(cls, params: dict[str, str]) -> dict[str, str]:
        check_extra_params(params)
        return params

    def native(self, scope: str) -> str:
        """The provider's scope string for the scopecast scope ``scope``."""
        mapped = self.scope_map.get(scope)
        if mapped is not None:
            return mapped
        prefix = f"{self.name}:"
        if not scope.startswith(prefix):
            raise ConfigError(
                f"Scope {scope!r} does not belong to provider {self.name!r}; expected a name "
                f"starting with {prefix!r}."
            )
        return scope[len(prefix) :]

    def scopecast_names(self, native: str) -> frozenset[str]:
        """The scopecast scopes whose provider string is ``native``: the inverse of :meth:`native`.

        Several scopecast scopes may map to one provider scope (all of them are carried by
        a token that has it), and the default name ``provider:native`` counts only when
        ``scope_map`` does not map that name to another string.

        Examples
        --------
        >>> p = OAuthProvider(name="g", authorize_url="https://as/a", token_url="https://as/t",
        ...     client_id="c", redirect_uri="https://app/cb",
        ...     scope_map={"g:read": "mail", "g:search": "mail", "g:mail": "x"})
        >>> sorted(p.scopecast_names("mail")), sorted(p.scopecast_names("other"))
        (['g:read', 'g:search'], ['g:other'])
        """
        names = {name for name, mapped in self.scope_map.items() if mapped == native}
        default = f"{self.name}:{native}"
        if default not in self.scope_map:
            names.add(default)
        return frozenset(names)
