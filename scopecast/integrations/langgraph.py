"""scopecast for LangGraph: guarded LangChain tools, and consent through LangGraph's ``interrupt``.

Needs ``pip install 'scopecast[langgraph]'``; ``import scopecast`` never imports this module.

- :func:`guard_tools` returns LangChain tools (``BaseTool``, ``@tool``) whose every call is
  checked by a :class:`~scopecast.runtime.ScopeGuard` under the tool's catalogue name, in the
  run named by the graph's config (:func:`run_config`). A tool not in the catalogue is refused
  when it is wrapped; a guard error refuses the call (the tool is not run).
- :class:`InterruptAuthorizer` asks a missing consent with ``langgraph.types.interrupt``: the
  graph pauses durably (its checkpointer saves it) and the application shows the interrupt's
  payload (:func:`consent_payload`; scope names and the tool calls that wait, never a token)
  to the user, then resumes with ``Command(resume=consent_answer(payload, granted=[...]))``.

On resume LangGraph runs the interrupted node again from its start. The guard records a consent
in its run store when the answer arrives, so the node's second execution asks nothing new for
it: the interrupted call runs once, with the scopes granted. Each answer names the consent it
answers (``consent_id``); an answer of an earlier consent of the same node, which LangGraph
hands back first when a node paused more than once, is skipped rather than applied to another
question. A refused scope raises :class:`~scopecast.exceptions.ScopeDeniedError` in the guard;
by default the guarded tool turns it into an error ``ToolMessage`` for the model (``status``
``"error"``), so the agent can go on without that tool (``on_denied="raise"`` propagates it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, PrivateAttr

from scopecast.exceptions import (
    GuardStateError,
    MissingExtraError,
    RunStoreError,
    ScopeDeniedError,
)
from scopecast.integrations._langgraph_consent import (
    PAYLOAD_TYPE,
    CallArgs,
    ConsentAnswer,
    InterruptAuthorizer,
    all_requested,
    consent_answer,
    consent_id_of,
    consent_payload,
)
from scopecast.runtime._consent import ToolCall
from scopecast.runtime._run import Run

INSTALL_HINT = "pip install 'scopecast[langgraph]'"

try:
    import langgraph.types  # noqa: F401  (interrupt, Command: imported where used)
    from langchain_core.messages import ToolMessage
    from langchain_core.runnables import RunnableConfig, ensure_config
    from langchain_core.tools import BaseTool
    from langgraph.errors import GraphBubbleUp
except ModuleNotFoundError as _err:
    if (_err.name or "").partition(".")[0] not in ("langgraph", "langchain_core"):
        raise
    raise MissingExtraError(
        f"scopecast.integrations.langgraph needs LangGraph, which is not installed "
        f"({_err.name} is missing). Install it with: {INSTALL_HINT}"
    ) from _err

if TYPE_CHECKING:
    from scopecast.runtime._guard import ScopeGuard

__all__ = [
    "PAYLOAD_TYPE",
    "RUN_ID_KEY",
    "CallArgs",
    "ConsentAnswer",
    "GuardedTool",
    "InterruptAuthorizer",
    "all_requested",
    "consent_answer",
    "consent_id_of",
    "consent_payload",
    "guard_tools",
    "run_config",
]

logger = logging.getLogger(__name__)

RUN_ID_KEY = "scopecast_run_id"
"""The key of ``config["configurable"]`` that names the guarded run of a graph invocation."""

OnDenied = Literal["message", "raise"]


def run_config(
    run: Run | str, *, thread_id: str | None = None, config: RunnableConfig | None = None
) -> RunnableConfig:
    """A graph config naming the guarded run (``configurable[RUN_ID_KEY]``) and the thread.

    ``thread_id`` defaults to the one ``config`` has, else the run id. Pass the same config
    to the ``invoke`` that resumes the graph after a consent interrupt.
    """
    run_id = run.run_id if isinstance(run, Run) else run
    base: dict[str, Any] = dict(config or {})
    configurable = dict(base.get("configurable") or {})
    configurable[RUN_ID_KEY] = run_id
    if thread_id is not None:
        configurable["thread_id"] = thread_id
    configurable.setdefault("thread_id", run_id)
    base["configurable"] = configurable
    return cast(RunnableConfig, base)


# -- tools ---------------------------------------------------------------------------------


def guard_tools(
    guard: ScopeGuard,
    tools: Sequence[BaseTool],
    *,
    names: Mapping[str, str] | None = None,
    on_denied: OnDenied = "message",
) -> list[GuardedTool]:
    """Wrap LangChain tools so that each call is checked by ``guard`` first.

    Parameters
    ----------
    guard : ScopeGuard
        The guard (usually blocking, with an :class:`InterruptAuthorizer`).
    tools : sequence of BaseTool
        The tools (``@tool`` functions, ``StructuredTool``, any ``BaseTool``).
    names : mapping, optional
        LangChain tool name -> catalogue tool name, for tools named otherwise in the catalogue.
    on_denied : {"message", "raise"}, default "message"
        A refused scope: an error ``ToolMessage`` for the model, or the
        :class:`~scopecast.exceptions.ScopeDeniedError` raised out of the graph.

    Raises
    ------
    UnknownToolError
        If a tool's catalogue name is neither in the catalogue nor registered (fail closed).
    ConfigError
        If ``on_denied`` is neither ``"message"`` nor ``"raise"``.
    """
    from scopecast.exceptions import ConfigError

    if on_denied not in ("message", "raise"):
        raise ConfigError(f"on_denied must be 'message' or 'raise'. Got {on_denied!r}.")
    names = dict(names or {})
    return [
        GuardedTool.of(guard, tool, names.get(tool.name, tool.name), on_denied) for tool in tools
    ]


class GuardedTool(BaseTool):
    """A LangChain tool whose calls go through a :class:`~scopecast.runtime.ScopeGuard` first.

    Made by :func:`guard_tools`. It has the wrapped tool's name, description and arguments
    and runs it (``run``/``arun``, so callbacks, argument parsing, injected arguments and its
    own error handling are the wrapped tool's). The run is ``config["configurable"][RUN_ID_KEY]``
    (:func:`run_config`), else the guard's current run (``with run:``); with neither the call
    is refused. Each call is saved to the run store after it ran.
    """

    catalogue_name: str
    on_denied: OnDenied = "message"
    _inner: BaseTool = PrivateAttr()
    _guard: ScopeGuard = PrivateAttr()

    @classmethod
    def of(
        cls, guard: ScopeGuard, tool: BaseTool, catalogue_name: str, on_denied: OnDenied
    ) -> GuardedTool:
        """Wrap ``tool`` as catalogue tool ``catalogue_name`` (UnknownToolError if unknown)."""
        guard.required_scopes(catalogue_name)  # UnknownToolError now, not at the first call
        guarded = cls(
            name=tool.name,
            description=tool.description,
            args_schema=tool.args_schema,
            return_direct=tool.return_direct,
            response_format=tool.response_format,
            tags=tool.tags,
            metadata=tool.metadata,
            extras=tool.extras,
            catalogue_name=catalogue_name,
            on_denied=on_denied,
        )
        guarded._inner = tool
        guarded._guard = guard
        return guarded

    @property
    def inner(self) -> BaseTool:
        """The wrapped tool."""
        return self._inner

    @property
    def func(self) -> Any:
        """The wrapped tool's function, if any (``ToolNode`` reads its injected arguments)."""
        return getattr(self._inner, "func", None)

    @property
    def coroutine(self) -> Any:
        """The wrapped tool's coroutine function, if any."""
        return getattr(self._inner, "coroutine", None)

    @property
    def tool_call_schema(self) -> Any:
        """The wrapped tool's schema as the model sees it."""
        return self._inner.tool_call_schema

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """The wrapped tool's input schema (with its injected arguments)."""
        return cast("type[BaseModel]", self._inner.get_input_schema(config))

    def _run(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - run() is overridden
        raise NotImplementedError

    # -- calls -----------------------------------------------------------------------------

    def run(self, tool_input: str | dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        """Check the call with the guard, then run the wrapped tool (its ``run``)."""
        run, refused = self._authorize(tool_input, kwargs)
        if refused is not None:
            return refused
        with self._recorded(run) as at:
            result = self._inner.run(tool_input, *args, **kwargs)
        self._record(run, _status_of(result), at)
        return result

    async def arun(self, tool_input: str | dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        """Async :meth:`run`: the guard's slow path runs in a worker thread (with the context)."""
        run, refused = await asyncio.to_thread(self._authorize, tool_input, kwargs)
        if refused is not None:
            return refused
        with self._recorded(run) as at:
            result = await self._inner.arun(tool_input, *args, **kwargs)
        self._record(run, _status_of(result), at)
        return result

    @contextmanager
    def _recorded(self, run: Run) -> Iterator[float]:
        """Around the wrapped tool's execution (from the time it yields): a call that raised is
        recorded as an ``error``; one that paused the graph is not recorded at all."""
        at = time.time()
        try:
            yield at
        except GraphBubbleUp:
            # The tool paused the graph (its own interrupt()): not a call that ended. LangGraph
            # runs it again on resume, and that execution is recorded.
            self._guard.release(run)
            raise
        except BaseException:
            self._record(run, "error", at)
            raise

    def _authorize(
        self, tool_input: str | dict[str, Any], kwargs: Mapping[str, Any]
    ) -> tuple[Run, ToolMessage | str | None]:
        guard = self._guard
        config = ensure_config(kwargs.get("config"))
        run_id = (config.get("configurable") or {}).get(RUN_ID_KEY)
        if run_id is not None and not isinstance(run_id, str):
            raise GuardStateError(
                f"config['configurable'][{RUN_ID_KEY!r}] must be a run id (str); tool "
                f"{self.name!r} was refused (not run). Build the config with run_config(run)."
            )
        run = guard.run_for(run_id, tool=self.catalogue_name)
        try:
            guard.authorize(self.catalogue_name, run=run, call=self._call(tool_input, kwargs))
        except ScopeDeniedError as err:
            _save(guard, run)  # the guard recorded the refused call
            if self.on_denied == "raise":
                raise
            tool_call_id = kwargs.get("tool_call_id")
            if tool_call_id is None:
                return run, str(err)
            return run, ToolMessage(
                content=str(err), tool_call_id=tool_call_id, name=self.name, status="error"
            )
        except BaseException:
            # Refused, or paused by LangGraph's interrupt: the run is in the store, and the
            # node's next execution loads it again if this process let it go.
            guard.release(run)
            raise
        return run, None

    def _call(self, tool_input: str | dict[str, Any], kwargs: Mapping[str, Any]) -> ToolCall:
        """The call for a consent screen: the arguments the model sent (not the injected ones)."""
        if isinstance(tool_input, str):
            args: dict[str, Any] = {"input": tool_input}
        else:
            schema = self._inner.tool_call_schema
            if isinstance(schema, dict):
                sent = schema.get("properties") or {}
            else:  # a pydantic model (v2's model_fields, v1's __fields__)
                sent = getattr(schema, "model_fields", None)
                if sent is None:
                    sent = getattr(schema, "__fields__", {})
            args = {key: value for key, value in tool_input.items() if key in sent}
        return ToolCall(self.catalogue_name, kwargs.get("tool_call_id"), self.name, args)

    def _record(self, run: Run, status: Literal["ok", "error"], at: float) -> None:
        self._guard.record_call(self.catalogue_name, status, run=run, at=at)
        _save(self._guard, run)


def _status_of(result: object) -> Literal["ok", "error"]:
    if isinstance(result, ToolMessage) and result.status == "error":
        return "error"
    return "ok"


def _save(guard: ScopeGuard, run: Run) -> None:
    """Save the run's calls now: the graph may pause, and its process end, at any node."""
    try:
        guard.save_calls(run)
    except RunStoreError:
        # The calls ran; they stay in memory for the run's next save (see ScopeGuard.save_calls).
        logger.warning("run %s: calls not saved yet (run store error)", run.run_id)
        return
    guard.release(run)
