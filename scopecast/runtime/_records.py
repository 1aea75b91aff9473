"""What the run store holds about a run, as immutable records (no token values, ever).

A run is one agent execution: its task and context, its status (``running``, ``paused``,
``finished``), the scopes granted to it (each with an optional expiry and revocation), the
scopes the user refused, the consent request it waits for when paused, and the tool calls it
has made so far.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from scopecast._types import CallStatus
from scopecast.traces import Call, PlanStep

__all__ = [
    "CallRecord",
    "GrantRecord",
    "PendingRequest",
    "Resolution",
    "RunRecord",
    "RunStatus",
    "iso_utc",
]

RunStatus = Literal["running", "paused", "finished"]
"""Where a run is: running, paused waiting for consent, or finished."""


class Resolution(enum.IntEnum):
    """What ``RunStore.resolve_request`` did with an answer to a consent request.

    Falsy when nothing was recorded, like the ``bool`` it replaces. Only ``RESUMED`` hands
    the run to the caller: exactly one answer of a request can move its run from paused to
    running (a compare-and-set in the store), so exactly one resumer continues the agent.
    """

    ALREADY_ANSWERED = 0
    """Nothing recorded: the request is resolved, or these providers had answered it."""
    RECORDED = 1
    """The answer is recorded; the run was not resumed by it (other providers still to answer)."""
    RESUMED = 2
    """The answer is recorded and resolved the request: the run went from paused to running."""


def iso_utc(epoch: float) -> str:
    """Format epoch seconds as an ISO-8601 UTC timestamp, e.g. ``2026-03-02T10:14:00.123Z``."""
    text = datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class CallRecord:
    """One tool call as the guard saw it: its tool, the scopes it needed, its outcome and time."""

    tool: str
    scopes: tuple[str, ...]
    status: CallStatus
    at: float

    def to_call(self) -> Call:
        """The call in the trace format."""
        return Call(tool=self.tool, scopes=self.scopes, status=self.status, at=iso_utc(self.at))


@dataclass(frozen=True)
class GrantRecord:
    """One scope granted to a run by one consent (``request_id``), with expiry and revocation."""

    scope: str
    request_id: str
    granted_at: float
    expires_at: float | None = None
    revoked_at: float | None = None

    def is_active(self, now: float) -> bool:
        """Whether the grant holds at ``now``: not revoked and not expired."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class PendingRequest:
    """A consent request: what a call (or the start) misses and what the consent asks for."""

    request_id: str
    run_id: str
    tool: str
    missing: frozenset[str]
    requested: frozenset[str]
    created_at: float
    resolved_at: float | None = None
    granted: frozenset[str] | None = None
    answered: frozenset[str] = frozenset()
    """Providers whose consent is recorded; the request resolves when all of them answered."""


@dataclass(frozen=True)
class RunRecord:
    """A run as stored: task, context, status, grants, refusals, pending request and calls.

    ``denied`` are scopes the user refused when a call needed them (never asked again in
    the run); ``declined`` are scopes the user left out of a consent that did not need them
    yet (upfront or batched extras): never batched again, asked once more if a call needs them.
    """

    run_id: str
    task: str
    context: dict[str, str]
    plan: tuple[PlanStep, ...] | None
    status: RunStatus
    started_at: float
    grants: tuple[GrantRecord, ...]
    denied: frozenset[str]
    declined: frozenset[str]
    pending: PendingRequest | None
    calls: tuple[CallRecord, ...]
    recorded_at: float | None = None
    """When the finished run's trace was written by a recorder (``None``: not yet)."""
    read_at: float | None = None
    """The run store's clock when the run was read (grant expiries are on that clock)."""
    held_by: str | None = None
    """The process whose lease on the run had not ended at the read (see ``_run_leases``)."""

    def active_scopes(self, now: float) -> frozenset[str]:
        """Scopes granted and neither expired nor revoked at ``now`` (not closed under implies)."""
        return frozenset(g.scope for g in self.grants if g.is_active(now))

    @property
    def is_paused(self) -> bool:
        """Whether the run waits for a consent."""
        return self.status == "paused"
