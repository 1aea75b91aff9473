"""A process forked from one that holds a run (multiprocessing's default on Linux) does not hold it.

The child inherits the parent's memory: its cache of the run's grants and lease, and the
store's open connections. Before, the child ran calls of the parent's run on that cache for
up to refresh_interval, at the same time as the parent (the child is another process: it
must take the run over, and cannot while the parent holds it), and used the parent's
SQLite connections, which SQLite forbids across a fork.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection

import pytest

from scopecast import Catalogue
from scopecast.runtime import Run, ScopeGuard


def _child(run: Run, out: Connection) -> None:
    try:
        run.check("email.search")
        out.send("ran")
    except Exception as err:
        out.send(type(err).__name__)


def test_a_forked_child_does_not_run_calls_of_its_parents_run(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing", refresh_interval=30.0)
    run = guard.start("Email Carlos", granted=["google:gmail.readonly"])
    run.check("email.search")  # the cache is valid for 30 s
    receive, send = mp.get_context("fork").Pipe(duplex=False)
    child = mp.get_context("fork").Process(target=_child, args=(run, send))
    child.start()
    assert receive.recv() == "RunHeldError"
    child.join()
    run.check("email.search")  # the parent still holds it
    guard.finish(run)
    assert [c.tool for c in guard.store.get_run(run.run_id).calls] == ["email.search"] * 2
    guard.close()


def test_a_forked_child_opens_its_own_store_connections(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    guard.start("warm-up")  # the pool holds an open connection now
    pool = guard.store.engine.pool
    receive, send = mp.get_context("fork").Pipe(duplex=False)

    def child() -> None:
        send.send(guard.store.engine.pool is not pool)

    process = mp.get_context("fork").Process(target=child)
    process.start()
    assert receive.recv() is True
    process.join()
    guard.close()


pytestmark = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods(), reason="no fork on this platform"
)
