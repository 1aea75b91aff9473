"""Fixtures of the runtime tests: a small catalogue, a file-backed run store, a scripted consent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from scopecast import Catalogue, ScopeSpec, ToolSpec
from scopecast.runtime import ConsentRequest, Grant, RunStore
from tests.runtime.oauth_server import LoopbackOAuthServer, ScriptedTokenEndpoint

CATALOGUE = Catalogue(
    tools=(
        ToolSpec(name="email.search", scopes=("google:gmail.readonly",)),
        ToolSpec(name="email.send", scopes=("google:gmail.send",)),
        ToolSpec(name="email.archive", scopes=("google:gmail.modify",)),
        ToolSpec(name="calendar.create", scopes=("google:calendar.events",)),
        ToolSpec(name="slack.post", scopes=("slack:chat:write",)),
        ToolSpec(name="bank.pay", scopes=("bank:payments.write",)),
        ToolSpec(name="email.forward", scopes=("google:gmail.readonly", "google:gmail.send")),
        ToolSpec(name="clock.now", scopes=()),
    ),
    scopes=(
        ScopeSpec(name="google:gmail.modify", risk=0.7, implies=("google:gmail.readonly",)),
        ScopeSpec(name="google:gmail.readonly", risk=0.3),
        ScopeSpec(name="google:gmail.send", risk=0.6),
        ScopeSpec(name="google:calendar.events", risk=0.4),
        ScopeSpec(name="slack:chat:write", risk=0.5),
        ScopeSpec(name="bank:payments.write", risk=1.0, jit_only=True),
    ),
)


class ScriptedConsent:
    """A user who answers every consent with ``answer(request)``; remembers what was asked.

    This is the user, not a stand-in for the component under test: it is plugged into the
    real ``CallbackAuthorizer``.
    """

    def __init__(self, answer: Callable[[ConsentRequest], Iterable[str]] | None = None) -> None:
        self.requests: list[ConsentRequest] = []
        self._answer = answer or (lambda request: request.requested)

    def __call__(self, request: ConsentRequest) -> Grant:
        self.requests.append(request)
        return Grant.of(request.request_id, self._answer(request))


@pytest.fixture
def catalogue() -> Catalogue:
    return CATALOGUE


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.db'}"


@pytest.fixture
def store(store_url: str) -> RunStore:
    store = RunStore(store_url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LoopbackOAuthServer]:
    """A local OAuth authorization server (authorize and token endpoints), one per module."""
    server = LoopbackOAuthServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(shared_server: LoopbackOAuthServer) -> LoopbackOAuthServer:
    """The module's OAuth server, its issued codes and tokens forgotten before each test."""
    shared_server.reset()
    return shared_server


@pytest.fixture
def token_endpoint(monkeypatch: pytest.MonkeyPatch) -> ScriptedTokenEndpoint:
    """A provider's token endpoint answering each exchange with the next scripted JSON."""
    return ScriptedTokenEndpoint(monkeypatch)
