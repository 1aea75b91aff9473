"""The guard's slow path: gather parallel misses into one consent, ask it or pause the run.

A call that misses scopes joins the run's open :class:`ConsentBatch` or opens one (and
leads it): the leader waits ``coalesce_window`` seconds for parallel misses to join, seals
the batch, adds the policy's just-in-time extras, and then either asks the authorizer and
records the answer (blocking) or saves the run paused (pausing). Followers wait for the
leader and re-check. Every path that does not end with the scopes granted raises: the
call is refused (fail closed), and a refused scope is never asked again in the run.
"""

from __future__ import annotations

import difflib
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Literal

from scopecast.catalogue import Catalogue
from scopecast.exceptions import (
    AuthorizationRequired,
    AuthorizerError,
    ConfigError,
    GuardStateError,
    RunStoreError,
    ScopeDeniedError,
    ScopeRequestTimeout,
)
from scopecast.policy import CostModel
from scopecast.runtime._authorizers._protocol import Authorizer
from scopecast.runtime._batching import choose_extra_scopes
from scopecast.runtime._consent import ConsentRequest, Grant, ToolCall
from scopecast.runtime._live import ConsentBatch, LiveRun
from scopecast.runtime._records import CallRecord, PendingRequest
from scopecast.runtime._run_leases import Holder
from scopecast.runtime._store import RunStore
from scopecast.runtime._store_failures import call_not_run
from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import Call

__all__ = ["ConsentCoordinator", "pending_of", "warn_misspelt_grant"]

logger = logging.getLogger(__name__)

GuardMode = Literal["blocking", "pausing"]
"""``blocking``: ask and wait at the call; ``pausing``: save the run and raise."""


