"""An authorizer that hands each consent request to the application's own UI (a callback)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from scopecast.exceptions import AuthorizerError, GuardError
from scopecast.runtime._consent import ConsentRequest, Grant

__all__ = ["CallbackAuthorizer"]

logger = logging.getLogger(__name__)


class CallbackAuthorizer:
    """Ask for consent through a function of the application (chat message, web UI, ...).

    Parameters
    ----------
    callback : callable
        ``callback(request) -> Grant | Iterable[str]``: the user's answer, as a :class:`Grant`
        for ``request.request_id`` or as the granted scope names. Called in blocking mode.
    urls : callable, optional
        ``urls(request) -> {provider: url}`` for pausing mode; none without it.

    Examples
    --------
    >>> from scopecast.runtime import ConsentRequest
    >>> auth = CallbackAuthorizer(lambda req: req.missing)
    >>> req = ConsentRequest("r1", "q1", "email.send", frozenset({"g:send"}), frozenset({"g:send"}))
    >>> sorted(auth.authorize(req).granted)
    ['g:send']
    """

    def __init__(
        self,
        callback: Callable[[ConsentRequest], Grant | Iterable[str]],
        *,
        urls: Callable[[ConsentRequest], Mapping[str, str]] | None = None,
    ) -> None:
        self._callback = callback
        self._urls = urls

    def __repr__(self) -> str:
        return f"CallbackAuthorizer({getattr(self._callback, '__name__', 'callback')})"

    def authorize(self, request: ConsentRequest) -> Grant:
        """Call the callback and turn its answer into a :class:`Grant`."""
        try:
            answer = self._callback(request)
        except GuardError:
            raise
        except Exception as err:  # the application's UI failed: refuse (fail closed)
            if _is_control_flow(err):
                raise  # e.g. LangGraph's interrupt(): the graph pauses, the call does not run
            raise AuthorizerError(
                f"The consent callback failed on request {request.request_id!r} "
                f"({type(err).__name__}); the call was not run. Fix the callback and retry."
            ) from err
        if isinstance(answer, Grant):
            return answer
        if isinstance(answer, str) or not isinstance(answer, Iterable):
            got = "a string" if isinstance(answer, str) else f"a {type(answer).__name__}"
            raise AuthorizerError(
                f"The consent callback returned {got} for request "
                f"{request.request_id!r}, so the call was not run; return a Grant or a "
                f"collection of scope names (e.g. ['google:gmail.send'], [] for none)."
            )
        return Grant.of(request.request_id, answer)

    def consent_urls(self, request: ConsentRequest) -> dict[str, str]:
        """The URLs of ``urls(request)``, or none."""
        return {} if self._urls is None else dict(self._urls(request))


def _is_control_flow(err: BaseException) -> bool:
    """Whether ``err`` is LangGraph's control flow (``GraphBubbleUp``: an ``interrupt()``),
    which must reach the graph unchanged; checked by name, so langgraph is never imported."""
    return any(
        cls.__name__ == "GraphBubbleUp" and cls.__module__ == "langgraph.errors"
        for cls in type(err).__mro__
    )
