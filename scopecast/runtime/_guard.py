"""The point-of-execution guard: every tool call runs only with the scopes it needs.

A call whose scopes (closed under ``implies``) are granted runs at once: that path reads an
in-process cache and costs a few microseconds. Otherwise, in **blocking** mode the guard
asks the authorizer for the missing scopes plus the policy's just-in-time batch and goes on;
in **pausing** mode it saves the run and raises :class:`AuthorizationRequired`, and
:meth:`ScopeGuard.resume` continues it later, in any process that uses the same run store.
Misses of parallel calls within ``coalesce_window`` seconds become one consent request.
Unknown tools, refused scopes and store errors refuse the call: the guard fails closed.

The per-call side of :class:`ScopeGuard` (its tools, the checks of their calls, the runs
this process holds) is its base :class:`~scopecast.runtime._call_guard.CallGuard`; this
module adds what happens to a run as a whole: start, resume, attach, revoke, finish, release.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence

from scopecast.exceptions import AuthorizationRequired, ConfigError, GuardStateError, RunStoreError
from scopecast.runtime._answer_claims import AnswerClaim
from scopecast.runtime._call_guard import CallGuard
from scopecast.runtime._consent import START_TOOL, ConsentRequest, Grant
from scopecast.runtime._coordinator import GuardMode, pending_of
from scopecast.runtime._recorder import record_finished
from scopecast.runtime._records import CallRecord
from scopecast.runtime._run import Run
from scopecast.runtime._start_arguments import check_context, scope_names, warn_unknown_scopes
from scopecast.runtime._store_failures import calls_not_saved, run_not_finished
from scopecast.traces import PlanStep, Trace

__all__ = ["GuardMode", "ScopeGuard"]

logger = logging.getLogger(__name__)


class ScopeGuard(CallGuard):
    """Guard an agent's tool calls with the scopes the catalogue says each tool needs.

    Parameters
    ----------
    catalogue : Catalogue
        Which scopes each tool needs; a tool not in it (nor registered) is refused.
    store : RunStore, str or pathlib.Path, optional
        The run store or its SQLAlchemy URL; default a SQLite file ``scopecast-runs.db``.
    authorizer : Authorizer, optional
        How consent is asked. Required in blocking mode; in pausing mode it supplies the
        consent URLs of :class:`AuthorizationRequired` (none without it).
    mode : {"blocking", "pausing"}, default "blocking"
    scorer : ScopeScorer, optional
        Re-predicts the run's needs at an interruption, for the just-in-time batch.
    costs : CostModel, optional
        The policy's costs for the batch.
    recorder : TraceRecorder, optional
        Where finished runs are appended as traces.
    grant_ttl : float, optional
        Seconds a grant lasts when the authorizer gives no expiry; default: until revoked.
    coalesce_window : float, default 0.02
        Seconds a consent waits for other parallel misses to join it.
    consent_timeout : float or None, default 300
        Seconds a call waits for a consent asked by a parallel call.
    refresh_interval : float, default 1.0
        Seconds between re-reads of a run's grants from the store (revocations by other
        processes take effect within this time).
    max_consent_rounds : int, default 3
        Consents asking for one call's scopes (it led or joined them) before it is refused (no
        asking loops); waiting for a consent sealed before the call missed is not one.
    answer_claim_lease : float, default 120
        Seconds an OAuth callback's claim on an answer (see :meth:`claim_answer`) lasts if
        its process dies mid-exchange; longer than a token exchange (its HTTP timeout, 30 s
        by default, per connect/write/read), ``on_token`` and the ``resume`` after it: a
        second delivery of the redirect after the lease would exchange the code again.
    run_lease : float, default 60
        Seconds a run stays held by this process after it last used the store for it (see
        :class:`~scopecast.exceptions.RunHeldError`): another process can take over the run
        of a process that died this long after it stopped. Calls renew it at least every
        ``refresh_interval``; a process idle for longer keeps the run unless another takes
        it over, and its next call is then refused.
    """

    def close(self) -> None:
        """Close the run store's connections (the guard's store; runs stay saved).

        The runs this process holds without unsaved calls are given up first (another
        process may take them at once); one with unsaved calls stays held until its lease
        ends, so that no other process numbers calls over the ones it made.
        """
        for live in self._live.held():
            self._let_go(live)
        self.store.close()

    def __repr__(self) -> str:
        return f"ScopeGuard(mode={self.mode!r}, store={self.store!r}, tools={len(self._required)})"

    # -- runs ------------------------------------------------------------------------------

    def run_for(self, run: Run | str | None = None, *, tool: str | None = None) -> Run:
        """The handle of the run a call is checked in: ``run``, else the current run.

        A run id this process let go is loaded from the store. For integrations that
        :meth:`authorize` a call and :meth:`record_call` it once it ran; ``tool`` (the call's)
        is named in the error when no run is current.

        Raises
        ------
        GuardStateError
            If ``run`` is ``None`` and no run is current in this context, or the run id is
            unknown.
        RunStoreError
            If the store cannot be read.
        """
        if isinstance(run, Run):
            return run
        return Run(self, self._live_for(run, tool))

    def start(
        self,
        task: str,
        *,
        context: Mapping[str, str] | None = None,
        plan: Sequence[PlanStep] | None = None,
        upfront: Iterable[str] = (),
        granted: Iterable[str] = (),
        run_id: str | None = None,
    ) -> Run:
        """Start a run: ask the ``upfront`` scopes (one consent per provider), save it, return it.

        ``upfront`` is usually ``PreAuthorizer.plan(...).upfront_scopes``; ``jit_only``
        scopes in it, and scopes whose ``implies`` closure holds a ``jit_only`` scope, are
        dropped (the ``jit_only`` scope is asked only at its point of execution).
        ``granted`` are scopes the application already holds for this user: they are held
        until revoked (``grant_ttl`` applies to the grants the guard obtains, whose lifetime
        it is told or sets; the application knows its own tokens' and revokes them with
        :meth:`revoke` when they end).

        In blocking mode the upfront consent is asked before the run is saved: if the
        authorizer raises, no run is left behind and the start may be retried with the same
        ``run_id`` (a LangGraph node that calls ``start`` runs again after an interrupt).

        Raises
        ------
        AuthorizationRequired
            In pausing mode when upfront scopes must be consented: the run is saved paused;
            call :meth:`resume` with the user's :class:`Grant`.
        GuardStateError
            If a run with ``run_id`` exists already.
        """
        if not isinstance(task, str) or not task.strip():
            raise ConfigError("A run needs a non-empty task (the request the agent received).")
        check_context(context)
        run_id = run_id or uuid.uuid4().hex
        asked = scope_names(upfront, "upfront")
        warn_unknown_scopes(asked, self.catalogue)
        jit = frozenset(filter(self.catalogue.implies_jit_only, asked))
        if jit:
            logger.warning(
                "jit_only scopes (or scopes implying one) dropped from the upfront request: %s",
                sorted(jit),
            )
        held = scope_names(granted, "granted")
        to_ask = asked - jit - self.catalogue.closure(held)
        plan_steps = None if plan is None else tuple(plan)
        context = dict(context or {})
        request = ConsentRequest(run_id, uuid.uuid4().hex, START_TOOL, frozenset(), to_ask, held)
        if to_ask and self.mode == "pausing":
            self.store.create_run(
                run_id,
                task=task,
                context=context,
                plan=plan_steps,
                granted=held,
                pending=pending_of(request),
            )
            raise AuthorizationRequired(
                run_id,
                START_TOOL,
                to_ask,
                to_ask,
                self._consent.urls_for(pending_of(request)),
                request_id=request.request_id,
            )
        grant = None
        if to_ask:
            # Asked before the run is created: an authorizer that raises (a failed prompt, or
            # a LangGraph interrupt, after which the node runs again) leaves no half-started
            # run, and the same start can be retried with the same run id.
            if self.store.find_run(run_id) is not None:
                raise GuardStateError(
                    f"Run {run_id!r} exists already. Run ids must be unique; let the guard "
                    f"choose one, or resume the existing run with resume()."
                )
            grant = self._consent.ask(request)
        self.store.create_run(run_id, task=task, context=context, plan=plan_steps, granted=held)
        live = self._load(run_id)
        if grant is not None:
            try:
                self._consent.apply(live, request, grant)
            except BaseException:
                self._let_go(live)  # no handle will use it; the run stays in the store
                raise
        return Run(self, live)

    def resume(self, run_id: str, grant: Grant) -> Run:
        """Apply the user's answer to the run's pending consent and continue it (any process).

        Requested scopes the grant leaves out are refused. A grant of some providers
        (``OAuthAuthorizer.complete`` gives one per provider callback) refuses only their
        scopes; the run stays paused until every provider of the request answered.

        Each answer is applied once: of racing resumes of a request (a retried job, a
        reloaded redirect page, two processes), exactly one returns the run ``running``
        (a compare-and-set in the store).

        Raises
        ------
        ResumeConflictError
            If the answer was applied already, or another answer resumed the run: this
            resume runs nothing and must not continue the agent.
        GuardStateError
            If the run or the request is unknown, or the request belongs to another run.
        """
        start = time.monotonic()  # the winning resume holds the run from before it took it
        record = self._answers.resume(run_id, grant)
        held = start + self._consent.run_lease if record.status == "running" else None
        live = self._live.load(record, self.catalogue, self.refresh_interval, held)
        if live.status != "running":
            self._live.release(live)  # it waits for other providers: nothing to keep in memory
        return Run(self, live)

    def ensure_pending(self, run_id: str, request_id: str, provider: str) -> None:
        """Raise unless ``provider``'s answer to consent request ``request_id`` is still awaited.

        A check only, with no effect: a reloaded redirect page or a stale consent URL fails
        it. Before an authorization code is exchanged use :meth:`claim_answer`, which checks
        the same and also claims the answer.

        Raises
        ------
        ResumeConflictError
            If that provider's answer (or the whole request) was recorded already.
        GuardStateError
            If the request is unknown, of another run or provider, or the run is finished.
        """
        self._answers.ensure_pending(run_id, request_id, provider)

    def claim_answer(self, run_id: str, request_id: str, provider: str) -> AnswerClaim:
        """Check that ``provider``'s answer to ``request_id`` is awaited, and claim it.

        For ``OAuthAuthorizer.complete(url, claim=guard.claim_answer)``: checked (as
        :meth:`ensure_pending`) and claimed before the authorization code is exchanged, in
        the transaction that locks the run, so that of two deliveries of the same redirect
        at the same instant only one exchanges its code. ``complete`` releases the claim if
        the consent fails; otherwise it holds until :meth:`resume` records the answer, and a
        claim whose process died ends after ``answer_claim_lease`` seconds.

        Raises
        ------
        ResumeConflictError
            If that provider's answer was recorded already, or another callback holds the
            claim on it (``in_flight``).
        GuardStateError
            If the request is unknown, of another run or provider, or the run is finished.
        """
        return self._answers.claim_answer(run_id, request_id, provider)

    def attach(self, run_id: str) -> Run:
        """The handle of a stored run (e.g. in another process), with its state reloaded.

        This process then holds the run (see :class:`~scopecast.exceptions.RunHeldError`).

        Raises
        ------
        RunHeldError
            If another process holds the run and its lease has not ended.
        """
        return Run(self, self._load(run_id))

    def pending_consent(self, run_id: str) -> AuthorizationRequired | None:
        """The consent a paused run waits for, rebuilt with fresh consent URLs (after a crash)."""
        return self._answers.pending_consent(run_id)

    def revoke(self, run_id: str, scopes: Iterable[str]) -> int:
        """Revoke ``scopes`` in a run at once (in this process; others within refresh_interval).

        The grants of scopes that imply one of ``scopes`` (in the catalogue) are revoked too:
        they would go on covering the calls that need it. Returns how many grants were
        revoked, those included.
        """
        names = scope_names(scopes, "scopes", method="revoke")
        implying = frozenset(
            s for s in self.catalogue.all_scopes if self.catalogue.closure((s,)) & names
        )
        if implying - names:
            logger.info(
                "run %s: revoking %s also revokes the scopes that imply them: %s",
                run_id,
                sorted(names),
                sorted(implying - names),
            )
        count = self.store.revoke(run_id, names | implying)
        live = self._live.get(run_id)
        if live is not None:
            live.invalidate()  # first: if the read below fails, the next call reads the store
            try:
                live.sync(self.store.get_run(run_id))
            except RunStoreError as err:
                raise RunStoreError(
                    f"{err} The scopes were revoked ({count} grant(s)); this process's next "
                    f"call of run {run_id!r} reads its grants from the store again."
                ) from err
        return count

    def finish(self, run: Run | str) -> Trace | None:
        """Finish a run: save its calls, mark it finished, record its trace; ``None`` if done.

        Crash-safe: see :func:`~scopecast.runtime._recorder.record_finished`.
        """
        live = self._live_for(run, None)
        self.save_calls(run)
        try:
            finished_now = self.store.finish(live.run_id, holder=self._consent.holding)
        except RunStoreError as err:
            raise run_not_finished(err, live.run_id) from err
        live.mark_finished()  # the handle (and any reference to it) now refuses calls
        self._live.release(live, force=True)
        return record_finished(self.store, self.recorder, live.run_id, finished_now=finished_now)

    def save_calls(self, run: Run | str) -> None:
        """Write the run's unsaved calls to the store."""
        live = self._live_for(run, None)

        def append(records: list[CallRecord], first: int) -> None:
            try:
                self.store.append_calls(live.run_id, records, first, self._consent.holding)
            except RunStoreError as err:
                raise calls_not_saved(err, live.run_id, records) from err

        live.flush(self._consent.record, append)

    def release(self, run: Run | str) -> None:
        """Stop keeping a run put aside (paused, interrupted) in memory; ``with run:`` does it.

        The run stays in the store; one with unsaved calls is kept until they are saved.
        """
        live = run._live if isinstance(run, Run) else self._live.get(run)
        if live is not None:
            self._let_go(live)
