"""Callbacks racing to claim one paused run's answer (SQLite and PostgreSQL tests share it)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from scopecast import Catalogue, ResumeConflictError
from scopecast.runtime import ScopeGuard
from tests.runtime.resume_driver import paused_run


def race_claims(catalogue: Catalogue, store_url: str, racers: int) -> list[str]:
    """``racers`` guards, released together, claim one paused run's answer: their outcomes."""
    run_id, request_id = paused_run(catalogue, store_url)
    guards = [ScopeGuard(catalogue, store=store_url, mode="pausing") for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def claim(guard: ScopeGuard) -> str:
        barrier.wait()
        try:
            guard.claim_answer(run_id, request_id, "google")
        except ResumeConflictError as conflict:
            return f"in flight ({conflict.status})" if conflict.in_flight else "answered"
        return "claimed"

    with ThreadPoolExecutor(racers) as pool:
        outcomes = sorted(pool.map(claim, guards))
    for guard in guards:
        guard.close()
    return outcomes
