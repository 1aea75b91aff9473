"""The runtime: what an agent developer calls before the agent starts and on every tool call.

- :class:`PreAuthorizer`: before the start, the :class:`AuthorizationPlan` (upfront scopes
  by provider, each with probability and reason; the rest left to the point of execution);
- :class:`ScopeGuard`: the point-of-execution guard (blocking or pausing mode) with
  :class:`Run` handles, durable pause/resume through a :class:`RunStore`;
- :class:`Authorizer` and its implementations: how consent is asked;
- :class:`TraceRecorder`: finished runs written back as traces.

Light imports only: no scikit-learn, pandas or MLflow (this runs before every agent start).
Only planning is imported up front; the guard, the run store (SQLAlchemy), consent,
authorizers and records are imported on first use, so that a process that only plans
(``from scopecast.runtime import PreAuthorizer``) does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from scopecast.runtime._compact import CompactScorer
from scopecast.runtime._compact_files import CompactBundle, load_compact, load_scorer
from scopecast.runtime._plan import AuthorizationPlan, PlannedScope, ProviderConsent
from scopecast.runtime._preauthorizer import PreAuthorizer

if TYPE_CHECKING:
    from scopecast.runtime._answer_claims import AnswerClaim
    from scopecast.runtime._authorizers._callback import CallbackAuthorizer
    from scopecast.runtime._authorizers._console import ConsoleAuthorizer
    from scopecast.runtime._authorizers._loopback import LoopbackRedirect
    from scopecast.runtime._authorizers._oauth import OAuthAuthorizer
    from scopecast.runtime._authorizers._oauth_provider import OAuthProvider
    from scopecast.runtime._authorizers._protocol import Authorizer
    from scopecast.runtime._authorizers._tokens import ProviderToken
    from scopecast.runtime._consent import (
        START_TOOL,
        ConsentRequest,
        Grant,
        ToolCall,
        group_by_provider,
    )
    from scopecast.runtime._guard import GuardMode, ScopeGuard
    from scopecast.runtime._recorder import TraceRecorder
    from scopecast.runtime._records import (
        CallRecord,
        GrantRecord,
        PendingRequest,
        Resolution,
        RunRecord,
        RunStatus,
    )
    from scopecast.runtime._run import Run
    from scopecast.runtime._store import DEFAULT_STORE_URL, RunStore

_LAZY = {
    "AnswerClaim": "scopecast.runtime._answer_claims",
    "Authorizer": "scopecast.runtime._authorizers._protocol",
    "CallRecord": "scopecast.runtime._records",
    "CallbackAuthorizer": "scopecast.runtime._authorizers._callback",
    "ConsentRequest": "scopecast.runtime._consent",
    "ConsoleAuthorizer": "scopecast.runtime._authorizers._console",
    "DEFAULT_STORE_URL": "scopecast.runtime._store",
    "Grant": "scopecast.runtime._consent",
    "GrantRecord": "scopecast.runtime._records",
    "GuardMode": "scopecast.runtime._guard",
    "LoopbackRedirect": "scopecast.runtime._authorizers._loopback",
    "OAuthAuthorizer": "scopecast.runtime._authorizers._oauth",
    "OAuthProvider": "scopecast.runtime._authorizers._oauth_provider",
    "PendingRequest": "scopecast.runtime._records",
    "Resolution": "scopecast.runtime._records",
    "ProviderToken": "scopecast.runtime._authorizers._tokens",
    "Run": "scopecast.runtime._run",
    "RunRecord": "scopecast.runtime._records",
    "RunStatus": "scopecast.runtime._records",
    "RunStore": "scopecast.runtime._store",
    "START_TOOL": "scopecast.runtime._consent",
    "ScopeGuard": "scopecast.runtime._guard",
    "ToolCall": "scopecast.runtime._consent",
    "TraceRecorder": "scopecast.runtime._recorder",
    "group_by_provider": "scopecast.runtime._consent",
}
"""Public names that planning does not need (the guard, its store (SQLAlchemy), consent,
authorizers, records): imported by :func:`__getattr__` on first use."""

__all__ = [
    "DEFAULT_STORE_URL",
    "START_TOOL",
    "AnswerClaim",
    "AuthorizationPlan",
    "Authorizer",
    "CallRecord",
    "CallbackAuthorizer",
    "CompactBundle",
    "CompactScorer",
    "ConsentRequest",
    "ConsoleAuthorizer",
    "Grant",
    "GrantRecord",
    "GuardMode",
    "LoopbackRedirect",
    "OAuthAuthorizer",
    "OAuthProvider",
    "PendingRequest",
    "PlannedScope",
    "PreAuthorizer",
    "ProviderConsent",
    "ProviderToken",
    "Resolution",
    "Run",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "ScopeGuard",
    "ToolCall",
    "TraceRecorder",
    "group_by_provider",
    "load_compact",
    "load_scorer",
]


def __getattr__(name: str) -> object:
    """Import a name that planning does not need on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scopecast.runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
