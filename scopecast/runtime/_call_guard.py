"""The guard's per-call side: the tools it knows, the run a call is checked in, the check.

:class:`CallGuard` is the base of :class:`~scopecast.runtime.ScopeGuard`. It holds what the
guard is built with (catalogue, run store, consent coordinator), the tools and the scopes
each needs (the catalogue's, and those given to ``register``), and checks each call: against
the in-process cache of the run's grants on the fast path (``_live``), through the consent
coordinator otherwise (``_coordinator``). The runs whose calls it checks are held by this
process (``_load`` takes a run's lease, ``_let_go`` gives it up). ``ScopeGuard`` adds what
happens to a run as a whole: start, resume, attach, revoke, finish, release.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextvars import Token
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

from pydantic import ValidationError

from scopecast.catalogue import Catalogue, ToolSpec
from scopecast.exceptions import ConfigError, RunStoreError, UnknownToolError
from scopecast.policy import CostModel
from scopecast.runtime._authorizers._protocol import Authorizer
from scopecast.runtime._consent import ToolCall
from scopecast.runtime._consent_answers import ConsentAnswers
from scopecast.runtime._coordinator import ConsentCoordinator, GuardMode
from scopecast.runtime._live import CurrentRun, LiveRun, LiveRuns
from scopecast.runtime._recorder import TraceRecorder
from scopecast.runtime._records import CallRecord
from scopecast.runtime._run import Run
from scopecast.runtime._run_leases import Holder
from scopecast.runtime._start_arguments import check_catalogue, check_options
from scopecast.runtime._store import DEFAULT_STORE_URL, RunStore
from scopecast.runtime._wrapping import guard_callable
from scopecast.scoring import ScopeScorer

__all__ = ["CallGuard"]

logger = logging.getLogger("scopecast.runtime._guard")

P = ParamSpec("P")
R = TypeVar("R")


class CallGuard:
    """The per-call side of :class:`~scopecast.runtime.ScopeGuard` (see the module docstring).

    Its parameters are ``ScopeGuard``'s, documented there.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        store: RunStore | str | Path | None = None,
        authorizer: Authorizer | None = None,
        mode: GuardMode = "blocking",
        scorer: ScopeScorer | None = None,
        costs: CostModel | None = None,
        recorder: TraceRecorder | None = None,
        grant_ttl: float | None = None,
        coalesce_window: float = 0.02,
        consent_timeout: float | None = 300.0,
        refresh_interval: float = 1.0,
        max_consent_rounds: int = 3,
        answer_claim_lease: float = 120.0,
        run_lease: float = 60.0,
    ) -> None:
        check_catalogue(catalogue)
        if mode not in ("blocking", "pausing"):
            raise ConfigError(
                f"The 'mode' parameter of ScopeGuard must be 'blocking' or 'pausing'. Got {mode!r}."
            )
        if mode == "blocking" and authorizer is None:
            raise ConfigError(
                "A blocking ScopeGuard needs an authorizer to ask for missing scopes. Pass "
                "authorizer=OAuthAuthorizer(...)/ConsoleAuthorizer()/CallbackAuthorizer(...), "
                "or use mode='pausing'."
            )
        if (
            max_consent_rounds < 1
            or refresh_interval <= 0
            or coalesce_window < 0
            or not answer_claim_lease > 0
            or not run_lease > 0
        ):
            raise ConfigError(
                "ScopeGuard needs max_consent_rounds >= 1, refresh_interval > 0, "
                "coalesce_window >= 0, answer_claim_lease > 0 and run_lease > 0. Got "
                f"{max_consent_rounds}, {refresh_interval}, {coalesce_window}, "
                f"{answer_claim_lease}, {run_lease}."
            )
        check_options(grant_ttl, consent_timeout, authorizer, scorer)
        _warn_cross_provider_implications(catalogue)
        self.catalogue = catalogue
        self.store = store if isinstance(store, RunStore) else RunStore(store or DEFAULT_STORE_URL)
        self.recorder = recorder
        self.refresh_interval = refresh_interval
        self._required: dict[str, frozenset[str]] = {}
        self._scopes_of: dict[str, tuple[str, ...]] = {}
        for spec in catalogue.tools:
            self._required[spec.name] = frozenset(spec.scopes)
            self._scopes_of[spec.name] = tuple(sorted(set(spec.scopes)))
        self._consent = ConsentCoordinator(
            catalogue=catalogue,
            store=self.store,
            authorizer=authorizer,
            mode=mode,
            scorer=scorer,
            costs=costs or CostModel(),
            grant_ttl=grant_ttl,
            coalesce_window=coalesce_window,
            consent_timeout=consent_timeout,
            max_consent_rounds=max_consent_rounds,
            scopes_of=self._scopes_of,
            holder=Holder(),
            run_lease=run_lease,
        )
        self._answers = ConsentAnswers(self._consent, answer_claim_lease=answer_claim_lease)
        self._live = LiveRuns()
        self._current = CurrentRun()

    @property
    def mode(self) -> GuardMode:
        """``blocking`` or ``pausing``."""
        return self._consent.mode

    @property
    def authorizer(self) -> Authorizer | None:
        """How consent is asked."""
        return self._consent.authorizer

    # -- tools -----------------------------------------------------------------------------

    def register(self, name: str, requires: Iterable[str]) -> None:
        """Declare a tool the catalogue does not list (``requires=()`` for a tool needing none).

        Raises
        ------
        ConfigError
            If the catalogue already lists ``name`` with other scopes, or ``name`` or a
            scope is not what a catalogue tool may hold (a scope is ``provider:name``): the
            run's calls are re-read in the trace format at an interruption.
        """
        scopes = frozenset(requires)
        try:
            ToolSpec(name=name, scopes=tuple(sorted(scopes)))
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
            )
            raise ConfigError(
                f"Cannot register tool {name[:80]!r}: {problems}. A tool name has 1 to 512 "
                f"characters and a scope is 'provider:name', as in a catalogue."
            ) from None
        known = self._required.get(name)
        if known is not None and known != scopes:
            raise ConfigError(
                f"Tool {name!r} needs {sorted(known)} in the catalogue; registering it with "
                f"{sorted(scopes)} would change that. Fix the catalogue instead."
            )
        self._required[name] = scopes
        self._scopes_of[name] = tuple(sorted(scopes))

    def required_scopes(self, tool: str) -> frozenset[str]:
        """The scopes a call of ``tool`` needs; :class:`UnknownToolError` for an unknown tool.

        For wrapping a tool (its calls are checked later, by name)."""
        required = self._required.get(tool)
        if required is None:
            raise UnknownToolError(tool, self._required, wrapping=True)
        return required

    def tool(
        self, name: str | None = None, *, requires: Iterable[str] | None = None
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: guard a tool function (sync or async) under the catalogue name ``name``."""

        def decorate(fn: Callable[P, R]) -> Callable[P, R]:
            return self.wrap(fn, name=name, requires=requires)

        return decorate

    def wrap(
        self, fn: Callable[P, R], *, name: str | None = None, requires: Iterable[str] | None = None
    ) -> Callable[P, R]:
        """Return ``fn`` guarded: each call is checked against the current run, then recorded.

        Raises
        ------
        UnknownToolError
            At wrap time, if the tool is neither in the catalogue nor given ``requires``.
        """
        tool = name or fn.__name__
        if requires is not None:
            self.register(tool, requires)
        return guard_callable(
            fn,
            tool,
            self.required_scopes(tool),
            self._current.var,
            self._current.get,
            self._consent.authorize,
        )

    # -- checks ----------------------------------------------------------------------------

    def check(self, tool: str, args: object = None, *, run: Run | str | None = None) -> None:
        """Authorize one call of ``tool`` and record it as made (for frameworks with their own loop).

        ``args`` is accepted for the framework's convenience and never stored. Returns when
        the call may run; raises otherwise (the call must not run).

        Raises
        ------
        UnknownToolError, ScopeDeniedError, AuthorizationRequired, ScopeRequestTimeout,
        AuthorizerError, RunStoreError, GuardStateError
        """
        live = self._authorized(tool, self._live_for(run, tool))
        live.buffer.append((tool, "ok", time.time()))

    def authorize(
        self, tool: str, *, run: Run | str | None = None, call: ToolCall | None = None
    ) -> None:
        """Authorize one call of ``tool`` as :meth:`check` does, without recording it.

        For integrations that record the call with its outcome after it ran
        (:meth:`record_call`, ``"ok"`` or ``"error"``), where :meth:`check` records it as made
        before it runs. A refused call is recorded (``denied``) by the guard, as in
        :meth:`check`. ``call`` describes the call (its framework id, name, arguments) for a
        consent it waits on (:attr:`ConsentRequest.calls`); it is never stored.

        Raises
        ------
        UnknownToolError, ScopeDeniedError, AuthorizationRequired, ScopeRequestTimeout,
        AuthorizerError, RunStoreError, GuardStateError
        """
        self._authorized(tool, self._live_for(run, tool), call)

    def record_call(
        self,
        tool: str,
        status: Literal["ok", "error"] = "ok",
        *,
        run: Run | str | None = None,
        at: float | None = None,
    ) -> None:
        """Record a call of ``tool`` that :meth:`authorize` let run, with how it ended.

        ``at``: when it started (default now). Saved with the run's other calls by
        :meth:`save_calls` or :meth:`finish`.

        Raises
        ------
        UnknownToolError
            If the catalogue does not know ``tool``.
        ConfigError
            If ``status`` is neither ``"ok"`` nor ``"error"``.
        GuardStateError
            As :meth:`run_for`.
        """
        if tool not in self._required:
            raise UnknownToolError(tool, self._required)
        if status not in ("ok", "error"):
            raise ConfigError(f"A call's status is 'ok' or 'error'; got {status!r}.")
        live = self._live_for(run, tool)
        live.buffer.append((tool, status, time.time() if at is None else at))

    def _authorized(self, tool: str, live: LiveRun, call: ToolCall | None = None) -> LiveRun:
        """``live`` once a call of ``tool`` may run in it (asking consent if needed)."""
        required = self._required.get(tool)
        if required is None:
            raise UnknownToolError(tool, self._required)
        if not (required <= live.closure and time.monotonic() < live.valid_until):
            self._consent.authorize(live, tool, required, call)
        return live

    # -- runs held by this process ---------------------------------------------------------

    def _let_go(self, live: LiveRun) -> None:
        """Release ``live`` and, unless it keeps unsaved calls, this process's lease on it."""
        if not self._live.release(live) or live.status == "finished":
            return
        live.let_go()  # first: no call of this process runs on the cache without the lease
        try:
            self.store.release_run(live.run_id, self._consent.holder.name)
        except RunStoreError as err:
            logger.warning(
                "run %s: its lease was not released (%s); it ends by itself",
                live.run_id,
                type(err).__name__,
            )

    def call_records(self, live: LiveRun) -> tuple[CallRecord, ...]:
        """Saved and unsaved calls of a run, in order."""
        return self._consent.call_records(live)

    def _load(self, run_id: str) -> LiveRun:
        """The run from the store, held by this process (``RunHeldError`` if another holds it)."""
        start = time.monotonic()
        record = self.store.hold_run(run_id, self._consent.holder.name, self._consent.run_lease)
        held = start + self._consent.run_lease
        return self._live.load(record, self.catalogue, self.refresh_interval, held)

    def _live_for(self, run: Run | str | None, tool: str | None) -> LiveRun:
        if isinstance(run, Run):
            return run._live
        if isinstance(run, str):
            live = self._live.get(run)
            if live is None:
                return self._load(run)
            self._live.hold(live)
            return live
        return self._current.get(tool)

    def activate(self, live: LiveRun) -> Token[LiveRun | None]:
        """Make ``live`` the current run of this context (used by ``Run.__enter__``)."""
        return self._current.var.set(live)

    def deactivate(self, token: Token[LiveRun | None]) -> None:
        """Undo :meth:`activate`."""
        self._current.var.reset(token)


def _warn_cross_provider_implications(catalogue: Catalogue) -> None:
    """Log once per guard the catalogue's ``implies`` that cross providers (see
    :attr:`Catalogue.cross_provider_implications`): the guard lets a grant at one provider
    cover a call that needs the other's scope, for which an OAuth app then holds no token."""
    pairs = catalogue.cross_provider_implications
    if pairs:
        shown = ", ".join(f"{scope} -> {implied}" for scope, implied in pairs[:5])
        more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
        logger.warning(
            "the catalogue has scopes implying another provider's scope (%s%s): the guard "
            "lets a grant of the first cover a call that needs the second, but an OAuth token "
            "covers only its own provider's scopes. Remove these implications unless the "
            "tools of the second provider accept the first provider's credentials.",
            shown,
            more,
        )
