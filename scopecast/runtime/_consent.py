"""What the guard asks the user for (:class:`ConsentRequest`) and what comes back (:class:`Grant`).

A consent request is made at the start (upfront scopes, tool :data:`START_TOOL`) or at a
call that misses scopes (the missing scopes plus the policy's just-in-time batch). The
answer names the scopes the user granted; every requested scope not granted counts as
refused. Neither type ever holds a token value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scopecast._issues import short_repr
from scopecast._types import provider_of
from scopecast.exceptions import ConfigError

__all__ = ["START_TOOL", "ConsentRequest", "Grant", "ToolCall", "group_by_provider"]

START_TOOL = "<start>"
"""The ``tool`` of the consent asked before the agent starts (the upfront scopes)."""


def group_by_provider(scopes: Iterable[str]) -> dict[str, frozenset[str]]:
    """Group scope names by provider (one consent screen each), providers sorted."""
    groups: dict[str, set[str]] = {}
    for scope in scopes:
        groups.setdefault(provider_of(scope), set()).add(scope)
    return {provider: frozenset(groups[provider]) for provider in sorted(groups)}


@dataclass(frozen=True)
class ToolCall:
    """One call that waits for a consent, as a framework integration describes it.

    Passed to :meth:`ScopeGuard.authorize(..., call=) <scopecast.runtime.ScopeGuard.authorize>`
    and handed to the authorizer in :attr:`ConsentRequest.calls`, for a consent screen that
    names the call. Held in memory only: the run store and traces never hold it.

    Attributes
    ----------
    tool : str
        The call's catalogue tool name.
    call_id : str or None
        The framework's id of the call (LangChain's tool-call id).
    name : str or None
        The framework's name of the tool (as the model called it).
    args : mapping or None
        The call's arguments (may be sensitive; left out of ``repr``), ``None`` if not given.
    """

    tool: str
    call_id: str | None = None
    name: str | None = None
    args: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ConsentRequest:
    """One consent the user is asked for: one screen per provider in :attr:`requested`.

    Attributes
    ----------
    run_id : str
        The run that asks.
    request_id : str
        Unique id of this request; a :class:`Grant` answers it by this id.
    tool : str
        The tool whose call needs the scopes, or :data:`START_TOOL` before the start.
    missing : frozenset[str]
        Scopes the call cannot run without (empty before the start).
    requested : frozenset[str]
        What the consent asks for: ``missing`` plus the just-in-time batch (or the upfront set).
    granted : frozenset[str]
        Scopes the run already holds; OAuth authorizers ask for the union (incremental consent).
    calls : tuple[ToolCall, ...]
        The calls that wait for this consent, the one that asked first first (those an
        integration described: :meth:`ScopeGuard.authorize` with ``call=``); empty before
        the start. Never stored.
    ended_grants : frozenset[str]
        The ids of this run's earlier consent requests whose grants of ``missing`` scopes
        (or of scopes implying one) have ended (revoked or expired): the call asks those
        scopes again, and that is a new question, which an answer to the earlier one must
        not answer (LangGraph's ``consent_id`` includes them). Empty when none ended.
    """

    run_id: str
    request_id: str
    tool: str
    missing: frozenset[str]
    requested: frozenset[str]
    granted: frozenset[str] = field(default_factory=frozenset)
    calls: tuple[ToolCall, ...] = field(default=(), repr=False, compare=False)
    ended_grants: frozenset[str] = field(default_factory=frozenset)

    @property
    def by_provider(self) -> dict[str, frozenset[str]]:
        """The requested scopes grouped by provider (one consent screen each)."""
        return group_by_provider(self.requested)

    @property
    def is_upfront(self) -> bool:
        """Whether this is the consent asked before the agent starts."""
        return self.tool == START_TOOL


@dataclass(frozen=True)
class Grant:
    """The user's answer to one consent request: the scopes granted (possibly fewer than asked).

    Attributes
    ----------
    request_id : str
        The :attr:`ConsentRequest.request_id` this answers.
    granted : frozenset[str]
        Scopes the user granted. Requested scopes not in it are recorded as refused.
    expires_at : float or None
        When the grant ends (UTC epoch seconds), e.g. from the token's ``expires_in``; a
        number, ``inf`` for no end (as ``None``). NaN, text or a bool raises ``ConfigError``:
        a grant whose end is unknown must not be held as one that never ends.
    providers : frozenset[str] or None
        The providers whose consent screens this answers (an OAuth callback answers one);
        ``None``: every provider of the request. A paused request resolves when each of its
        providers answered, so one provider's callback does not refuse another's scopes.
    """

    request_id: str
    granted: frozenset[str] = field(default_factory=frozenset)
    expires_at: float | None = None
    providers: frozenset[str] | None = None

    def __post_init__(self) -> None:
        end = self.expires_at
        if end is not None and (
            isinstance(end, bool) or not isinstance(end, int | float) or math.isnan(end)
        ):
            # The store keeps a NaN as NULL in SQLite: the grant would never end (fail open).
            shown = "NaN" if isinstance(end, float) else f"a {type(end).__name__}"
            raise ConfigError(
                f"A Grant's expires_at is when it ends, in UTC epoch seconds (a number), or "
                f"None; got {shown}. Nothing was granted: compute it from the token's "
                f"lifetime, or pass None."
            )

    @classmethod
    def of(
        cls,
        request_id: str,
        granted: Iterable[str],
        *,
        expires_at: float | None = None,
        providers: Iterable[str] | None = None,
    ) -> Grant:
        """Build a grant from any iterable of scope names (and of providers answered).

        Raises
        ------
        ConfigError
            If ``granted`` or ``providers`` is a single string: it would be read as its
            characters, and every requested scope then recorded as refused.
        """
        refused = " (and the requested scopes recorded as refused)"
        refuse_one_string(
            granted, "Grant.of", "granted", "['google:gmail.send']", consequence=refused
        )
        if providers is not None:
            refuse_one_string(providers, "Grant.of", "providers", "['google']")
        return cls(
            request_id=request_id,
            granted=frozenset(granted),
            expires_at=expires_at,
            providers=None if providers is None else frozenset(providers),
        )

    def merge(self, other: Grant) -> Grant:
        """Combine the answers of two providers' consents for the same request."""
        if other.request_id != self.request_id:
            raise ValueError(
                f"Cannot merge grants of different requests ({self.request_id!r} and "
                f"{other.request_id!r}); merge only the per-provider answers of one request."
            )
        ends = [e for e in (self.expires_at, other.expires_at) if e is not None]
        providers = (
            None
            if self.providers is None or other.providers is None
            else self.providers | other.providers
        )
        return Grant(
            self.request_id, self.granted | other.granted, min(ends) if ends else None, providers
        )


def refuse_one_string(
    names: object, where: str, what: str, example: str, *, consequence: str = ""
) -> None:
    """Raise ``ConfigError`` if ``names`` is one string where a collection of names is due:
    iterated, it would be its characters, none of them a name. The string is quoted with
    :func:`~scopecast._issues.short_repr` (a token passed by mistake is not shown)."""
    if isinstance(names, str):
        shown = short_repr(names)
        fix = f"write {{{shown}}}" if shown == repr(names) else "wrap it in a list"
        raise ConfigError(
            f"{where} needs {what} as a collection of names, e.g. {example}; got the single "
            f"string {shown}, which would be read as its characters{consequence}: {fix}."
        )
