"""ConsoleAuthorizer (y/n per provider, fail closed on end of input) and CallbackAuthorizer."""

from __future__ import annotations

import io

import pytest

import scopecast.runtime
from scopecast import AuthorizerError
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, ConsoleAuthorizer, Grant

REQUEST = ConsentRequest(
    "run-1",
    "req-1",
    "email.send",
    missing=frozenset({"google:gmail.send"}),
    requested=frozenset({"google:gmail.send", "google:calendar.events", "slack:chat:write"}),
)


def test_console_asks_once_per_provider() -> None:
    out = io.StringIO()
    grant = ConsoleAuthorizer(input=io.StringIO("yes\nn\n"), output=out).authorize(REQUEST)
    assert grant == Grant.of("req-1", {"google:gmail.send", "google:calendar.events"})
    text = out.getvalue()
    assert text.count("[y/N]") == 2
    assert "google:gmail.send  (needed now)" in text
    assert "google:calendar.events  (likely needed later)" in text


def test_console_end_of_input_refuses() -> None:
    grant = ConsoleAuthorizer(input=io.StringIO(""), output=io.StringIO()).authorize(REQUEST)
    assert grant.granted == frozenset()
    assert ConsoleAuthorizer().consent_urls(REQUEST) == {}


def test_callback_answers_and_failures() -> None:
    assert CallbackAuthorizer(lambda r: ["google:gmail.send"]).authorize(REQUEST).granted == {
        "google:gmail.send"
    }
    with pytest.raises(AuthorizerError, match="returned a string"):
        CallbackAuthorizer(lambda r: "google:gmail.send").authorize(REQUEST)  # type: ignore[arg-type,return-value]

    def broken(request: ConsentRequest) -> list[str]:
        raise KeyError("ui")

    with pytest.raises(AuthorizerError, match="KeyError"):
        CallbackAuthorizer(broken).authorize(REQUEST)
    urls = CallbackAuthorizer(broken, urls=lambda r: {"google": "https://consent"})
    assert urls.consent_urls(REQUEST) == {"google": "https://consent"}


def test_runtime_all_matches_namespace() -> None:
    public = {name for name in dir(scopecast.runtime) if not name.startswith("_")}
    assert set(scopecast.runtime.__all__) <= public | {"DEFAULT_STORE_URL", "GuardMode"}
    for name in scopecast.runtime.__all__:
        assert getattr(scopecast.runtime, name) is not None
