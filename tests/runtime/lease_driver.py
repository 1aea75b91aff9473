"""A process that wins a resume, makes a call, then dies or goes on holding the run.

``python -m tests.runtime.lease_driver STORE_URL RUN_ID REQUEST_ID WORKDIR MODE LEASE``
resumes ``RUN_ID`` with a grant of ``google:gmail.send`` (``ScopeGuard(run_lease=LEASE)``),
sends one e-mail (a line in ``WORKDIR/sent.log``), saves its calls and writes
``WORKDIR/ready``. ``MODE`` ``exit``: it then dies at once (``os._exit``, no clean-up);
``hold``: it keeps calling ``email.search`` every 0.05 s (it renews its hold on the run by
using it) until it is killed or a call is refused, which it notes in ``WORKDIR/refused``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from scopecast import GuardStateError
from scopecast.runtime import Grant, ScopeGuard
from tests.runtime.conftest import CATALOGUE


def main(store_url: str, run_id: str, request_id: str, workdir: str, mode: str, lease: str) -> None:
    work = Path(workdir)
    guard = ScopeGuard(
        CATALOGUE, store=store_url, mode="pausing", run_lease=float(lease), refresh_interval=0.05
    )

    @guard.tool("email.send")
    def send() -> None:
        with (work / "sent.log").open("a") as out:
            out.write(f"sent by {os.getpid()}\n")

    run = guard.resume(run_id, Grant.of(request_id, ["google:gmail.send"]))
    with run:
        send()
        guard.save_calls(run)
        (work / "ready").touch()
        if mode == "exit":
            os._exit(0)
        try:
            while True:
                run.check("email.search")
                time.sleep(0.05)
        except GuardStateError as err:
            (work / "refused").write_text(type(err).__name__)
            os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:7])
