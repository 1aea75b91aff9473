"""One OAuth 2.0 provider's settings: endpoints, client, redirect URI and scope strings.

:class:`OAuthProvider` says how to ask one provider for scopes (authorization code + PKCE)
and translates between scopecast's scope names and the provider's own scope strings, both
ways; its settings are checked when it is made (:mod:`._provider_checks`), so that a
setting that would weaken consent fails at start-up, not at the first consent.

Providers differ from RFC 6749 in ways that would otherwise fail without a word, so the
settings say how: Google names scopes by URL (``native_prefix``) and consents incrementally;
GitHub answers ``scope`` with commas; Slack asks a *user* token's scopes in ``user_scope``,
comma-separated, and answers the user token inside ``authed_user`` (its top-level token is
the bot's). :meth:`OAuthProvider.google`, :meth:`~OAuthProvider.github` and
:meth:`~OAuthProvider.slack_user` set them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scopecast.exceptions import ConfigError
from scopecast.runtime._authorizers._provider_checks import (
    check_endpoint,
    check_extra_params,
    check_redirect_uri,
    check_scope_map,
    check_scope_separators,
    check_token_field,
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
    scope_parameter: Literal["scope", "user_scope"] = Field(
        default="scope",
        description="The authorization URL parameter that carries the scopes: 'scope' (RFC "
        "6749), or 'user_scope' for the scopes of a Slack user token (Slack's 'scope' asks "
        "the bot's).",
    )
    request_scope_separator: Literal[" ", ","] = Field(
        default=" ",
        description="How the authorization URL separates scopes: ' ' (RFC 6749) or ',' (Slack).",
    )
    token_field: str | None = Field(
        default=None,
        description="The object of the token response that holds the token, its scope and "
        "expiry, when not the response itself: 'authed_user' for a Slack user token.",
    )
    native_prefix: str = Field(
        default="",
        description="Put before the part after 'provider:' to make a scope's provider string "
        "when scope_map does not name it: 'https://www.googleapis.com/auth/' makes "
        "'google:gmail.send' ask Google's 'https://www.googleapis.com/auth/gmail.send'.",
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

    @field_validator("token_field")
    @classmethod
    def _token_field(cls, field: str | None) -> str | None:
        check_token_field(field)
        return field

    @field_validator("native_prefix")
    @classmethod
    def _native_prefix(cls, prefix: str) -> str:
        if prefix and prefix.split() != [prefix]:
            raise ValueError(
                "native_prefix holds whitespace: scopes are space-separated on the wire, so "
                "the provider scope strings it makes would split. Remove the whitespace."
            )
        return prefix

    @model_validator(mode="after")
    def _separators(self) -> OAuthProvider:
        check_scope_separators(
            self.scope_map,
            self.native_prefix,
            self.request_scope_separator,
            self.token_scope_separator,
        )
        return self

    @field_validator("extra_params")
    @classmethod
    def _extra_params(cls, params: dict[str, str]) -> dict[str, str]:
        check_extra_params(params)
        return params

    # -- presets -------------------------------------------------------------------------

    @classmethod
    def google(cls, *, client_id: str, redirect_uri: str, **settings: Any) -> OAuthProvider:
        """Google (``google:...`` scopes): incremental consent, scopes named by URL.

        ``google:gmail.send`` asks ``https://www.googleapis.com/auth/gmail.send``; map the
        scopes Google names otherwise (``https://mail.google.com/``) in ``scope_map``. Any
        setting can be given or overridden in ``settings`` (``client_secret``, which Google's
        token endpoint wants of web and desktop clients even with PKCE,
        ``extra_params={"access_type": "offline"}`` for a refresh token, ...).

        Examples
        --------
        >>> g = OAuthProvider.google(client_id="1.apps.googleusercontent.com",
        ...                          redirect_uri="http://127.0.0.1:8765/callback")
        >>> g.native("google:gmail.send"), sorted(g.scopecast_names(g.native("google:drive.file")))
        ('https://www.googleapis.com/auth/gmail.send', ['google:drive.file'])
        """
        preset: dict[str, Any] = {
            "name": "google",
            "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
            "token_url": "https://oauth2.googleapis.com/token",
            "include_granted_scopes": True,
            "native_prefix": "https://www.googleapis.com/auth/",
        }
        return cls(**{**preset, "client_id": client_id, "redirect_uri": redirect_uri, **settings})

    @classmethod
    def github(cls, *, client_id: str, redirect_uri: str, **settings: Any) -> OAuthProvider:
        """A GitHub OAuth app (``github:repo``, ``github:read:org``): scopes answered with commas.

        GitHub's token endpoint wants the app's ``client_secret`` even with PKCE, and answers
        a refused code with HTTP 200 and an ``error`` (refused all the same).

        Examples
        --------
        >>> gh = OAuthProvider.github(client_id="Iv1.abc", redirect_uri="https://app/cb")
        >>> gh.native("github:read:org"), gh.token_scope_separator
        ('read:org', ',')
        """
        preset: dict[str, Any] = {
            "name": "github",
            "authorize_url": "https://github.com/login/oauth/authorize",
            "token_url": "https://github.com/login/oauth/access_token",
            "token_scope_separator": ",",
        }
        return cls(**{**preset, "client_id": client_id, "redirect_uri": redirect_uri, **settings})

    @classmethod
    def slack_user(cls, *, client_id: str, redirect_uri: str, **settings: Any) -> OAuthProvider:
        """Slack, a *user* token acting for the person (``slack:chat:write``, ...), OAuth v2.

        The scopes go in ``user_scope``, comma-separated; the token comes back in the
        response's ``authed_user`` with its comma-separated ``scope`` (the top-level token, if
        any, is the app's bot token, which this consent does not ask for). Slack apps are
        confidential clients: pass ``client_secret``.

        Examples
        --------
        >>> s = OAuthProvider.slack_user(client_id="1.2", redirect_uri="https://app/cb")
        >>> s.native("slack:chat:write"), s.scope_parameter, s.token_field
        ('chat:write', 'user_scope', 'authed_user')
        """
        preset: dict[str, Any] = {
            "name": "slack",
            "authorize_url": "https://slack.com/oauth/v2/authorize",
            "token_url": "https://slack.com/api/oauth.v2.access",
            "scope_parameter": "user_scope",
            "request_scope_separator": ",",
            "token_scope_separator": ",",
            "token_field": "authed_user",
        }
        return cls(**{**preset, "client_id": client_id, "redirect_uri": redirect_uri, **settings})

    # -- scope strings ---------------------------------------------------------------------

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
        return self.native_prefix + scope[len(prefix) :]

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
        if not native.startswith(self.native_prefix):
            return frozenset(names)  # no default name makes it: only scope_map can
        default = f"{self.name}:{native[len(self.native_prefix) :]}"
        if default not in self.scope_map:
            names.add(default)
        return frozenset(names)
