"""One process of the resume race: resume a paused run as the README says, send the e-mail.

``python -m tests.runtime.resume_driver STORE_URL RUN_ID REQUEST_ID SCOPES WORKDIR NAME``
resumes run ``RUN_ID`` with ``Grant.of(REQUEST_ID, SCOPES)`` (``SCOPES`` comma-separated,
may be empty) and, if the run comes back ``running``, continues the agent's script inside
it. The tool ``email.send`` appends a line to ``WORKDIR/sent.log``: a real side effect, so
that the test counts how often it really ran. The process first writes
``WORKDIR/ready-NAME`` and waits for ``WORKDIR/go`` (all racers start together), then prints
one JSON line: ``{"name": ..., "outcome": "ran" | "paused" | "conflict" | <error class>}``.
The test side is :func:`paused_run` (make the run to race on) and :func:`race_resumes`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from scopecast import AuthorizationRequired, Catalogue, ResumeConflictError, ScopeDeniedError
from scopecast.runtime import Grant, ScopeGuard
from tests.runtime.conftest import CATALOGUE

SCRIPT = ("email.search", "email.send")
ROOT = Path(__file__).resolve().parents[2]


def paused_run(catalogue: Catalogue, store_url: str) -> tuple[str, str]:
    """A run that searched, then paused on email.send (needs google:gmail.send)."""
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing", coalesce_window=0.0)
    run = guard.start("Email Carlos", granted=["google:gmail.readonly"])

    def agent() -> None:
        with run:
            run.check("email.search")
            run.check("email.send")

    with pytest.raises(AuthorizationRequired) as info:
        agent()
    guard.close()
    assert info.value.request_id is not None
    return info.value.run_id, info.value.request_id


def race_resumes(
    store_url: str, run_id: str, request_id: str, grants: Sequence[str], work: Path
) -> list[str]:
    """Start one resume_driver process per grant, release them together, return outcomes."""
    work.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.runtime.resume_driver",
                store_url,
                run_id,
                request_id,
                scopes,
                str(work),
                str(i),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, scopes in enumerate(grants)
    ]
    deadline = time.monotonic() + 60
    while len(list(work.glob("ready-*"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    (work / "go").touch()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1])["outcome"])
    return outcomes


def main(
    store_url: str, run_id: str, request_id: str, scopes: str, workdir: str, name: str
) -> None:
    work = Path(workdir)
    guard = ScopeGuard(CATALOGUE, store=store_url, mode="pausing")
    sent = work / "sent.log"

    def send() -> None:
        with sent.open("a") as out:
            out.write(f"sent by {name}\n")

    tools = {
        "email.search": guard.wrap(lambda: None, name="email.search"),
        "email.send": guard.wrap(send, name="email.send"),
    }
    grant = Grant.of(request_id, [s for s in scopes.split(",") if s])
    (work / f"ready-{name}").touch()
    while not (work / "go").exists():
        time.sleep(0.001)
    outcome: str
    try:
        run = guard.resume(run_id, grant)
        if run.status == "running":
            with run:
                for tool in SCRIPT[len(run.calls) :]:
                    tools[tool]()
            outcome = "ran"
        else:
            outcome = run.status
    except ResumeConflictError:
        outcome = "conflict"
    except ScopeDeniedError:
        outcome = "denied"
    except Exception as err:  # reported to the test, which fails on it
        outcome = f"{type(err).__name__}: {err}"
    finally:
        guard.close()
    print(json.dumps({"name": name, "outcome": outcome}))


if __name__ == "__main__":
    main(*sys.argv[1:7])
