"""Checking what :class:`~scopecast.runtime.ScopeGuard` and its ``start`` are given.

A wrong argument here used to pass unnoticed until much later (a context value that is not
text let the agent run, then failed when the finished run was recorded) or to fail with an
error about something else (a catalogue's path: ``AttributeError``); each check raises a
:class:`~scopecast.exceptions.ConfigError` that says what to pass instead.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from scopecast._issues import short_repr
from scopecast._types import SCOPE_PATTERN
from scopecast.catalogue import Catalogue
from scopecast.exceptions import ConfigError
from scopecast.runtime._consent import refuse_one_string
from scopecast.scoring import ScopeScorer

__all__ = [
    "check_catalogue",
    "check_context",
    "check_options",
    "scope_names",
    "warn_unknown_scopes",
]

logger = logging.getLogger("scopecast.runtime._guard")


_SCOPE = re.compile(SCOPE_PATTERN)


def check_catalogue(catalogue: object) -> None:
    """Fail on a catalogue's path (or anything else) passed for the Catalogue itself."""
    if isinstance(catalogue, Catalogue):
        return
    how = (
        f"load it first: ScopeGuard(scopecast.load_catalogue({str(catalogue)!r}), ...)"
        if isinstance(catalogue, str | Path)
        else "load one with scopecast.load_catalogue(path)"
    )
    raise ConfigError(
        f"ScopeGuard needs a Catalogue as its first argument; got "
        f"{type(catalogue).__name__}: {how}."
    )


def check_options(
    grant_ttl: float | None,
    consent_timeout: float | None,
    authorizer: object,
    scorer: object,
) -> None:
    """Fail at construction on options that would fail every consent or batch later: a grant
    expired before its call ran asked again until the consent rounds ran out, a negative
    timeout timed every waiting parallel call out at once, a function passed as the
    authorizer failed each consent, and an object without ``predict_scopes`` as the scorer
    failed each batch, said only in a log."""
    # Here, not at the top: PreAuthorizer.plan imports this module (check_context), and the
    # planning path loads no authorizer.
    from scopecast.runtime._authorizers._protocol import Authorizer

    if grant_ttl is not None and not grant_ttl > 0:
        raise ConfigError(
            f"ScopeGuard's grant_ttl is the seconds a grant lasts: a positive number, or "
            f"None for grants held until revoked. Got {grant_ttl}."
        )
    if consent_timeout is not None and not consent_timeout > 0:
        raise ConfigError(
            f"ScopeGuard's consent_timeout is the seconds a call waits for a consent asked "
            f"by a parallel call: a positive number, or None to wait. Got {consent_timeout}."
        )
    if authorizer is not None and not isinstance(authorizer, Authorizer):
        raise ConfigError(
            f"ScopeGuard's authorizer must have authorize(request) and "
            f"consent_urls(request); got a {type(authorizer).__name__}. For a function "
            f"that answers consent requests, pass CallbackAuthorizer(fn)."
        )
    if scorer is not None and not isinstance(scorer, ScopeScorer):
        # Otherwise each interruption's batch fails (AttributeError), said only in a log.
        raise ConfigError(
            f"ScopeGuard's scorer must have predict_scopes(inputs) (a ScopeScorer, such as "
            f"a model loaded from a `scopecast train` directory); got a "
            f"{type(scorer).__name__}. With a PreAuthorizer, make the guard with "
            f"pre.guard(...), which passes its model."
        )


def check_context(context: object, where: str = "ScopeGuard.start") -> None:
    """Fail at once on a context a trace could not hold (a value 5 or None): ``start``
    accepted it, the agent ran, and recording the finished run raised. ``where`` names the
    call in the message (``PreAuthorizer.plan`` checks its context with this too)."""
    if context is None:
        return
    if not isinstance(context, Mapping):
        raise ConfigError(
            f"{where} needs context as a mapping of str to str (e.g. "
            f"{{'domain': 'work'}}); got {type(context).__name__}."
        )
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ConfigError(
                f"{where} needs context as a mapping of str to str; {key!r}: "
                f"{value!r} is not (write the value as text, or leave the field out)."
            )


def scope_names(scopes: object, name: str, *, method: str = "start") -> frozenset[str]:
    """``scopes`` (``upfront=`` or ``granted=`` of ``start``, the scopes of ``revoke``) as a set
    of scope names, or a ConfigError saying what to pass (a plan, a ProviderConsent, one
    string: read as its characters, it named no scope and was lost without a word).

    What is quoted back is a scope name or :func:`~scopecast._issues.short_repr` of it, never
    a value that may be a token passed by mistake."""
    where = f"ScopeGuard.{method} needs {name} as a collection of scope names"
    refuse_one_string(scopes, f"ScopeGuard.{method}", name, "['google:gmail.send']")
    if not isinstance(scopes, Iterable):
        hint = " (pass plan.upfront_scopes)" if hasattr(scopes, "upfront_scopes") else ""
        raise ConfigError(f"{where}; got {type(scopes).__name__}{hint}.")
    items = list(scopes)
    odd = sorted({type(item).__name__ for item in items if not isinstance(item, str)})
    if odd:
        raise ConfigError(
            f"{where} (str); it holds {', '.join(odd)} (for a plan, pass plan.upfront_scopes)."
        )
    malformed = sorted(item for item in items if not _SCOPE.fullmatch(item) or len(item) > 256)
    if malformed:
        raise ConfigError(
            f"ScopeGuard.{method} needs {name} as scope names 'provider:name' (e.g. "
            f"'google:gmail.send'); got {', '.join(map(short_repr, malformed[:5]))}."
        )
    return frozenset(items)


def warn_unknown_scopes(asked: frozenset[str], catalogue: Catalogue) -> None:
    """Log the upfront scopes the catalogue does not know (no tool of it needs them, so they
    are asked for nothing), each with the catalogue's scope it reads like: a misspelt
    ``upfront=`` otherwise asks the user for a scope no call will use, without a word."""
    for scope in sorted(asked - catalogue.all_scopes):
        close = difflib.get_close_matches(scope, sorted(catalogue.all_scopes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        logger.warning(
            "upfront scope %r is not in the catalogue: no tool needs it, yet it is asked%s",
            scope,
            hint,
        )