class ConsentCoordinator:
    """The consent side of one :class:`~scopecast.runtime.ScopeGuard`'s calls (see the module docstring).

    The answers that arrive later for a paused run are :class:`ConsentAnswers`' (in
    ``_consent_answers``), which shares this coordinator's store, expiry and consent URLs.
    """

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        store: RunStore,
        authorizer: Authorizer | None,
        mode: GuardMode,
        scorer: ScopeScorer | None,
        costs: CostModel,
        grant_ttl: float | None,
        coalesce_window: float,
        consent_timeout: float | None,
        max_consent_rounds: int,
        scopes_of: Mapping[str, tuple[str, ...]],
        holder: Holder,
        run_lease: float,
    ) -> None:
        self.catalogue = catalogue
        self.store = store
        self.authorizer = authorizer
        self.mode: GuardMode = mode
        self.scorer = scorer
        self.costs = costs
        self.grant_ttl = grant_ttl
        self.coalesce_window = coalesce_window
        self.consent_timeout = consent_timeout
        self.max_consent_rounds = max_consent_rounds
        self._scopes_of = scopes_of
        self.holder = holder
        self.run_lease = run_lease

    def authorize(
        self, live: LiveRun, tool: str, required: frozenset[str], call: ToolCall | None = None
    ) -> None:
        """Return when ``tool`` may run in ``live`` (its scopes granted); raise otherwise.

        ``call`` describes the call for the consent it waits on (``ConsentRequest.calls``).
        """
        try:
            self._authorize(live, tool, required, call)
        except RunStoreError as err:
            raise call_not_run(err, tool) from err

    def _authorize(
        self, live: LiveRun, tool: str, required: frozenset[str], call: ToolCall | None
    ) -> None:
        # A round is a consent that asked for this call's scopes (led or joined). Waiting for
        # a batch sealed before this call missed its scopes asks nothing for it: not a round.
        # (Parallel calls that each miss other scopes, one consent each, as LangGraph's tasks
        # resumed with one answer each do, would otherwise use up the rounds of the last one.)
        rounds = 0
        while True:
            with live.lock:
                if time.monotonic() >= live.valid_until:
                    self.hold(live)
                if live.status == "finished":
                    raise GuardStateError(
                        f"Run {live.run_id!r} is finished, so tool {tool!r} was refused (not "
                        f"run). Start a new run with ScopeGuard.start() for further calls."
                    )
                missing = required - live.closure
                if not missing:
                    return
                refused = missing & live.denied
                if refused:
                    live.buffer.append((tool, "denied", time.time()))
                    raise ScopeDeniedError(tool, refused, run_id=live.run_id)
                if live.status == "paused" and live.pending is not None and live.batch is None:
                    pending = live.pending
                    raise AuthorizationRequired(
                        live.run_id,
                        tool,
                        missing,
                        pending.requested,
                        self.urls_for(pending),
                        request_id=pending.request_id,
                    )
                batch = live.batch
                is_leader = batch is None
                if rounds >= self.max_consent_rounds and (batch is None or not batch.sealed):
                    raise AuthorizerError(
                        f"Tool {tool!r} still misses scopes after {self.max_consent_rounds} "
                        f"consent rounds in run {live.run_id!r}; it was not run. Raise "
                        f"max_consent_rounds if parallel calls keep asking for different scopes."
                    )
                if batch is None:
                    batch = live.batch = ConsentBatch(missing, tool, call)
                    rounds += 1
                elif not batch.sealed:
                    batch.missing |= missing
                    batch.tools.append(tool)
                    if call is not None:
                        batch.calls.append(call)
                    rounds += 1
            if is_leader:
                self.lead(live, batch, tool)
            elif not batch.done.wait(self.consent_timeout):
                raise ScopeRequestTimeout(
                    f"Tool {tool!r} waited {self.consent_timeout} s for a consent asked by a "
                    f"parallel call in run {live.run_id!r}; it was not run. Retry the call."
                )
            if batch.error is not None:
                raise batch.error
            if batch.pending is not None:
                raise AuthorizationRequired(
                    live.run_id,
                    tool,
                    missing,
                    batch.pending.requested,
                    batch.consent_urls,
                    request_id=batch.pending.request_id,
                )

    def lead(self, live: LiveRun, batch: ConsentBatch, tool: str) -> None:
        """Ask one consent for everything gathered in ``batch`` (the leader's job)."""
        try:
            if self.coalesce_window:
                time.sleep(self.coalesce_window)
            with live.lock:
                batch.sealed = True
                missing = frozenset(batch.missing)
                granted = live.granted
                refused = live.denied | live.declined
                ended = frozenset(
                    g.request_id
                    for g in live.grants
                    if g.scope not in granted and self.catalogue.closure((g.scope,)) & missing
                )
                # The calls made so far and the ones being attempted, as the policy was
                # evaluated (the simulator re-predicts with the interrupting call included).
                attempted = tuple(
                    Call(tool=name, scopes=self._scopes_of.get(name, ())) for name in batch.tools
                )
                task_input = TaskInput(
                    task=live.task,
                    context=dict(live.context),
                    plan=live.plan,
                    calls=tuple(r.to_call() for r in self.call_records(live)) + attempted,
                )
            extra = choose_extra_scopes(
                self.scorer,
                task_input,
                missing=missing,
                granted=granted,
                refused=refused,
                catalogue=self.catalogue,
                costs=self.costs,
            )
            request = ConsentRequest(
                run_id=live.run_id,
                request_id=uuid.uuid4().hex,
                tool=tool,
                missing=missing,
                requested=missing | extra,
                granted=granted,
                calls=tuple(batch.calls),
                ended_grants=ended,
            )
            logger.info(
                "run %s: tool %s misses %s; asking for %s",
                live.run_id,
                tool,
                sorted(missing),
                sorted(request.requested),
            )
            if self.mode == "pausing":
                batch.pending = self.pause(live, request)
                batch.consent_urls = self.urls_for(batch.pending)
            else:
                self.apply(live, request, self.ask(request))
        except BaseException as err:
            batch.error = err
            raise
        finally:
            with live.lock:
                live.batch = None
            batch.done.set()

    @property
    def holding(self) -> tuple[str, float]:
        """This process's name and lease, for the store's transitions that need the run held."""
        return self.holder.name, self.run_lease

    def hold(self, live: LiveRun) -> None:
        """Refresh ``live`` from the store, renewing this process's lease on the run.

        Raises
        ------
        RunHeldError
            If another process holds the run (see ``_run_leases``).
        """
        start = time.monotonic()  # before the renewal: the lease ends no earlier than this + lease
        if live.held_until - start > self.run_lease / 2:
            # Half the lease left: a read (no write transaction) shows that it is still ours.
            record = self.store.get_run(live.run_id)
            if record.held_by == self.holder.name:
                live.sync(record)
                return
        record = self.store.hold_run(live.run_id, self.holder.name, self.run_lease)
        live.sync(record, start + self.run_lease)

    # -- consent ---------------------------------------------------------------------------

    def ask(self, request: ConsentRequest) -> Grant:
        if self.authorizer is None:
            raise ConfigError("A blocking ScopeGuard needs an authorizer.")
        grant = self.authorizer.authorize(request)
        if not isinstance(grant, Grant) or grant.request_id != request.request_id:
            raise AuthorizerError(
                f"The authorizer {type(self.authorizer).__name__} answered consent request "
                f"{request.request_id!r} with something else than a Grant for that request; "
                f"the call was not run. Return Grant.of(request.request_id, granted_scopes)."
            )
        return grant

    def expiry(self, grant: Grant) -> float | None:
        if grant.expires_at is not None:
            return grant.expires_at
        return None if self.grant_ttl is None else time.time() + self.grant_ttl

    def apply(self, live: LiveRun, request: ConsentRequest, grant: Grant) -> None:
        granted = grant.granted & request.requested
        warn_misspelt_grant(grant, request.requested, request.missing, self.catalogue, live.run_id)
        self.store.record_consent(
            pending_of(request),
            granted=granted,
            denied=request.missing - granted,
            declined=request.requested - request.missing - granted,
            expires_at=self.expiry(grant),
        )
        live.sync(self.store.get_run(live.run_id))

    def pause(self, live: LiveRun, request: ConsentRequest) -> PendingRequest:
        pending = live.flush(
            self.record,
            lambda records, first: self.store.open_request(
                pending_of(request), records, first, self.holding
            ),
        )
        live.sync(self.store.get_run(live.run_id))
        return pending

    def urls_for(self, pending: PendingRequest) -> dict[str, str]:
        if self.authorizer is None:
            return {}
        granted = self.store.get_run(pending.run_id).active_scopes(time.time())
        request = ConsentRequest(
            pending.run_id,
            pending.request_id,
            pending.tool,
            pending.missing,
            pending.requested,
            granted,
        )
        return self.authorizer.consent_urls(request)

    def call_records(self, live: LiveRun) -> tuple[CallRecord, ...]:
        """Saved and unsaved calls of a run, in order."""
        with live.lock:
            return (*live.saved_calls, *(self.record(c) for c in list(live.buffer)))

    def record(self, call: tuple[str, str, float]) -> CallRecord:
        tool, status, at = call
        return CallRecord(tool, self._scopes_of[tool], _as_status(status), at)


