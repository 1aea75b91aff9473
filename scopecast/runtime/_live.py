"""A run's state inside one process: the cached grant closure, refusals, unsaved calls, batches.

The guard's fast path reads :attr:`LiveRun.closure` and :attr:`LiveRun.valid_until` without a
lock (both are replaced, never mutated, under :attr:`LiveRun.lock`). The cache's deadlines
(``valid_until``, ``held_until``) are on :func:`time.monotonic`: a wall clock stepped back
(NTP, a restored VM) must not keep an expired or revoked grant valid in the cache. Everything else changes
under the lock. The run store stays the source of truth: the cache is refreshed from it every
``refresh_interval`` seconds (so a revocation made by another process takes effect) and at
the first expiry of a grant. A finished run has an empty closure and an invalid cache, so
every call on it goes to the slow path, which refuses it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TypeVar

from scopecast.catalogue import Catalogue
from scopecast.exceptions import GuardStateError
from scopecast.runtime._consent import ToolCall
from scopecast.runtime._fork import track_runs
from scopecast.runtime._records import (
    CallRecord,
    GrantRecord,
    PendingRequest,
    RunRecord,
    RunStatus,
)
from scopecast.traces import PlanStep

_T = TypeVar("_T")

__all__ = ["ConsentBatch", "CurrentRun", "LiveRun", "LiveRuns"]


class ConsentBatch:
    """Misses gathered into one consent request; followers wait on :attr:`done`."""

    def __init__(self, missing: Iterable[str], tool: str, call: ToolCall | None = None) -> None:
        self.missing: set[str] = set(missing)
        self.tools: list[str] = [tool]
        """The tools whose calls wait on this consent, the leader's first."""
        self.calls: list[ToolCall] = [] if call is None else [call]
        """The calls an integration described (``call=``), in the order they joined."""
        self.sealed = False
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.pending: PendingRequest | None = None
        self.consent_urls: dict[str, str] = {}


class LiveRun:
    """The in-process view of one stored run (see the module docstring)."""

    def __init__(self, record: RunRecord, catalogue: Catalogue, refresh_interval: float) -> None:
        self.run_id = record.run_id
        self.task = record.task
        self.context = dict(record.context)
        self.plan: tuple[PlanStep, ...] | None = record.plan
        self.started_at = record.started_at
        self.lock = threading.RLock()
        # Held across a flush of the unsaved calls (take, write, mark saved): two flushes at
        # once (parallel tool calls that each save when they end) would number their calls
        # from the same saved count and collide in the store.
        self.save_lock = threading.Lock()
        self.batch: ConsentBatch | None = None
        self._catalogue = catalogue
        self._refresh_interval = refresh_interval
        self.saved_calls: tuple[CallRecord, ...] = ()
        # Unsaved calls as (tool, status, at); appended without the lock (list.append is atomic).
        self.buffer: list[tuple[str, str, float]] = []
        self.closure: frozenset[str] = frozenset()
        self.valid_until = 0.0
        # When this process's lease on the run ends, by its own monotonic clock (_run_leases).
        self.held_until = 0.0
        self.sync(record)

    def sync(self, record: RunRecord, held_until: float | None = None) -> None:
        """Replace the cached state with ``record`` (read from the store just now).

        ``held_until``: the end of the lease this process took with that read (on
        :func:`time.monotonic`, as the cache's validity). The cache
        is never valid past the lease, nor at all while the run is paused (the resume that
        answers it, perhaps in another process, takes the run over at once).
        """
        with self.lock:
            if held_until is not None:
                self.held_until = held_until
            now = time.monotonic()
            # Expiries are on the store's clock: judged at the read, turned into this
            # process's monotonic clock by the time they had left then.
            read_at = time.time() if record.read_at is None else record.read_at
            self.status: RunStatus = record.status
            self.pending: PendingRequest | None = record.pending
            self.denied = record.denied
            self.declined = record.declined
            # Every grant the run had, ended ones included: a consent that asks a scope again
            # after its grant ended names the grant (ConsentRequest.ended_grants).
            self.grants: tuple[GrantRecord, ...] = record.grants
            active = [g for g in record.grants if g.is_active(read_at)]
            self.granted = frozenset(g.scope for g in active)
            if len(record.calls) > len(self.saved_calls):
                self.saved_calls = record.calls
            if record.status == "finished":
                self.mark_finished()
                return
            expiries = [now + g.expires_at - read_at for g in active if g.expires_at is not None]
            self.closure = self._catalogue.closure(self.granted)
            self.valid_until = (
                min([now + self._refresh_interval, self.held_until, *expiries])
                if record.status == "running"
                else 0.0
            )

    def mark_finished(self) -> None:
        """Authorize nothing more: every call takes the slow path, which refuses it (fail closed)."""
        with self.lock:
            self.status = "finished"
            self.pending = None
            self.closure = frozenset()
            self.valid_until = 0.0

    def let_go(self) -> None:
        """This process no longer holds the run: its next call takes the lease again first."""
        with self.lock:
            self.held_until = 0.0
            self.valid_until = 0.0

    def invalidate(self) -> None:
        """Force the next call through the slow path (which refreshes from the store)."""
        self.valid_until = 0.0

    def flush(
        self,
        record: Callable[[tuple[str, str, float]], CallRecord],
        write: Callable[[list[CallRecord], int], _T],
    ) -> _T:
        """Write the unsaved calls: ``write(records, first_seq)``, under the save lock.

        ``record`` turns each unsaved call into its record. When ``write`` raises, the calls
        are put back ahead of any made since, for the next flush; otherwise they count as
        saved.
        """
        with self.save_lock:
            with self.lock:
                taken = self.buffer[: len(self.buffer)]
                del self.buffer[: len(taken)]
                first = len(self.saved_calls)
            records = [record(call) for call in taken]
            try:
                written = write(records, first)
            except BaseException:
                with self.lock:
                    self.buffer[:0] = taken
                raise
            with self.lock:
                self.saved_calls = (*self.saved_calls, *records)
            return written


