"""The run store's consent-request transitions, each one transaction that locks the run.

A paused run waits on one consent request (``open_request``: parallel misses coalesce into
the request already pending); the user's answer is recorded once per provider, and the one
answer that leaves nothing awaited resumes the run (``resolve_request``, a compare-and-set);
an OAuth callback claims a provider's answer before it exchanges the code (``claim_answer``,
see ``_answer_claims``); and a consent asked and answered while the run kept running
(blocking mode) is recorded with its grants and refusals (``record_consent``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from sqlalchemy import update

from scopecast.exceptions import GuardStateError
from scopecast.runtime import _schema as t
from scopecast.runtime._answer_claims import release_claim, take_claim
from scopecast.runtime._db_clock import db_now
from scopecast.runtime._records import CallRecord, PendingRequest, Resolution
from scopecast.runtime._run_leases import take_lease
from scopecast.runtime._store_database import StoreDatabase
from scopecast.runtime._store_rows import (
    Answer,
    insert_calls,
    insert_denials,
    insert_grants,
    insert_request,
    read_request,
    record_answer,
)

__all__ = ["ConsentTransitions"]


class ConsentTransitions(StoreDatabase):
    """The consent-request transitions of ``RunStore`` (see the module docstring)."""

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
