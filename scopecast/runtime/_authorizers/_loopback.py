"""A user agent for blocking OAuth on a desktop or CLI: the browser, and a loopback redirect listener.

RFC 8252 (OAuth for native apps): the application listens on ``127.0.0.1`` for the one
redirect that carries the authorization code, opens the authorization URL in the user's
browser, and returns the redirect URL to :meth:`OAuthAuthorizer.complete`.
"""

from __future__ import annotations

import hmac
import http.server
import logging
import threading
import webbrowser
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from scopecast.exceptions import AuthorizerError, ScopeRequestTimeout

__all__ = ["LoopbackRedirect"]

logger = logging.getLogger(__name__)

_DONE_PAGE = b"<html><body><p>Consent received. You can close this tab.</p></body></html>"


class LoopbackRedirect:
    """``user_agent`` for :class:`OAuthAuthorizer`: open the URL, catch the redirect on loopback.

    Parameters
    ----------
    port : int
        The loopback port of the provider's registered redirect URI
        (``http://127.0.0.1:{port}{path}``, see :attr:`redirect_uri`).
    path : str, default "/callback"
        The redirect URI's path.
    timeout : float, default 300
        Seconds to wait for the user; then :class:`ScopeRequestTimeout` (the call is refused).
    open_url : callable, optional
        Shows the URL to the user; default :func:`webbrowser.open`.
    """

    def __init__(
        self,
        port: int,
        *,
        path: str = "/callback",
        timeout: float = 300.0,
        open_url: Callable[[str], object] | None = None,
    ) -> None:
        self.port = port
        self.path = path
        self.timeout = timeout
        self._open_url = open_url or webbrowser.open

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register with the provider and to put in its OAuthProvider."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __repr__(self) -> str:
        return f"LoopbackRedirect({self.redirect_uri!r})"

    def __call__(self, authorization_url: str) -> str:
        """Open ``authorization_url`` and return the redirect URL the browser comes back with.

        Only a redirect carrying the ``state`` of ``authorization_url`` ends the wait; other
        requests to the path are answered 400 and ignored.
        """
        received: list[str] = []
        arrived = threading.Event()
        expected_path = self.path
        expected_state = _state_of(authorization_url)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if arrived.is_set() or urlsplit(self.path).path != expected_path:
                    self.send_error(404)
                    return
                if expected_state is not None and not hmac.compare_digest(
                    _state_of(self.path) or "", expected_state
                ):
                    # Not the redirect of this authorization (another local process, a stale
                    # tab): it must not end the wait, or it would stand for the user's answer.
                    self.send_error(400, "Not the OAuth redirect this application waits for")
                    return
                received.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(_DONE_PAGE)
                arrived.set()

            def log_message(self, format: str, *args: object) -> None:
                """No access log: the redirect URL carries the authorization code."""

        try:
            server = http.server.HTTPServer(("127.0.0.1", self.port), Handler)
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise AuthorizerError(
                f"Cannot listen on {self.redirect_uri} for the OAuth redirect ({reason}); the "
                f"consent was not asked and the call was not run. Another process "
                f"holds port {self.port}: stop it, or register another loopback redirect URI "
                f"with the provider and pass its port."
            ) from err
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            self._open_url(authorization_url)
            if not arrived.wait(self.timeout):
                raise ScopeRequestTimeout(
                    f"No OAuth redirect reached {self.redirect_uri} within {self.timeout:.0f} s; "
                    f"the consent was not given and the call was not run. Ask again."
                )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        return f"http://127.0.0.1:{self.port}{received[0]}"


def _state_of(url: str) -> str | None:
    """The ``state`` query parameter of ``url`` (ASCII only), or ``None``."""
    values = parse_qs(urlsplit(url).query).get("state")
    return values[0] if values and values[0].isascii() else None
