"""LoopbackRedirect waits for the redirect of its own authorization, not any request to its path."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from scopecast.exceptions import AuthorizerError
from scopecast.runtime import LoopbackRedirect


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_request_without_the_authorizations_state_does_not_end_the_wait() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}/callback"
    statuses: list[int] = []
    done = threading.Event()

    def browser(url: str) -> None:
        def visits() -> None:
            try:
                # Another local process (or a stale tab) gets there first, then the real one.
                for query in ("code=other&state=forged", "code=other", "code=real&state=S1"):
                    statuses.append(httpx.get(f"{base}?{query}", timeout=5).status_code)
            finally:
                done.set()

        threading.Thread(target=visits, daemon=True).start()

    user_agent = LoopbackRedirect(port, open_url=browser, timeout=10)
    redirected = user_agent("https://as.invalid/authorize?client_id=c&state=S1")
    assert redirected == f"{base}?code=real&state=S1"
    assert done.wait(5)
    assert statuses == [400, 400, 200]


def test_an_error_redirect_with_the_state_ends_the_wait() -> None:
    port = _free_port()

    def browser(url: str) -> None:
        location = f"http://127.0.0.1:{port}/callback?error=access_denied&state=S1"
        threading.Thread(target=httpx.get, args=(location,), daemon=True).start()

    redirected = LoopbackRedirect(port, open_url=browser, timeout=10)(
        "https://as.invalid/authorize?state=S1"
    )
    assert redirected.endswith("?error=access_denied&state=S1")


def test_a_port_in_use_is_an_authorizer_error_saying_so() -> None:
    """Not a bare OSError: the consent was not asked, and the message says what to do."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        opened: list[str] = []
        with pytest.raises(AuthorizerError, match=f"Another process holds port {port}"):
            LoopbackRedirect(port, open_url=opened.append, timeout=1)(
                "https://as.invalid/authorize?state=S1"
            )
        assert opened == []  # the browser was not sent to a consent nobody would receive
