"""The scripted agent of the end-to-end test (no LLM), and its second process.

``python -m tests.runtime.e2e_agent CONFIG_JSON CALLBACK_URL RUN_ID`` is the second process:
it completes the OAuth callback (code exchange with PKCE against the loopback server),
resumes the paused run from the shared store and runs the rest of the script.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from scopecast.runtime import (
    OAuthAuthorizer,
    OAuthProvider,
    ProviderToken,
    Run,
    ScopeGuard,
    TraceRecorder,
)
from scopecast.scoring import TaskInput
from tests.runtime.conftest import CATALOGUE
from tests.runtime.oauth_server import CLIENT_ID, REDIRECT_URI

TASK = "Find the Q3 budget email, reply to Carlos, and tell the team on Slack"
SCRIPT: tuple[tuple[str, dict[str, str]], ...] = (
    ("email.search", {"query": "Q3 budget"}),
    ("email.send", {"to": "carlos@acme.com"}),
    ("calendar.create", {"title": "Budget review"}),  # the divergence: not predicted
    ("slack.post", {"channel": "#team"}),
    ("email.send", {"to": "ana@acme.com"}),
)
GMAIL = "https://www.googleapis.com/auth/"


class KeywordScorer:
    """A small ScopeScorer from task words (the e2e test's model; the guard is under test)."""

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        out = []
        for item in inputs:
            words = item.task.lower()
            probs = {"google:calendar.events": 0.05, "bank:payments.write": 0.9}
            if "email" in words or "reply" in words:
                probs |= {"google:gmail.send": 0.95, "google:gmail.readonly": 0.9}
            if "slack" in words:
                probs["slack:chat:write"] = 0.95
            out.append(probs)
        return out


def providers(base_url: str) -> list[OAuthProvider]:
    common = {
        "authorize_url": f"{base_url}/authorize",
        "token_url": f"{base_url}/token",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
    }
    return [
        OAuthProvider(
            name="google",
            scope_map={
                "google:gmail.send": GMAIL + "gmail.send",
                "google:gmail.readonly": GMAIL + "gmail.readonly",
                "google:calendar.events": GMAIL + "calendar.events",
            },
            include_granted_scopes=True,
            **common,
        ),
        OAuthProvider(name="slack", **common),
    ]


def build(
    config: dict[str, str],
) -> tuple[ScopeGuard, OAuthAuthorizer, dict[str, Callable[..., str]], list[ProviderToken]]:
    """The application: guard, authorizer, guarded tools, and its own token storage."""
    tokens: list[ProviderToken] = []
    authorizer = OAuthAuthorizer(
        providers(config["base_url"]),
        secret_key=bytes.fromhex(config["secret"]),
        on_token=tokens.append,
    )
    guard = ScopeGuard(
        CATALOGUE,
        store=config["store_url"],
        authorizer=authorizer,
        mode="pausing",
        recorder=TraceRecorder(config["traces"]),
    )
    calls_log = Path(config["calls_log"])

    def make(tool: str) -> Callable[..., str]:
        def impl(**args: str) -> str:
            with calls_log.open("a") as log:
                log.write(tool + "\n")
            return f"{tool} done"

        return guard.wrap(impl, name=tool)

    tools = {tool: make(tool) for tool in {name for name, _ in SCRIPT}}
    return guard, authorizer, tools, tokens


def continue_agent(run: Run, tools: dict[str, Callable[..., str]]) -> None:
    """Run the script from where the run stands (its recorded calls), inside the run."""
    with run:
        for tool, args in SCRIPT[len(run.calls) :]:
            tools[tool](**args)


def main(config_json: str, callback_url: str, run_id: str) -> None:
    config = json.loads(config_json)
    guard, authorizer, tools, tokens = build(config)
    grant = authorizer.complete(callback_url)
    run = guard.resume(run_id, grant)
    continue_agent(run, tools)
    record = guard.store.get_run(run_id)
    print(json.dumps({"tokens": len(tokens), "status": record.status}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
