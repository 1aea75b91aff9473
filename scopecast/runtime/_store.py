"""The durable run store: runs, grants, denials, consent requests and calls on SQLAlchemy 2.0.

SQLite (a file, WAL, ``BEGIN IMMEDIATE`` write transactions) is the default; any SQLAlchemy
URL works, PostgreSQL for many processes (``postgresql+psycopg://...``). Every transition is
one transaction that locks the run's row first, so a process killed at any point leaves the
run either before or after the transition, never half-way; a provider's answer to a consent
is recorded once (keyed by request id and provider). Every database error becomes :class:`RunStoreError`: the
guard then refuses the call (fail closed).

The store never holds a token, an authorization code or a PKCE verifier: only scope names
and grant metadata (when, by which request, until when, revoked when).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scopecast.exceptions import GuardStateError, RunStoreError
from scopecast.runtime import _schema as t
from scopecast.runtime._answer_claims import release_claim, take_claim
from scopecast.runtime._db_clock import db_now
from scopecast.runtime._engine import make_engine
from scopecast.runtime._fork import track_store
from scopecast.runtime._records import (
    CallRecord,
    PendingRequest,
    Resolution,
    RunRecord,
    RunStatus,
)
from scopecast.runtime._run_leases import drop_lease, take_lease
from scopecast.runtime._store_rows import (
    Answer,
    insert_calls,
    insert_denials,
    insert_grants,
    insert_request,
    read_request,
    read_run,
    record_answer,
)
from scopecast.traces import PlanStep

__all__ = ["DEFAULT_STORE_URL", "RunStore"]

logger = logging.getLogger(__name__)

DEFAULT_STORE_URL = "sqlite:///scopecast-runs.db"
"""A SQLite file in the working directory."""


def _describe(err: SQLAlchemyError) -> str:
    """The driver's own message without the SQL parameters (they may hold user data)."""
    orig = getattr(err, "orig", None)
    return (
        f"{type(err).__name__}: {orig if orig is not None else err.__class__.__doc__ or ''}".strip()
    )


