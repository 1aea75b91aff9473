"""A call that ran while a parallel call paused the run is saved when ``with run:`` exits.

The pause saves the calls made before it; a parallel call that ends after it (a slow tool
started before the pause, as in the README's ThreadPoolExecutor pattern) was kept only in
this process's memory: ``with run:`` left by ``AuthorizationRequired`` did not save it, so
the run resumed in another process, and its trace, lacked a call that ran.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from scopecast import AuthorizationRequired, Catalogue
from scopecast.runtime import Grant, RunStore, ScopeGuard


def test_a_call_that_ended_after_a_parallel_pause_is_saved(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    paused_now = threading.Event()
    ran: list[str] = []

    @guard.tool("email.search")
    def slow_search() -> str:
        paused_now.wait(5)  # started before the pause, ends after it
        ran.append("email.search")
        return "found"

    @guard.tool("email.send")
    def send() -> None:
        ran.append("email.send")

    def pausing_send() -> None:
        try:
            send()
        finally:
            paused_now.set()

    run = guard.start("Find and reply", granted=["google:gmail.readonly"])

    def agent() -> None:
        with run, ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(contextvars.copy_context().run, slow_search),
                pool.submit(contextvars.copy_context().run, pausing_send),
            ]
            pool.shutdown(wait=True)  # the search ends after the pause
            for future in futures:
                future.result()

    with pytest.raises(AuthorizationRequired) as info:
        agent()
    assert ran == ["email.search"]
    assert [c.tool for c in guard.store.get_run(run.run_id).calls] == ["email.search"]

    paused = info.value
    assert paused.request_id is not None
    other = ScopeGuard(catalogue, store=RunStore(store_url), mode="pausing")  # "another process"
    with other.resume(run.run_id, Grant.of(paused.request_id, paused.requested)) as resumed:
        resumed.check("email.send")
    record = other.store.get_run(run.run_id)
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]
    assert len(guard._live) == 0  # the pausing process keeps nothing of the run
