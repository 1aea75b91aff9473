"""An authorizer for the command line: one y/n prompt per provider of a consent request."""

from __future__ import annotations

import sys
from typing import TextIO

from scopecast.runtime._consent import ConsentRequest, Grant

__all__ = ["ConsoleAuthorizer"]


class ConsoleAuthorizer:
    """Ask on a terminal, one question per provider (one consent screen each).

    Anything but ``y``/``yes`` refuses that provider's scopes; end of input refuses all
    (fail closed).

    Parameters
    ----------
    input : TextIO, optional
        Where answers are read (default: ``sys.stdin`` at the time of asking).
    output : TextIO, optional
        Where questions are written (default: ``sys.stderr`` at the time of asking).

    Examples
    --------
    >>> import io
    >>> from scopecast.runtime import ConsentRequest
    >>> auth = ConsoleAuthorizer(input=io.StringIO("y\\n"), output=io.StringIO())
    >>> req = ConsentRequest("r1", "q1", "email.send", frozenset({"g:send"}), frozenset({"g:send"}))
    >>> sorted(auth.authorize(req).granted)
    ['g:send']
    """

    def __init__(self, *, input: TextIO | None = None, output: TextIO | None = None) -> None:
        self._input = input
        self._output = output

    def __repr__(self) -> str:
        return "ConsoleAuthorizer()"

    def authorize(self, request: ConsentRequest) -> Grant:
        """Ask one question per provider and grant the providers answered with yes."""
        source = self._input if self._input is not None else sys.stdin
        sink = self._output if self._output is not None else sys.stderr
        who = "before the agent starts" if request.is_upfront else f"for tool {request.tool!r}"
        granted: set[str] = set()
        for provider, scopes in request.by_provider.items():
            needed = sorted(scopes & request.missing)
            extra = sorted(scopes - request.missing)
            sink.write(f"\nscopecast: run {request.run_id} asks {who}, at {provider}:\n")
            for scope in needed:
                sink.write(f"  {scope}  (needed now)\n")
            for scope in extra:
                sink.write(f"  {scope}  (likely needed later)\n")
            sink.write(f"Grant these {provider} scopes? [y/N] ")
            sink.flush()
            answer = source.readline()
            if answer.strip().lower() in {"y", "yes"}:
                granted |= scopes
        return Grant.of(request.request_id, granted)

    def consent_urls(self, request: ConsentRequest) -> dict[str, str]:
        """A console has no URLs."""
        return {}