class RunStore:
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

    def __init__(self, url: str | Path = DEFAULT_STORE_URL, *, create_tables: bool = True) -> None:
        self.url = f"sqlite:///{url}" if isinstance(url, Path) else url
        self._engine = make_engine(self.url)
        track_store(self)  # a forked child gets connections of its own
        if create_tables:
            try:
                t.metadata.create_all(self._engine)
            except SQLAlchemyError as err:
                raise RunStoreError(
                    f"Cannot create the run store's tables at {self._safe_url()}: "
                    f"{_describe(err)}. Check that the database exists and is writable."
                ) from err

    def __repr__(self) -> str:
        return f"RunStore({self._safe_url()!r})"

    def _safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def _sqlite_file(self) -> str:
        """`` (the file /abs/runs.db)`` for a relative SQLite path, which each process reads
        from its own working directory; else ``""``."""
        url = make_url(self.url)
        name = url.database
        if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
            return ""
        if name.startswith("file:") or Path(name).is_absolute():
            return ""
        return f" (the file {str(Path(name).resolve())!r})"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations and inspection)."""
        return self._engine

    def close(self) -> None:
        """Release the connection pool (open connections are closed)."""
        self._engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def _write(self, what: str, outcome: str) -> Iterator[Connection]:
        """One write transaction; a database error rolls it all back and says so (``outcome``).

        The message says only what the store did (nothing): whether a tool call ran is
        the guard's to say, which adds it where it knows (see ``ScopeGuard``).
        """
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as err:
            logger.error("run store: %s failed (%s)", what, type(err).__name__)
            raise RunStoreError(
                f"The run store could not {what}: {_describe(err)}. {outcome} Check that "
                f"{self._safe_url()} is reachable and writable."
            ) from err

    @contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        options: dict[str, Any] = {"scopecast_read": True}
        if self._engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        try:
            with self._engine.connect().execution_options(**options) as conn, conn.begin():
                yield conn
        except SQLAlchemyError as err:
            logger.error("run store: %s failed (%s)", what, type(err).__name__)
            raise RunStoreError(
                f"The run store could not {what}: {_describe(err)}. Check that "
                f"{self._safe_url()} is reachable."
            ) from err

    @staticmethod
    def _lock_run(conn: Connection, run_id: str) -> Row[Any, Any, Any]:
        # Only the columns transitions read: a malformed JSON column fails in read_run, which
        # says so, rather than in every transition.
        query = select(t.runs.c.id, t.runs.c.status, t.runs.c.pending_request_id)
        row = conn.execute(query.where(t.runs.c.id == run_id).with_for_update()).first()
        if row is None:
            raise GuardStateError(
                f"Run {run_id!r} is not in the run store. Expected the id of a run started with "
                f"ScopeGuard.start() on this store; check the id and the store URL."
            )
        return row

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

    def open_request(
        self,
        request: PendingRequest,
        calls: Sequence[CallRecord],
        first_seq: int,
        holder: tuple[str, float] | None = None,
    ) -> PendingRequest:
        """Pause a running run on ``request`` (appending its unsaved calls), atomically.

        If the run is already paused, nothing changes and its pending request is returned:
        parallel misses are coalesced into the one request the user sees. ``holder`` (name,
        lease seconds): the process pausing it, which must hold the run (``RunHeldError``).
        """
        with self._write("pause the run", "The run was not paused.") as conn:
            row = self._lock_run(conn, request.run_id)
            if row.status == "finished":
                raise GuardStateError(
                    f"Run {request.run_id!r} is finished; it cannot pause. Start a new run."
                )
            if holder is not None:
                take_lease(conn, request.run_id, *holder)
            insert_calls(conn, request.run_id, calls, first_seq)
            if row.status == "paused" and row.pending_request_id is not None:
                existing = read_request(conn, row.pending_request_id)
                if existing is not None:
                    return existing
            insert_request(conn, request)
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == request.run_id)
                .values(
                    status="paused",
                    pending_request_id=request.request_id,
                    updated_at=request.created_at,
                )
            )
        return request

    def resolve_request(
        self,
        run_id: str,
        request_id: str,
        *,
        granted: Iterable[str],
        denied: Iterable[str],
        declined: Iterable[str] = (),
        expires_at: float | None = None,
        now: float | None = None,
        providers: Iterable[str] | None = None,
        holder: tuple[str, float] | None = None,
    ) -> Resolution:
        """Apply the user's answer to a consent request, atomically, and say what it did.

        ``providers``: whose consent this answers (``None``: all); see ``record_answer``.
        Returns :attr:`Resolution.RESUMED` to the one answer that moved the run from
        paused to running (a compare-and-set: of racing resumers exactly one gets it),
        :attr:`Resolution.RECORDED` to an answer that left the run waiting for other
        providers, and :attr:`Resolution.ALREADY_ANSWERED` (falsy) when these providers
        had answered already: then nothing is recorded. ``holder`` (name, lease seconds):
        the resume that resumes the run holds it (see ``_run_leases``).

        Raises
        ------
        GuardStateError
            If the run or the request does not exist, the request belongs to another run, or
            the run is finished.
        """
        now = time.time() if now is None else now
        with self._write(
            "resume the run",
            "The answer was not recorded and the run was not resumed; retry resume() with it.",
        ) as conn:
            row = self._lock_run(conn, run_id)
            request = read_request(conn, request_id)
            if request is None or request.run_id != run_id:
                raise GuardStateError(
                    f"Consent request {request_id!r} does not belong to run {run_id!r}. Pass "
                    f"the request id of the run's AuthorizationRequired (or its pending request)."
                )
            if row.status == "finished" and request.resolved_at is None:
                raise GuardStateError(f"Run {run_id!r} is finished; it cannot be resumed.")
            answer = Answer(set(granted), set(denied), set(declined), expires_at, providers)
            resolution = record_answer(conn, request, answer, now)
            if resolution is Resolution.RESUMED and holder is not None:
                take_lease(conn, run_id, *holder, force=True)
            return resolution

    def claim_answer(
        self,
        run_id: str,
        request_id: str,
        provider: str,
        *,
        lease: float,
        now: float | None = None,
    ) -> str | None:
        """Claim the exchange of ``provider``'s answer to ``request_id``: a claim id, or ``None``.

        ``None`` when that answer is recorded already, the request is resolved or not of
        ``run_id``, or another callback holds a claim younger than ``lease`` seconds (see
        ``scopecast.runtime._answer_claims``). Checked and claimed under the run's lock;
        the lease is measured by the store's clock (``now`` overrides it, for tests).

        Raises
        ------
        GuardStateError
            If the run is unknown, or finished (its requests are not awaited any more).
        """
        with self._write(
            "claim a consent answer", "Nothing was claimed and no code was exchanged."
        ) as conn:
            row = self._lock_run(conn, run_id)
            now = db_now(conn) if now is None else now
            request = read_request(conn, request_id)
            if (
                request is None
                or request.run_id != run_id
                or request.resolved_at is not None
                or provider in request.answered
            ):
                return None
            if row.status == "finished":
                # Checked under the lock: a run finished since the caller looked is not awaited.
                raise GuardStateError(
                    f"Run {run_id!r} is finished; its consent request {request_id!r} is not "
                    f"awaited any more and nothing was exchanged."
                )
            return take_claim(conn, request_id, provider, lease=lease, now=now)

    def release_answer_claim(self, request_id: str, provider: str, claim_id: str) -> None:
        """End claim ``claim_id`` on ``provider``'s answer to ``request_id``, if still held."""
        with self._write(
            "release a consent answer claim", "The claim ends with its lease."
        ) as conn:
            release_claim(conn, request_id, provider, claim_id)

    def record_consent(
        self,
        request: PendingRequest,
        *,
        granted: Iterable[str],
        denied: Iterable[str],
        declined: Iterable[str] = (),
        expires_at: float | None = None,
        now: float | None = None,
    ) -> None:
        """Record a consent asked and answered while the run kept running (blocking mode)."""
        now = time.time() if now is None else now
        with self._write("record a consent", "The consent was not recorded.") as conn:
            row = self._lock_run(conn, request.run_id)
            if row.status == "finished":
                raise GuardStateError(f"Run {request.run_id!r} is finished; no more consents.")
            given = sorted(set(granted))
            insert_request(conn, request)
            conn.execute(
                update(t.requests)
                .where(t.requests.c.id == request.request_id)
                .values(resolved_at=now, granted=given)
            )
            insert_grants(conn, request.run_id, given, request.request_id, now, expires_at)
            insert_denials(
                conn, request.run_id, request.request_id, request.tool, now, denied, declined, given
            )

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
