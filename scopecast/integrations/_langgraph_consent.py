"""Consent through LangGraph's ``interrupt``: the payload, the answer and the authorizer.

The consent half of :mod:`scopecast.integrations.langgraph` (which re-exports all of it):
LangGraph is imported only when :class:`InterruptAuthorizer` asks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NotRequired, TypeAlias

from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from scopecast.catalogue import Catalogue
from scopecast.exceptions import AuthorizerError
from scopecast.runtime._consent import (
    ConsentRequest,
    Grant,
    ToolCall,
    group_by_provider,
    refuse_one_string,
)

__all__ = [
    "PAYLOAD_TYPE",
    "CallArgs",
    "ConsentAnswer",
    "InterruptAuthorizer",
    "all_requested",
    "consent_answer",
    "consent_id_of",
    "consent_payload",
]

logger = logging.getLogger("scopecast.integrations.langgraph")

PAYLOAD_TYPE = "scopecast.consent"
"""The ``type`` of an :class:`InterruptAuthorizer` interrupt's payload."""

CallArgs: TypeAlias = bool | Callable[[ToolCall], Mapping[str, Any] | None]
"""Which arguments of a waiting call the payload shows: ``True`` all the model sent,
``False`` none, or a function of the :class:`~scopecast.runtime.ToolCall` returning the
arguments to show (redacted), ``None`` for none."""


class ConsentAnswer(TypedDict):
    """The resume value of a consent interrupt: ``Command(resume=ConsentAnswer)``.

    ``consent_id`` is the payload's; ``granted`` the scopes the user granted (requested
    scopes left out are refused); ``denied`` scopes are refused even if also in ``granted``.
    """

    consent_id: str
    granted: list[str]
    denied: NotRequired[list[str]]


