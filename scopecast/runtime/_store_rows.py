"""Row-level reads and inserts of the run store (called inside its transactions)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from scopecast._types import provider_of
from scopecast.exceptions import RunStoreError
from scopecast.runtime import _schema as t
from scopecast.runtime._db_clock import db_now
from scopecast.runtime._records import (
    CallRecord,
    GrantRecord,
    PendingRequest,
    Resolution,
    RunRecord,
    RunStatus,
)
from scopecast.traces import PlanStep

__all__ = [
    "Answer",
    "insert_calls",
    "insert_denials",
    "insert_grants",
    "insert_request",
    "read_request",
    "read_run",
    "record_answer",
]


@dataclass(frozen=True)
class Answer:
    """The user's answer to a consent request, from some of its providers (``None``: all)."""

    granted: set[str]
    denied: set[str]
    declined: set[str]
    expires_at: float | None
    providers: Iterable[str] | None


def record_answer(
    conn: Connection, request: PendingRequest, answer: Answer, now: float
) -> Resolution:
    """Record the answer of the providers that had not answered yet (see :class:`Resolution`).

    Only scopes of those providers are granted or refused. When every provider of the
    request has answered, the request resolves and the run, if paused on it, runs again:
    a conditional ``UPDATE ... WHERE status = 'paused' AND pending_request_id = ...`` whose
    row count says whether this answer resumed it (one winner even without the row lock).
    """
    every = {provider_of(s) for s in request.requested}
    answering = every if answer.providers is None else set(answer.providers) & every
    new = answering - request.answered
    if request.resolved_at is not None or (every and not new):
        return Resolution.ALREADY_ANSWERED

    def fresh(scopes: Iterable[str]) -> list[str]:
        return sorted(s for s in set(scopes) if provider_of(s) in new)

    run_id, request_id = request.run_id, request.request_id
    given = fresh(answer.granted)
    insert_grants(conn, run_id, given, request_id, now, answer.expires_at)
    denied, declined = fresh(answer.denied), fresh(answer.declined)
    insert_denials(conn, run_id, request_id, request.tool, now, denied, declined, given)
    answered = request.answered | new
    done = answered >= every
    conn.execute(
        update(t.requests)
        .where(t.requests.c.id == request_id)
        .values(
            resolved_at=now if done else None,
            granted=sorted({*(request.granted or ()), *given}),
            answered=sorted(answered),
        )
    )
    if done:
        resumed = conn.execute(
            update(t.runs)
            .where(
                t.runs.c.id == run_id,
                t.runs.c.status == "paused",
                t.runs.c.pending_request_id == request_id,
            )
            .values(status="running", pending_request_id=None, updated_at=now)
        )
        if resumed.rowcount == 1:
            return Resolution.RESUMED
    conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(updated_at=now))
    return Resolution.RECORDED


def read_request(conn: Connection, request_id: str) -> PendingRequest | None:
    row = conn.execute(select(t.requests).where(t.requests.c.id == request_id)).first()
    if row is None:
        return None
    return PendingRequest(
        request_id=row.id,
        run_id=row.run_id,
        tool=row.tool,
        missing=frozenset(row.missing),
        requested=frozenset(row.requested),
        created_at=float(row.created_at),
        resolved_at=row.resolved_at,
        granted=None if row.granted is None else frozenset(row.granted),
        answered=frozenset(row.answered or ()),
    )


def insert_request(conn: Connection, request: PendingRequest) -> None:
    conn.execute(
        insert(t.requests).values(
            id=request.request_id,
            run_id=request.run_id,
            tool=request.tool,
            missing=sorted(request.missing),
            requested=sorted(request.requested),
            created_at=request.created_at,
        )
    )


def insert_grants(
    conn: Connection,
    run_id: str,
    scopes: Sequence[str],
    request_id: str,
    now: float,
    expires_at: float | None,
) -> None:
    if scopes:
        if expires_at is not None:
            # Given by this process's clock (a token's lifetime, grant_ttl); stored on the
            # store's, which every process that checks the grant reads it by.
            expires_at = db_now(conn) + (expires_at - time.time())
        conn.execute(
            insert(t.grants),
            [
                {
                    "run_id": run_id,
                    "scope": s,
                    "request_id": request_id,
                    "granted_at": now,
                    "expires_at": expires_at,
                }
                for s in scopes
            ],
        )


