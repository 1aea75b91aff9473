"""Domain type aliases shared across scopecast.

A scope string is ``provider:name`` (``google:gmail.send``, ``slack:chat:write``); the
provider is everything before the first ``:``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

SCOPE_PATTERN = r"^[A-Za-z0-9_.\-]+:[!#-Z^-~]+$"
"""``provider:name``: a provider of ASCII letters, digits and ``_.-``; a name of the characters
of an OAuth scope-token (RFC 6749 3.3: printable ASCII but space, double quote and
backslash), less ``[`` and ``]`` (console markup), so that a provider's own scope strings
(``patient/*.read``, ``https://graph.microsoft.com/.default``) can be scopecast names as
they are."""

Scope = Annotated[str, StringConstraints(pattern=SCOPE_PATTERN, min_length=3, max_length=256)]
"""A scope string ``provider:name``."""

ToolName = Annotated[str, StringConstraints(min_length=1, max_length=512)]
"""A tool name as the agent's toolset names it."""

Provider = str
"""The part of a scope before its first ``:``; one consent screen per provider."""

CallStatus = Literal["ok", "error", "denied"]
"""Outcome of one tool call: ``denied`` means the user refused a scope at the point of execution."""


def provider_of(scope: str) -> Provider:
    """Return the provider of ``scope`` (everything before the first ``:``).

    Examples
    --------
    >>> provider_of("slack:chat:write")
    'slack'
    """
    provider, sep, _ = scope.partition(":")
    if not sep or not provider:
        raise ValueError(
            f"Scope {scope!r} has no provider. Expected 'provider:name', e.g. 'google:gmail.send'."
        )
    return provider
