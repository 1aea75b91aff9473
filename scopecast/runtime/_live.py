"""A run's state inside one process: the cached grant closure, refusals, unsaved calls, batches.

The guard's fast path reads :attr:`LiveRun.closure` and :attr:`LiveRun.valid_until` without a
lock (both are replaced, never mutated, under :attr:`LiveRun.lock`). Everything else changes
under the lock. The run store stays the source of truth: the cache is refreshed from it every
``refresh_interval`` seconds (so a revocation made by another process takes effect) and at
the first expiry of a grant. A finished run has an empty closure and an invalid cache, so
every call on it goes to the slow path, which refuses it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from scopecast.catalogue import Catalogue
from scopecast.runtime._records import CallRecord, PendingRequest, RunRecord, RunStatus
from scopecast.traces import PlanStep

__all__ = ["ConsentBatch", "LiveRun"]


class ConsentBatch:
    """Misses gathered into one consent request; followers wait on :attr:`done`."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing: set[str] = set(missing)
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
        self.batch: ConsentBatch | None = None
        self._catalogue = catalogue
        self._refresh_interval = refresh_interval
        self.saved_calls: tuple[CallRecord, ...] = ()
        # Unsaved calls as (tool, status, at); appended without the lock (list.append is atomic).
        self.buffer: list[tuple[str, str, float]] = []
        self.closure: frozenset[str] = frozenset()
        self.valid_until = 0.0
        self.sync(record)

    def sync(self, record: RunRecord) -> None:
        """Replace the cached state with ``record`` (read from the store just now)."""
        with self.lock:
            now = time.time()
            self.status: RunStatus = record.status
            self.pending: PendingRequest | None = record.pending
            self.denied = record.denied
            self.declined = record.declined
            active = [g for g in record.grants if g.is_active(now)]
            self.granted = frozenset(g.scope for g in active)
            if len(record.calls) > len(self.saved_calls):
                self.saved_calls = record.calls
            if record.status == "finished":
                self.mark_finished()
                return
            expiries = [g.expires_at for g in active if g.expires_at is not None]
            self.closure = self._catalogue.closure(self.granted)
            self.valid_until = min([now + self._refresh_interval, *expiries])

    def mark_finished(self) -> None:
        """Authorize nothing more: every call takes the slow path, which refuses it (fail closed)."""
        with self.lock:
            self.status = "finished"
            self.pending = None
            self.closure = frozenset()
            self.valid_until = 0.0

    def invalidate(self) -> None:
        """Force the next call through the slow path (which refreshes from the store)."""
        self.valid_until = 0.0

    def take_unsaved(self) -> tuple[list[tuple[str, str, float]], int]:
        """Detach the unsaved calls and return them with the sequence number of the first."""
        with self.lock:
            taken = self.buffer[: len(self.buffer)]
            del self.buffer[: len(taken)]
            return taken, len(self.saved_calls)

    def mark_saved(self, calls: Iterable[CallRecord]) -> None:
        """Record that ``calls`` are now in the store (after a successful flush)."""
        with self.lock:
            self.saved_calls = (*self.saved_calls, *calls)

    def restore_unsaved(self, taken: list[tuple[str, str, float]]) -> None:
        """Put back calls whose flush failed, ahead of any recorded since."""
        with self.lock:
            self.buffer[:0] = taken