def insert_denials(
    conn: Connection,
    run_id: str,
    request_id: str,
    tool: str,
    now: float,
    denied: Iterable[str],
    declined: Iterable[str],
    granted: Iterable[str],
) -> None:
    given = set(granted)
    hard = set(denied) - given
    rows = [(s, "denied") for s in sorted(hard)]
    rows += [(s, "declined") for s in sorted(set(declined) - given - hard)]
    if rows:
        conn.execute(
            insert(t.denials),
            [
                {
                    "run_id": run_id,
                    "scope": s,
                    "request_id": request_id,
                    "tool": tool,
                    "kind": kind,
                    "denied_at": now,
                }
                for s, kind in rows
            ],
        )


def insert_calls(
    conn: Connection, run_id: str, calls: Sequence[CallRecord], first_seq: int
) -> None:
    if calls:
        conn.execute(
            insert(t.calls),
            [
                {
                    "run_id": run_id,
                    "seq": first_seq + i,
                    "tool": c.tool,
                    "scopes": list(c.scopes),
                    "status": c.status,
                    "at": c.at,
                }
                for i, c in enumerate(calls)
            ],
        )


def malformed(run_id: str, what: str, err: Exception) -> RunStoreError:
    """A stored value of run ``run_id`` that scopecast did not write (named, not shown)."""
    return RunStoreError(
        f"Run {run_id!r} has a malformed {what} in the store ({type(err).__name__}); the store "
        f"was changed by something else than scopecast. Nothing was run for it: repair or "
        f"delete the row, or start a new run."
    )


def read_run(conn: Connection, run_id: str) -> RunRecord | None:
    """The whole stored state of one run (inside the caller's read transaction), or ``None``.

    Raises
    ------
    RunStoreError
        If a stored value cannot be what scopecast writes there (see :func:`malformed`).
    """
    try:
        return _read_run(conn, run_id)
    except (ValueError, TypeError, KeyError) as err:  # JSON, numbers, pydantic models
        raise malformed(run_id, "row", err) from err


def _read_run(conn: Connection, run_id: str) -> RunRecord | None:
    row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
    if row is None:
        return None
    grant_rows = conn.execute(
        select(t.grants).where(t.grants.c.run_id == run_id).order_by(t.grants.c.id)
    ).all()
    refusals = conn.execute(
        select(t.denials.c.scope, t.denials.c.kind).where(t.denials.c.run_id == run_id)
    ).all()
    call_rows = conn.execute(
        select(t.calls).where(t.calls.c.run_id == run_id).order_by(t.calls.c.seq)
    ).all()
    pending = read_request(conn, row.pending_request_id) if row.pending_request_id else None
    read_at = db_now(conn)
    lease = conn.execute(select(t.run_leases).where(t.run_leases.c.run_id == run_id)).first()
    held_by = None if lease is None or float(lease.expires_at) <= read_at else str(lease.holder)
    return RunRecord(
        run_id=run_id,
        task=row.task,
        context=dict(row.context),
        plan=None if row.plan is None else tuple(PlanStep.model_validate(s) for s in row.plan),
        status=_status(run_id, str(row.status)),
        started_at=float(row.started_at),
        grants=tuple(
            GrantRecord(
                str(g.scope),
                str(g.request_id),
                float(g.granted_at),
                _maybe_float(g.expires_at),
                _maybe_float(g.revoked_at),
            )
            for g in grant_rows
        ),
        denied=frozenset(r.scope for r in refusals if r.kind == "denied"),
        declined=frozenset(r.scope for r in refusals if r.kind == "declined"),
        pending=pending,
        calls=tuple(_call_record(c) for c in call_rows),
        recorded_at=None if row.recorded_at is None else float(row.recorded_at),
        read_at=read_at,
        held_by=held_by,
    )


def _maybe_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _call_record(row: Row[Any]) -> CallRecord:
    scopes = row.scopes
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise TypeError("a call's scopes are not a list of scope names")
    if row.status not in ("ok", "error", "denied"):
        raise ValueError("a call's status is not ok, error or denied")
    return CallRecord(str(row.tool), tuple(scopes), row.status, float(row.at))


def _status(run_id: str, status: str) -> RunStatus:
    if status == "running":
        return "running"
    if status == "paused":
        return "paused"
    if status == "finished":
        return "finished"
    raise RunStoreError(
        f"Run {run_id!r} has the unknown status {status!r} in the store; expected running, "
        f"paused or finished. The store was changed by something else than scopecast."
    )