def warn_misspelt_grant(
    grant: Grant,
    requested: frozenset[str],
    missing: frozenset[str],
    catalogue: Catalogue,
    run_id: str,
) -> None:
    """Log each scope of ``grant`` that the request did not ask and the catalogue does not
    know, when the grant leaves out a requested scope: a grant built by hand with a misspelt
    name, or with a provider's own scope string (``https://www.googleapis.com/auth/...``),
    would otherwise record the real scope as refused (for the rest of the run) without a
    word. The requested scope it reads like, if any, is named."""
    lacking = sorted(requested - grant.granted)
    if not lacking:
        return
    for stray in sorted(grant.granted - requested - catalogue.all_scopes):
        close = difflib.get_close_matches(stray, lacking, n=1, cutoff=0.8)
        if close:
            refused = "refused" if close[0] in missing else "left out"
            logger.warning(
                "The grant for consent request %r of run %r holds %r, which it did not ask; "
                "did you mean %r? Only the requested scopes are granted, so %r is recorded as "
                "%s.",
                grant.request_id,
                run_id,
                stray,
                close[0],
                close[0],
                refused,
            )
        else:
            logger.warning(
                "The grant for consent request %r of run %r holds %r, which it did not ask "
                "and the catalogue does not know (a provider's own scope string? A grant "
                "names scopes as the catalogue does, e.g. %r). Only the requested scopes are "
                "granted: %s recorded as refused or left out.",
                grant.request_id,
                run_id,
                stray,
                lacking[0],
                ", ".join(map(repr, lacking)),
            )


def pending_of(request: ConsentRequest) -> PendingRequest:
    return PendingRequest(
        request_id=request.request_id,
        run_id=request.run_id,
        tool=request.tool,
        missing=request.missing,
        requested=request.requested,
        created_at=time.time(),
    )


def _as_status(status: str) -> Literal["ok", "error", "denied"]:
    if status == "error":
        return "error"
    if status == "denied":
        return "denied"
    return "ok"
