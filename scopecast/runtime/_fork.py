"""What a forked child (``multiprocessing``'s default on Linux) must not inherit from its parent.

A child process starts with a copy of its parent's memory: the run store's open database
connections, which SQLite forbids using across a fork (and which a PostgreSQL server would
see two processes talk on at once), and the cache of the runs the parent holds, on which the
child would run calls with the parent's lease. After a fork the child's stores open new
connections (SQLAlchemy's ``dispose(close=False)``: the parent's stay open, for the parent)
and its runs are held by no one (its next call takes the lease, or is refused while the
parent holds it). The child is single-threaded then: locks a parent's thread held at the
fork are made anew instead of taken.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scopecast.runtime._live import LiveRuns
    from scopecast.runtime._store_database import StoreDatabase

__all__ = ["track_runs", "track_store"]

_stores: weakref.WeakSet[StoreDatabase] = weakref.WeakSet()
_runs: weakref.WeakSet[LiveRuns] = weakref.WeakSet()


def track_store(store: StoreDatabase) -> None:
    """Give ``store`` new connections in a forked child."""
    _stores.add(store)


def track_runs(runs: LiveRuns) -> None:
    """Make the runs of ``runs`` held by no one in a forked child."""
    _runs.add(runs)


def _after_fork_in_child() -> None:
    for store in list(_stores):
        store.engine.dispose(close=False)
    for runs in list(_runs):
        runs.forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
