"""The durable run store: runs, grants, denials, consent requests and calls on SQLAlchemy 2.0.

SQLite (a file, WAL, ``BEGIN IMMEDIATE`` write transactions) is the default; any SQLAlchemy
URL works, PostgreSQL for many processes (``postgresql+psycopg://...``). Every transition is
one transaction that locks the run's row first, so a process killed at any point leaves the
run either before or after the transition, never half-way; a provider's answer to a consent
is recorded once (keyed by request id and provider). Every database error becomes :class:`RunStoreError`: the
guard then refuses the call (fail closed).

The store never holds a token, an authorization code or a PKCE verifier: only scope names
and grant metadata (when, by which request, until when, revoked when).

:class:`RunStore` is built in layers: its database and fail-closed transactions are
:class:`~scopecast.runtime._store_database.StoreDatabase`'s, its consent-request transitions
:class:`~scopecast.runtime._store_consent.ConsentTransitions`'; this module adds the runs'
own transitions (create, save calls, finish, hold and release, revoke) and the reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import insert, select, update

from scopecast.exceptions import GuardStateError
from scopecast.runtime import _schema as t
from scopecast.runtime._records import CallRecord, PendingRequest, RunRecord, RunStatus
from scopecast.runtime._run_leases import drop_lease, take_lease
from scopecast.runtime._store_consent import ConsentTransitions
from scopecast.runtime._store_database import DEFAULT_STORE_URL
from scopecast.runtime._store_rows import (
    insert_calls,
    insert_grants,
    insert_request,
    read_request,
    read_run,
)
from scopecast.traces import PlanStep

__all__ = ["DEFAULT_STORE_URL", "RunStore"]


class RunStore(ConsentTransitions):
    """Durable state of guarded runs, shared by every process that uses the same URL.

    Parameters
    ----------
    url : str or pathlib.Path, default ``"sqlite:///scopecast-runs.db"``
        A SQLAlchemy URL, or a path to a SQLite file. Use PostgreSQL
        (``postgresql+psycopg://user@host/db``) when many processes on many machines
        guard runs. ``"sqlite://"`` is an in-memory store for one process.
    create_tables : bool, default True
        Create the tables if they do not exist.

    Raises
    ------
    RunStoreError
        If the URL is invalid or the database cannot be reached or set up.

    Examples
    --------
    >>> store = RunStore("sqlite://")
    >>> store.create_run("r1", task="Email Carlos").status
    'running'
    """

    def __repr__(self) -> str:
        return f"RunStore({self._safe_url()!r})"

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transitions -----------------------------------------------------------------------

    def create_run(
        self,
        run_id: str,
        *,
        task: str,
        context: Mapping[str, str] | None = None,
        plan: Sequence[PlanStep] | None = None,
        granted: Iterable[str] = (),
        grant_request_id: str | None = None,
        expires_at: float | None = None,
        pending: PendingRequest | None = None,
        now: float | None = None,
    ) -> RunRecord:
        """Create a run (``running``, or ``paused`` on ``pending``) with its initial grants, atomically.

        Raises
        ------
        GuardStateError
            If a run with this id exists already.
        RunStoreError
            If the database fails.
        """
        now = time.time() if now is None else now
        with self._write("create a run", "The run was not created.") as conn:
            exists = conn.execute(select(t.runs.c.id).where(t.runs.c.id == run_id)).first()
            if exists is not None:
                raise GuardStateError(
                    f"Run {run_id!r} exists already. Run ids must be unique; let the guard "
                    f"choose one, or resume the existing run with resume()."
                )
            conn.execute(
                insert(t.runs).values(
                    id=run_id,
                    task=task,
                    context=dict(context or {}),
                    plan=None if plan is None else [s.model_dump(mode="json") for s in plan],
                    status="paused" if pending else "running",
                    pending_request_id=pending.request_id if pending else None,
                    started_at=now,
                    updated_at=now,
                )
            )
            scopes = sorted(set(granted))
            if scopes:
                insert_grants(
                    conn, run_id, scopes, grant_request_id or f"{run_id}:start", now, expires_at
                )
            if pending is not None:
                insert_request(conn, pending)
        return self.get_run(run_id)

    def append_calls(
        self,
        run_id: str,
        calls: Sequence[CallRecord],
        first_seq: int,
        holder: tuple[str, float] | None = None,
    ) -> None:
        """Save calls ``first_seq, first_seq + 1, ...`` of a run.

        ``holder`` (name, lease seconds): the process saving them, which must hold the run:
        a process that lost it numbered its calls from a count the new holder goes on from.

        Raises
        ------
        GuardStateError
            If the run is finished: its calls are final (a finished run authorizes nothing).
        RunHeldError
            If another process holds the run.
        """
        if not calls:
            return
        with self._write("save the run's calls", "The calls were not saved.") as conn:
            row = self._lock_run(conn, run_id)
            if row.status == "finished":
                raise GuardStateError(
                    f"Run {run_id!r} was finished (by another handle or process), so "
                    f"{len(calls)} call(s) checked since cannot be added to it (those allowed "
                    f"have run); the run stays as it was finished. Continue a run in one "
                    f"process only, and start a new run with ScopeGuard.start() for more calls."
                )
            if holder is not None:
                take_lease(conn, run_id, *holder)
            insert_calls(conn, run_id, calls, first_seq)

    def finish(
        self,
        run_id: str,
        calls: Sequence[CallRecord] = (),
        first_seq: int = 0,
        holder: tuple[str, float] | None = None,
    ) -> bool:
        """Mark a run finished (saving its last calls); ``False`` if it already was.

        ``holder``: as in :meth:`append_calls` (``RunHeldError`` if another process holds it).
        """
        now = time.time()
        with self._write("finish the run", "The run was not marked finished.") as conn:
            row = self._lock_run(conn, run_id)
            if row.status == "finished":
                return False
            if holder is not None:
                take_lease(conn, run_id, *holder)
            insert_calls(conn, run_id, calls, first_seq)
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(status="finished", pending_request_id=None, finished_at=now, updated_at=now)
            )
            drop_lease(conn, run_id)
        return True

    def hold_run(self, run_id: str, holder: str, lease: float) -> RunRecord:
        """Hold run ``run_id`` for ``holder`` for ``lease`` seconds (renewed), and read it.

        A finished run is held by no one: it is only read.

        Raises
        ------
        RunHeldError
            If another holder's lease on the run has not ended (see ``_run_leases``).
        GuardStateError
            If the run is unknown.
        """
        with self._write("hold the run", "The run was not taken; nothing was run.") as conn:
            row = self._lock_run(conn, run_id)
            if row.status != "finished":
                take_lease(conn, run_id, holder, lease)
            record = read_run(conn, run_id)
        assert record is not None  # locked above
        return record

    def release_run(self, run_id: str, holder: str) -> None:
        """End ``holder``'s lease on ``run_id`` (another process may hold the run at once)."""
        with self._write("release the run", "It is released when its lease ends.") as conn:
            drop_lease(conn, run_id, holder)

    def mark_recorded(self, run_id: str, *, now: float | None = None) -> None:
        """Note that the finished run's trace is written (so a re-finish does not record it again)."""
        now = time.time() if now is None else now
        with self._write("mark the run recorded", "The run was not marked recorded.") as conn:
            self._lock_run(conn, run_id)
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id, t.runs.c.recorded_at.is_(None))
                .values(recorded_at=now)
            )

    def revoke(self, run_id: str, scopes: Iterable[str], *, now: float | None = None) -> int:
        """Revoke the active grants of ``scopes`` in a run; return how many grants were revoked."""
        now = time.time() if now is None else now
        names = sorted(set(scopes))
        with self._write(
            "revoke grants", "Nothing was revoked: the scopes are still granted to the run."
        ) as conn:
            self._lock_run(conn, run_id)
            result = conn.execute(
                update(t.grants)
                .where(
                    t.grants.c.run_id == run_id,
                    t.grants.c.scope.in_(names),
                    t.grants.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
        return int(result.rowcount)

    # -- reads -----------------------------------------------------------------------------

    def find_run(self, run_id: str) -> RunRecord | None:
        """The run ``run_id`` with its grants, denials, pending request and calls, or ``None``."""
        with self._read("read the run") as conn:
            return read_run(conn, run_id)

    def get_run(self, run_id: str) -> RunRecord:
        """Like :meth:`find_run`, but an unknown id raises :class:`GuardStateError`."""
        record = self.find_run(run_id)
        if record is None:
            raise GuardStateError(
                f"Run {run_id!r} is not in the run store {self._safe_url()}{self._sqlite_file()}. "
                f"Check the id and the store URL (every process must use the same one)."
            )
        return record

    def run_ids(self, status: RunStatus | None = None) -> list[str]:
        """Ids of the stored runs (optionally only those with ``status``), oldest first."""
        query = select(t.runs.c.id).order_by(t.runs.c.started_at, t.runs.c.id)
        if status is not None:
            query = query.where(t.runs.c.status == status)
        with self._read("list runs") as conn:
            return [str(v) for v in conn.execute(query).scalars()]

    def request(self, request_id: str) -> PendingRequest | None:
        """The consent request ``request_id`` (resolved or not), or ``None``."""
        with self._read("read a consent request") as conn:
            return read_request(conn, request_id)
