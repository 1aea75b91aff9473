"""A scripted agent that pauses and resumes runs until all are finished; the crash test kills it.

``python -m tests.runtime.crash_driver STORE_URL TRACES N_RUNS KILL_AT [PREFIX]`` drives runs
``{PREFIX}run-0 .. {PREFIX}run-{N-1}`` through their script in pausing mode, resuming every pause with a full
grant. It picks up wherever the store says each run is, so running it again after a crash
completes the work. With ``KILL_AT > 0`` it SIGKILLs itself just before its KILL_AT-th SQL
statement or commit (so at every point of every transition, across runs); at the end it
prints how many statements and commits it made.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

from sqlalchemy import event

from scopecast import AuthorizationRequired, RunHeldError
from scopecast.runtime import Grant, ScopeGuard, TraceRecorder
from tests.runtime.conftest import CATALOGUE

SCRIPT = ("email.search", "email.send", "calendar.create", "slack.post", "email.send")
UPFRONT = ("google:gmail.readonly",)


def main(store_url: str, traces: str, n_runs: int, kill_at: int, prefix: str = "") -> None:
    guard = ScopeGuard(
        CATALOGUE,
        store=store_url,
        mode="pausing",
        recorder=TraceRecorder(traces),
        coalesce_window=0.0,
        run_lease=0.2,  # a run held by the killed process is taken over this soon after
    )
    count = 0

    def tick(*_: object) -> None:
        nonlocal count
        count += 1
        if count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(guard.store.engine, "before_cursor_execute", tick)
    event.listen(guard.store.engine, "commit", tick)
    store = guard.store
    for i in range(n_runs):
        run_id = f"{prefix}run-{i}"
        if store.find_run(run_id) is None:
            with contextlib.suppress(AuthorizationRequired):
                guard.start(f"task {i}", run_id=run_id, upfront=UPFRONT)
        record = store.get_run(run_id)
        while record.status != "finished":
            if record.pending is not None:
                pending = record.pending
                guard.resume(run_id, Grant.of(pending.request_id, pending.requested))
            else:
                try:
                    run = guard.attach(run_id)
                except RunHeldError as held:  # by the killed process, until its lease ends
                    time.sleep(held.remaining)
                    continue
                try:
                    for tool in SCRIPT[len(record.calls) :]:
                        run.check(tool)
                    guard.finish(run)
                except AuthorizationRequired:
                    pass
            record = store.get_run(run_id)
        if record.recorded_at is None:  # killed between finishing and recording the trace
            guard.finish(run_id)
    print(count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
