"""Answers to a paused run's consent that arrive from outside its calls (any process).

A paused run waits for the user's answer to its pending consent request. The answer comes
back through :meth:`~scopecast.runtime.ScopeGuard.resume` (a :class:`Grant`), usually from an
OAuth callback that first checks (:meth:`ConsentAnswers.ensure_pending`) and claims
(:meth:`ConsentAnswers.claim_answer`) the provider's answer before it exchanges the
authorization code; after a crash the pending consent is rebuilt with fresh consent URLs
(:meth:`ConsentAnswers.pending_consent`). Each answer is applied once: every other resume of
the same answer raises :class:`ResumeConflictError`.
"""

from __future__ import annotations

from scopecast._types import provider_of
from scopecast.exceptions import (
    AuthorizationRequired,
    GuardStateError,
    ResumeConflictError,
    RunStoreError,
)
from scopecast.runtime._answer_claims import AnswerClaim
from scopecast.runtime._consent import Grant
from scopecast.runtime._coordinator import ConsentCoordinator, warn_misspelt_grant
from scopecast.runtime._records import Resolution, RunRecord
from scopecast.runtime._store_failures import resumed_not_loaded

__all__ = ["ConsentAnswers"]


class ConsentAnswers:
    """The answer side of one :class:`~scopecast.runtime.ScopeGuard` (see the module docstring).

    ``consent`` is the guard's :class:`ConsentCoordinator`, whose store, catalogue, grant
    expiry, lease and consent URLs the answers share; ``answer_claim_lease`` is how long a
    callback's claim on an answer lasts (``ScopeGuard``'s parameter of that name).
    """

    def __init__(self, consent: ConsentCoordinator, *, answer_claim_lease: float) -> None:
        self._consent = consent
        self.store = consent.store
        self.catalogue = consent.catalogue
        self.answer_claim_lease = answer_claim_lease

    def resume(self, run_id: str, grant: Grant) -> RunRecord:
        """Record the user's answer to a paused run's consent; the run if this resume may go on.

        See ``ScopeGuard.resume``: the run comes back ``running`` to the one resume whose
        answer resumed it, ``paused`` to one whose answer leaves other providers to answer;
        any other resume raises :class:`ResumeConflictError`.
        """
        request = self.store.request(grant.request_id)
        if request is None or request.run_id != run_id:
            self.store.get_run(run_id)  # an unknown run: say so (a wrong store URL or folder)
            raise GuardStateError(
                f"Consent request {grant.request_id!r} is not a request of run {run_id!r}. "
                f"Resume with the request id from the run's AuthorizationRequired."
            )
        every = {provider_of(s) for s in request.requested}
        if grant.providers is not None and every and not grant.providers & every:
            raise GuardStateError(
                f"The grant answers providers {sorted(grant.providers)}, but consent request "
                f"{request.request_id!r} of run {run_id!r} asks {sorted(every)}. Resume with "
                f"the grant of one of the request's provider callbacks."
            )
        granted = grant.granted & request.requested
        warn_misspelt_grant(grant, request.requested, request.missing, self.catalogue, run_id)
        resolution = self.store.resolve_request(
            run_id,
            request.request_id,
            granted=granted,
            denied=request.missing - granted,
            declined=request.requested - request.missing - granted,
            expires_at=self._consent.expiry(grant),
            providers=grant.providers,
            holder=self._consent.holding,
        )
        try:
            record = self.store.get_run(run_id)
        except RunStoreError as err:
            if resolution is Resolution.RESUMED:
                raise resumed_not_loaded(err, run_id) from err
            raise
        if resolution is Resolution.ALREADY_ANSWERED:
            raise ResumeConflictError(run_id, grant.request_id, record.status)
        if resolution is Resolution.RECORDED and record.status != "paused":
            # Another provider's answer resumed the run after ours: it belongs to that resume.
            raise ResumeConflictError(run_id, grant.request_id, record.status, applied=True)
        return record

    def ensure_pending(self, run_id: str, request_id: str, provider: str) -> None:
        """Raise unless ``provider``'s answer to ``request_id`` of ``run_id`` is still awaited.

        See ``ScopeGuard.ensure_pending``: the errors are those ``resume`` would raise for it.
        """
        request = self.store.request(request_id)
        if request is None or request.run_id != run_id:
            self.store.get_run(run_id)  # an unknown run: say so (a wrong store URL or folder)
            raise GuardStateError(
                f"Consent request {request_id!r} is not a request of run {run_id!r}; nothing "
                f"was exchanged. Resume with the request id from the run's AuthorizationRequired."
            )
        every = {provider_of(s) for s in request.requested}
        if every and provider not in every:
            raise GuardStateError(
                f"Consent request {request_id!r} of run {run_id!r} asks {sorted(every)}, not "
                f"{provider!r}; nothing was exchanged."
            )
        status = self.store.get_run(run_id).status
        if request.resolved_at is not None or provider in request.answered:
            raise ResumeConflictError(run_id, request_id, status)
        if status == "finished":
            raise GuardStateError(
                f"Run {run_id!r} is finished; its consent request {request_id!r} is not "
                f"awaited any more and nothing was exchanged."
            )

    def claim_answer(self, run_id: str, request_id: str, provider: str) -> AnswerClaim:
        """Claim ``provider``'s answer to ``request_id`` of ``run_id`` if it is still awaited.

        See ``ScopeGuard.claim_answer``: the errors of :meth:`ensure_pending`, and
        :class:`ResumeConflictError` (``in_flight``) when another callback holds the claim.
        """
        self.ensure_pending(run_id, request_id, provider)
        claim_id = self.store.claim_answer(
            run_id, request_id, provider, lease=self.answer_claim_lease
        )
        if claim_id is None:
            # Answered between the check and the claim, or claimed by another callback.
            now = self.store.request(request_id)
            answered = now is None or now.resolved_at is not None or provider in now.answered
            status = self.store.get_run(run_id).status
            raise ResumeConflictError(run_id, request_id, status, in_flight=not answered)
        return AnswerClaim(self.store, run_id, request_id, provider, claim_id)

    def pending_consent(self, run_id: str) -> AuthorizationRequired | None:
        """The consent a paused run waits for, rebuilt with fresh consent URLs (after a crash)."""
        pending = self.store.get_run(run_id).pending
        if pending is None:
            return None
        return AuthorizationRequired(
            run_id,
            pending.tool,
            pending.missing or pending.requested,
            pending.requested,
            self._consent.urls_for(pending),
            request_id=pending.request_id,
        )