class LiveRuns:
    """The :class:`LiveRun` of each run one guard uses in this process, held only while needed.

    A run is *held* (a strong reference) from its start, resume or attach until it pauses,
    ends by an exception with its calls saved, or finishes: while held it may have unsaved
    calls that only this process knows. Released, it stays *known* (a weak reference) as long
    as a :class:`~scopecast.runtime.Run` handle or a context still refers to it, so that a
    later resume in this process reuses that same LiveRun (two LiveRuns of one run would
    number their calls independently and collide); then it is freed. A guard serving many
    runs therefore keeps only the runs in progress in memory.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, LiveRun] = {}
        self._known: weakref.WeakValueDictionary[str, LiveRun] = weakref.WeakValueDictionary()
        track_runs(self)

    def forked(self) -> None:
        """In a forked child: hold nothing, and let every known run take its lease again.

        Called single-threaded right after the fork, so the locks are made anew rather
        than taken (a thread of the parent may have held one).
        """
        self._lock = threading.Lock()
        self._held = {}
        for live in list(self._known.values()):
            live.lock = threading.RLock()
            live.save_lock = threading.Lock()
            live.held_until = 0.0
            live.valid_until = 0.0

    def __len__(self) -> int:
        """How many runs are held (in progress in this process)."""
        return len(self._held)

    def held(self) -> list[LiveRun]:
        """The runs held now."""
        with self._lock:
            return list(self._held.values())

    def get(self, run_id: str) -> LiveRun | None:
        """The LiveRun of ``run_id`` if this process still refers to it, else ``None``."""
        return self._known.get(run_id)

    def load(
        self,
        record: RunRecord,
        catalogue: Catalogue,
        refresh_interval: float,
        held_until: float | None = None,
    ) -> LiveRun:
        """The LiveRun of ``record``'s run (the known one, or a new one), synced and held."""
        with self._lock:
            live = self._known.get(record.run_id)
            if live is None:
                live = LiveRun(record, catalogue, refresh_interval)
                self._known[record.run_id] = live
            if record.status == "finished":
                self._held.pop(record.run_id, None)
            else:
                self._held[record.run_id] = live
        live.sync(record, held_until)
        return live

    def hold(self, live: LiveRun) -> None:
        """Hold ``live`` again (it is used without a handle, e.g. ``check(run=run_id)``)."""
        if self._held.get(live.run_id) is live:
            return  # the common case, without the lock
        with self._lock:
            if live.status != "finished":
                self._held[live.run_id] = live

    def release(self, live: LiveRun, *, force: bool = False) -> bool:
        """Stop holding ``live`` unless it has unsaved calls (``force``: even then); say if released."""
        with self._lock, live.lock:
            if live.buffer and not force:
                return False
            if self._held.get(live.run_id) is live:
                del self._held[live.run_id]
            return True


class CurrentRun:
    """The run that wrapped tools are checked against in this context (``with run:`` sets it).

    A context variable: asyncio tasks inherit it, threads do not (a call submitted to a
    thread pool carries it with ``contextvars.copy_context().run``). The wrappers' fast path
    reads :attr:`var` directly.
    """

    def __init__(self) -> None:
        self.var: ContextVar[LiveRun | None] = ContextVar("scopecast_current_run", default=None)

    def get(self, tool: str | None) -> LiveRun:
        """The current run; :class:`GuardStateError` (the call is refused) when there is none."""
        live = self.var.get()
        if live is None:
            raise GuardStateError(
                f"Tool {tool!r} was called outside a run, so the guard cannot tell which "
                f"grants apply and refused it. Call it inside `with guard.start(task) as run:` "
                f"(or `with guard.resume(...)`), or pass run= to check(). In a thread started "
                f"inside the run (a ThreadPoolExecutor...), the run is not current: threads "
                f"do not inherit it; submit the call with its context, "
                f"`pool.submit(contextvars.copy_context().run, tool, *args)`."
            )
        return live