def consent_id_of(request: ConsentRequest) -> str:
    """A stable name for ``request``'s question, the same in every execution of the node.

    The guard's ``request_id`` is new in each execution (LangGraph runs the node again on
    resume), so the answer is matched on the run and the scopes the call misses (the
    upfront scopes, and that it is the upfront consent, for the consent asked at the
    start), and on the grants of those scopes
    that ended (:attr:`~scopecast.runtime.ConsentRequest.ended_grants`): the same scopes
    asked again after a revocation or an expiry are a new question, which the node's answer
    to the earlier one (handed back first when the node runs again) must not answer.
    """
    asked = request.missing or request.requested
    question: list[object] = [request.run_id, sorted(asked)]
    if request.is_upfront:
        # Declined upfront scopes are asked again at the call that needs them: with the same
        # scopes, the upfront answer (handed back first) would answer that call's question.
        question.append(request.tool)
    if request.ended_grants:  # without: the same id as before this was part of it
        question.append(sorted(request.ended_grants))
    key = json.dumps(question, separators=(",", ":"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def consent_payload(
    request: ConsentRequest, catalogue: Catalogue | None = None, *, call_args: CallArgs = True
) -> dict[str, Any]:
    """The JSON-serialisable value an :class:`InterruptAuthorizer` interrupts with.

    Scope names grouped by provider, the tool and the ids; never a token or a code.
    ``"calls"`` lists the tool calls that wait for the consent (the one that asked first):
    ``{"id": str | None, "name": str | None, "tool": str, "args": {...}}`` (LangChain's tool
    call id and tool name, the catalogue tool, the arguments the model sent: never the
    injected ones hidden from the model, such as ``InjectedToolArg``); ``call_args``
    (:data:`CallArgs`) shows all the arguments, none (no ``"args"`` key) or what a function
    of the call returns, e.g. redacted. A value that is not JSON becomes ``"<TypeName>"``.
    Empty for the consent asked at the start. With a ``catalogue``, ``"scopes"`` also
    describes each requested scope for the consent screen:
    ``{scope: {"description": str | None, "risk": float}}``.
    """
    payload: dict[str, Any] = {
        "type": PAYLOAD_TYPE,
        "consent_id": consent_id_of(request),
        "request_id": request.request_id,
        "run_id": request.run_id,
        "tool": request.tool,
        "missing": {p: sorted(s) for p, s in group_by_provider(request.missing).items()},
        "requested": {p: sorted(s) for p, s in group_by_provider(request.requested).items()},
        "calls": [_call_of(call, call_args) for call in request.calls],
    }
    if catalogue is not None:
        payload["scopes"] = {
            scope: {"description": spec.description, "risk": spec.risk}
            for scope in sorted(request.requested)
            for spec in (catalogue.scope(scope),)
        }
    return payload


def _call_of(call: ToolCall, call_args: CallArgs) -> dict[str, Any]:
    described: dict[str, Any] = {"id": call.call_id, "name": call.name, "tool": call.tool}
    if call_args is True:
        args: Mapping[str, Any] | None = call.args
    elif call_args is False:
        args = None
    else:
        args = call_args(call)
    if args is not None:
        text = json.dumps(dict(args), default=lambda value: f"<{type(value).__name__}>")
        described["args"] = json.loads(text)
    return described


def consent_answer(
    payload: Mapping[str, Any], *, granted: Iterable[str] = (), denied: Iterable[str] = ()
) -> ConsentAnswer:
    """The resume value answering ``payload`` (``Command(resume=consent_answer(...))``).

    Requested scopes not in ``granted`` are refused; ``granted=all_requested(payload)``
    grants everything asked.

    Raises
    ------
    ConfigError
        If ``granted`` or ``denied`` is a single string (it would be read as its characters).
    """
    for what, names in (("granted", granted), ("denied", denied)):
        refuse_one_string(names, "consent_answer", what, "['google:gmail.send']")
    answer = ConsentAnswer(consent_id=str(payload["consent_id"]), granted=sorted(set(granted)))
    refused = sorted(set(denied))
    if refused:
        answer["denied"] = refused
    return answer


def all_requested(payload: Mapping[str, Any]) -> list[str]:
    """Every scope a consent payload asks for (to grant all of it)."""
    requested: Mapping[str, Iterable[str]] = payload["requested"]
    return sorted(scope for scopes in requested.values() for scope in scopes)


class InterruptAuthorizer:
    """Ask consent with LangGraph's ``interrupt``: the graph pauses until the user answers.

    For a blocking :class:`~scopecast.runtime.ScopeGuard` whose tools run inside a LangGraph
    graph compiled with a checkpointer. The interrupt's value is :func:`consent_payload`; the
    application resumes the graph with ``Command(resume=consent_answer(payload, granted=...))``
    (a :class:`ConsentAnswer`). A resume value of another shape fails the graph run with a
    ``ValidationError`` and is not saved, so the consent can be answered again. Outside a graph
    (e.g. ``guard.start(upfront=...)`` before ``invoke``) it raises
    :class:`~scopecast.exceptions.AuthorizerError`: pass the scopes the application holds as
    ``granted=`` there, or let the tools ask.

    ``catalogue``: the guard's, to describe each requested scope in the payload (its
    description and risk, for the consent screen). ``call_args`` (:data:`CallArgs`): which
    arguments of the waiting tool calls the payload shows (all by default; ``False`` for
    none, or a function returning them redacted). The payload is saved in the graph's
    checkpointer, as the model's tool calls in its messages are; never in the run store.
    """

    def __init__(self, catalogue: Catalogue | None = None, *, call_args: CallArgs = True) -> None:
        self.catalogue = catalogue
        self.call_args = call_args

    def __repr__(self) -> str:
        shown = [] if self.catalogue is None else ["catalogue=..."]
        if self.call_args is not True:
            shown.append("call_args=False" if self.call_args is False else "call_args=...")
        return f"InterruptAuthorizer({', '.join(shown)})"

    def authorize(self, request: ConsentRequest) -> Grant:
        """Interrupt the graph with the request's payload; the user's answer as a Grant."""
        from langgraph.config import get_config
        from langgraph.types import interrupt

        try:
            get_config()
        except RuntimeError:
            raise AuthorizerError(
                f"InterruptAuthorizer asks consent with LangGraph's interrupt(), which works only "
                f"inside a graph node; consent request {request.request_id!r} (tool "
                f"{request.tool!r}) was made outside one and refused. Pass the scopes the "
                f"application holds as ScopeGuard.start(granted=...), or call the tool in the graph."
            ) from None
        payload = consent_payload(request, self.catalogue, call_args=self.call_args)
        while True:
            # LangGraph matches resume values to interrupts by their order in the node. An
            # answer to another consent of this node (applied in an earlier execution of it,
            # so not asked any more) comes first: skip it and take the next one.
            answer: ConsentAnswer = interrupt(payload, response_schema=ConsentAnswer)
            if answer["consent_id"] == payload["consent_id"]:
                break
            logger.info(
                "run %s: skipped a consent answer of another question (consent %s)",
                request.run_id,
                answer["consent_id"],
            )
        granted = frozenset(answer["granted"]) - frozenset(answer.get("denied", ()))
        return Grant.of(request.request_id, granted & request.requested)

    def consent_urls(self, request: ConsentRequest) -> dict[str, str]:
        """No URLs: the consent is asked by the graph's interrupt (blocking mode only)."""
        return {}
