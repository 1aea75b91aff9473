"""Row-level reads and inserts of the run store (called inside its transactions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, insert, select

from scopecast.runtime import _schema as t
from scopecast.runtime._records import CallRecord, PendingRequest

__all__ = ["insert_calls", "insert_denials", "insert_grants", "insert_request", "read_request"]


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
