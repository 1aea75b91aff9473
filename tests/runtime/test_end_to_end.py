"""End to end: PreAuthorizer, upfront OAuth consent, a divergence that pauses, resume elsewhere.

A real OAuth 2.0 server (authlib, PKCE required) listens on loopback; the scripted agent
(no LLM) runs in this process until a call needs a scope that was not predicted; the
user's consent comes back to a second process, which exchanges the code, resumes the run
from the shared SQLite store and finishes it. The recorded trace must equal the calls made.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scopecast import AuthorizationRequired, read_traces
from scopecast.runtime import Grant, PreAuthorizer
from tests.runtime.conftest import CATALOGUE
from tests.runtime.e2e_agent import SCRIPT, TASK, KeywordScorer, build, continue_agent
from tests.runtime.oauth_server import LoopbackOAuthServer, follow_consent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[LoopbackOAuthServer]:
    server = LoopbackOAuthServer().start()
    yield server
    server.stop()


@pytest.mark.slow
def test_end_to_end_pause_in_one_process_resume_in_another(
    server: LoopbackOAuthServer, tmp_path: Path
) -> None:
    config = {
        "base_url": server.base_url,
        "secret": secrets.token_bytes(32).hex(),
        "store_url": f"sqlite:///{tmp_path / 'runs.db'}",
        "traces": str(tmp_path / "traces.jsonl"),
        "calls_log": str(tmp_path / "calls.log"),
    }
    guard, authorizer, tools, tokens = build(config)

    # 1. Before the start: the plan, one consent per provider, never a jit_only scope.
    plan = PreAuthorizer(KeywordScorer(), catalogue=CATALOGUE).plan(TASK, {"domain": "work"})
    assert plan.providers == ("google", "slack")
    assert "bank:payments.write" not in plan.upfront_scopes
    with pytest.raises(AuthorizationRequired) as start:
        guard.start(TASK, context={"domain": "work"}, upfront=plan.upfront_scopes)
    run_id = start.value.run_id
    assert set(start.value.consent_urls) == {"google", "slack"}
    grant = Grant.of(start.value.request_id or "", ())
    for url in start.value.consent_urls.values():
        grant = grant.merge(authorizer.complete(follow_consent(url)))
    run = guard.resume(run_id, grant)
    assert run.granted == plan.upfront_scopes

    # 2. The agent runs until the divergence (calendar.create was not predicted): it pauses.
    with pytest.raises(AuthorizationRequired) as divergence:
        continue_agent(run, tools)
    assert divergence.value.tool == "calendar.create"
    assert divergence.value.missing == {"google:calendar.events"}
    callback = follow_consent(divergence.value.consent_urls["google"])
    asked = server.authorization_requests[-1]
    assert asked["include_granted_scopes"] == "true"
    assert asked["code_challenge_method"] == "S256"

    # 3. The user's consent reaches another process, which resumes and finishes the run.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    second = subprocess.run(
        [sys.executable, "-m", "tests.runtime.e2e_agent", json.dumps(config), callback, run_id],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout.splitlines()[-1]) == {"tokens": 1, "status": "finished"}

    # 4. The recorded trace is exactly the calls made, across both processes.
    made = Path(config["calls_log"]).read_text().split()
    assert made == [tool for tool, _ in SCRIPT]
    (trace,) = read_traces(config["traces"])
    assert trace.trace_id == run_id
    assert trace.task == TASK
    assert trace.context == {"domain": "work"}
    assert [c.tool for c in trace.calls] == made
    assert all(c.status == "ok" for c in trace.calls)
    for call in trace.calls:
        assert set(call.scopes) == set(CATALOGUE.tool(call.tool).scopes)  # type: ignore[union-attr]

    # 5. Tokens reached the application, and nowhere else.
    assert len(tokens) == 2
    issued = server.issued_tokens
    assert len(issued) >= 3
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for token in issued:
        assert token.encode() not in written
        assert token not in second.stdout + second.stderr
