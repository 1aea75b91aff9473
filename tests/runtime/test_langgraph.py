"""scopecast in a real LangGraph graph: guarded tools in a ToolNode, consent by ``interrupt``.

The graph, its ToolNode, checkpointer and ``Command(resume=...)`` are LangGraph's own; only
the chat model is scripted (a node that emits the next ``AIMessage`` of a script).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pytest

pytest.importorskip(
    "langgraph", reason="needs the langgraph extra: pip install 'scopecast[langgraph]'"
)

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, InjectedToolArg, InjectedToolCallId, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import InjectedState, ToolNode, tools_condition
from langgraph.types import Command, interrupt

from scopecast import (
    AuthorizerError,
    Catalogue,
    GuardStateError,
    ScopeDeniedError,
    UnknownToolError,
    read_traces,
)
from scopecast.integrations.langgraph import (
    RUN_ID_KEY,
    InterruptAuthorizer,
    all_requested,
    consent_answer,
    guard_tools,
    run_config,
)
from scopecast.runtime import (
    CallbackAuthorizer,
    ConsentRequest,
    ScopeGuard,
    ToolCall,
    TraceRecorder,
)

NAMES = {
    "search_email": "email.search",
    "send_email": "email.send",
    "add_event": "calendar.create",
    "post_slack": "slack.post",
}


class Effects:
    """What the tools really did (the side effects the guard must allow or prevent)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.events: list[str] = []
        self.searches: list[str] = []

    def tools(self) -> list[BaseTool]:
        @tool
        def search_email(query: str) -> str:
            """Search the mailbox."""
            self.searches.append(query)
            return f"3 mails about {query}"

        @tool
        def send_email(to: str) -> str:
            """Send an email."""
            self.sent.append(to)
            return f"sent to {to}"

        @tool
        def add_event(title: str) -> str:
            """Add a calendar event."""
            self.events.append(title)
            return f"added {title}"

        return [search_email, send_email, add_event]


def call(name: str, call_id: str, **args: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def scripted_agent(
    tools: Sequence[BaseTool], script: list[AIMessage], checkpointer: Any = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """A ReAct graph (model node -> ToolNode -> model ...) whose model follows ``script``."""

    def model(state: MessagesState) -> dict[str, list[AIMessage]]:
        turn = sum(isinstance(m, AIMessage) for m in state["messages"])
        return {"messages": [script[turn]]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", model)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=checkpointer or InMemorySaver())


def make_guard(catalogue: Catalogue, tmp_path: Path, **kw: Any) -> ScopeGuard:
    return ScopeGuard(
        catalogue,
        store=f"sqlite:///{tmp_path / 'runs.db'}",
        authorizer=InterruptAuthorizer(),
        recorder=TraceRecorder(tmp_path / "runs.jsonl"),
        **kw,
    )


def tool_messages(result: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


SEND = [AIMessage("", tool_calls=[call("send_email", "c1", to="carlos")]), AIMessage("done")]


def test_granted_upfront_call_runs_without_interrupt(catalogue: Catalogue, tmp_path: Path) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    run = guard.start("Email Carlos", granted={"google:gmail.send"})
    result = graph.invoke({"messages": [("user", "Email Carlos")]}, run_config(run))
    assert "__interrupt__" not in result
    assert effects.sent == ["carlos"]
    assert [m.content for m in tool_messages(result)] == ["sent to carlos"]
    trace = guard.finish(run)
    assert trace is not None
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "ok")]


def test_missing_scope_interrupts_and_the_granted_call_runs_once(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    run = guard.start("Email Carlos")
    config = run_config(run, thread_id="thread-1")

    result = graph.invoke({"messages": [("user", "Email Carlos")]}, config)
    (pause,) = result["__interrupt__"]
    payload = pause.value
    assert payload["type"] == "scopecast.consent"
    assert payload["run_id"] == run.run_id
    assert payload["tool"] == "email.send"
    assert payload["missing"] == {"google": ["google:gmail.send"]}
    assert payload["requested"] == {"google": ["google:gmail.send"]}
    assert payload["request_id"]
    assert payload["consent_id"]
    json.dumps(payload)  # JSON-serialisable, as LangGraph's clients need
    assert effects.sent == []  # paused before the tool ran
    assert graph.get_state(config).next == ("tools",)

    answer = consent_answer(payload, granted=all_requested(payload))
    result = graph.invoke(Command(resume=answer), config)
    assert "__interrupt__" not in result
    assert effects.sent == ["carlos"]  # exactly once, after the consent
    assert [m.content for m in tool_messages(result)] == ["sent to carlos"]
    assert "google:gmail.send" in guard.attach(run.run_id).granted
    trace = guard.finish(run.run_id)
    assert trace is not None
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "ok")]
    assert [t.calls[0].tool for t in read_traces(tmp_path / "runs.jsonl")] == ["email.send"]


def test_the_payload_describes_each_requested_scope_with_a_catalogue(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    described = catalogue.model_copy(
        update={
            "scopes": tuple(
                s.model_copy(update={"description": "Send email on your behalf"})
                if s.name == "google:gmail.send"
                else s
                for s in catalogue.scopes
            )
        }
    )
    guard = ScopeGuard(
        described,
        store=f"sqlite:///{tmp_path / 'runs.db'}",
        authorizer=InterruptAuthorizer(described),
    )
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    run = guard.start("Email Carlos")
    result = graph.invoke({"messages": [("user", "Email Carlos")]}, run_config(run))
    payload = result["__interrupt__"][0].value
    assert payload["scopes"] == {
        "google:gmail.send": {"description": "Send email on your behalf", "risk": 0.6}
    }
    json.dumps(payload)
    assert "scopes" not in consent_payload_without_catalogue(payload)


def consent_payload_without_catalogue(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload an InterruptAuthorizer() without a catalogue makes for the same request."""
    from scopecast.integrations.langgraph import consent_payload

    request = ConsentRequest(
        run_id=payload["run_id"],
        request_id=payload["request_id"],
        tool=payload["tool"],
        missing=frozenset(s for v in payload["missing"].values() for s in v),
        requested=frozenset(all_requested(payload)),
    )
    plain = consent_payload(request)  # the request rebuilt without its calls
    assert {k: v for k, v in payload.items() if k not in ("scopes", "calls")} == {
        k: v for k, v in plain.items() if k != "calls"
    }
    return plain


def test_denied_scope_comes_back_to_the_model_as_a_tool_error(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    run = guard.start("Email Carlos")
    config = run_config(run)
    payload = graph.invoke({"messages": [("user", "Email Carlos")]}, config)["__interrupt__"][
        0
    ].value
    result = graph.invoke(Command(resume=consent_answer(payload, granted=[])), config)
    assert effects.sent == []
    (message,) = tool_messages(result)
    assert message.status == "error"
    assert "was not run" in str(message.content)
    assert "google:gmail.send" in str(message.content)
    assert guard.attach(run.run_id).denied == {"google:gmail.send"}
    trace = guard.finish(run.run_id)
    assert trace is not None
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "denied")]


def test_denial_can_propagate_out_of_the_graph(catalogue: Catalogue, tmp_path: Path) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    tools = guard_tools(guard, effects.tools(), names=NAMES, on_denied="raise")
    graph = scripted_agent(tools, SEND)
    run = guard.start("Email Carlos")
    config = run_config(run)
    payload = graph.invoke({"messages": [("user", "Email Carlos")]}, config)["__interrupt__"][
        0
    ].value
    with pytest.raises(ScopeDeniedError):
        graph.invoke(Command(resume=consent_answer(payload, denied=["google:gmail.send"])), config)
    assert effects.sent == []


def test_unknown_tool_is_refused_and_a_call_needs_a_run(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)

    @tool
    def wire_money(amount: str) -> str:
        """Not in the catalogue."""
        return "paid"

    with pytest.raises(UnknownToolError):
        guard_tools(guard, [wire_money])
    with pytest.raises(UnknownToolError):
        guard_tools(guard, effects.tools())  # the LangChain names without the mapping
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    with pytest.raises(GuardStateError, match="outside a run"):
        graph.invoke({"messages": [("user", "hi")]}, {"configurable": {"thread_id": "t"}})
    assert effects.sent == []


def test_parallel_misses_make_one_interrupt_and_each_call_runs_once(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path, coalesce_window=0.3)
    both = AIMessage(
        "",
        tool_calls=[call("send_email", "c1", to="carlos"), call("add_event", "c2", title="Q3")],
    )
    graph = scripted_agent(
        guard_tools(guard, effects.tools(), names=NAMES), [both, AIMessage("ok")]
    )
    run = guard.start("Email Carlos and book Q3")
    config = run_config(run)
    (pause,) = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"]
    assert pause.value["missing"] == {"google": ["google:calendar.events", "google:gmail.send"]}
    assert sorted((c["id"], c["name"], c["args"]) for c in pause.value["calls"]) == [
        ("c1", "send_email", {"to": "carlos"}),
        ("c2", "add_event", {"title": "Q3"}),
    ]
    answer = consent_answer(pause.value, granted=all_requested(pause.value))
    result = graph.invoke(Command(resume=answer), config)
    assert "__interrupt__" not in result
    assert (effects.sent, effects.events) == (["carlos"], ["Q3"])
    assert sorted(str(m.content) for m in tool_messages(result)) == ["added Q3", "sent to carlos"]


def test_a_node_that_pauses_twice_gets_each_answer_for_its_own_question(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # One node calls two guarded tools in turn: two consents, two interrupts. On the second
    # resume LangGraph runs the node again and hands back the first answer first, though the
    # first consent is recorded and not asked any more: it must not answer the second one.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    tools = {t.name: t for t in guard_tools(guard, effects.tools(), names=NAMES)}

    def act(state: MessagesState) -> dict[str, list[AIMessage]]:
        tools["send_email"].invoke({"to": "carlos"})
        tools["add_event"].invoke({"title": "Q3"})
        return {"messages": [AIMessage("done")]}

    builder = StateGraph(MessagesState)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    graph = builder.compile(checkpointer=InMemorySaver())
    run = guard.start("Email Carlos and book Q3")
    config = run_config(run)

    first = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    assert first["missing"] == {"google": ["google:gmail.send"]}
    second = graph.invoke(
        Command(resume=consent_answer(first, granted=["google:gmail.send"])), config
    )
    second_payload = second["__interrupt__"][0].value
    assert second_payload["missing"] == {"google": ["google:calendar.events"]}
    assert effects.sent == ["carlos"]
    assert effects.events == []
    answer = consent_answer(second_payload, granted=["google:calendar.events"])
    result = graph.invoke(Command(resume=answer), config)
    assert "__interrupt__" not in result
    assert effects.events == ["Q3"]
    # LangGraph re-runs the whole node on resume: the send before the second interrupt ran
    # again (its scope was granted by then), as any side effect of a re-executed node does.
    assert effects.sent == ["carlos", "carlos"]
    live = guard.attach(run.run_id)
    assert {"google:gmail.send", "google:calendar.events"} <= live.granted
    assert live.denied == frozenset()


def test_a_malformed_answer_fails_the_invoke_and_can_be_answered_again(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    run = guard.start("Email Carlos")
    config = run_config(run)
    payload = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    with pytest.raises(Exception, match="validation error"):
        graph.invoke(Command(resume={"granted": "yes"}), config)
    assert effects.sent == []
    result = graph.invoke(
        Command(resume=consent_answer(payload, granted=all_requested(payload))), config
    )
    assert effects.sent == ["carlos"]
    assert "__interrupt__" not in result


def test_async_graph_with_an_async_tool(catalogue: Catalogue, tmp_path: Path) -> None:
    sent: list[str] = []

    @tool
    async def send_email(to: str) -> str:
        """Send an email."""
        sent.append(to)
        return f"sent to {to}"

    guard = make_guard(catalogue, tmp_path)
    graph = scripted_agent(guard_tools(guard, [send_email], names=NAMES), SEND)
    run = guard.start("Email Carlos")
    config = run_config(run)

    async def drive() -> dict[str, Any]:
        paused = await graph.ainvoke({"messages": [("user", "go")]}, config)
        payload = paused["__interrupt__"][0].value
        assert sent == []
        answer = consent_answer(payload, granted=all_requested(payload))
        result: dict[str, Any] = await graph.ainvoke(Command(resume=answer), config)
        return result

    result = asyncio.run(drive())
    assert sent == ["carlos"]
    assert [m.content for m in tool_messages(result)] == ["sent to carlos"]


def test_interrupt_authorizer_outside_a_graph_refuses(catalogue: Catalogue, tmp_path: Path) -> None:
    guard = make_guard(catalogue, tmp_path)
    with pytest.raises(AuthorizerError, match="inside a graph node"):
        guard.start("Email Carlos", run_id="r1", upfront=["google:gmail.send"])
    assert guard.store.find_run("r1") is None


def test_upfront_consent_in_the_graphs_first_node(catalogue: Catalogue, tmp_path: Path) -> None:
    # guard.start in a node: its upfront consent interrupts; on resume the node runs again and
    # starts the run with the same id (a start whose consent raised left no run behind).
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    tools = guard_tools(guard, effects.tools(), names=NAMES)

    def start(state: MessagesState, config: RunnableConfig) -> dict[str, list[AIMessage]]:
        run_id = config["configurable"][RUN_ID_KEY]
        if guard.store.find_run(run_id) is None:
            guard.start("Email Carlos", run_id=run_id, upfront=["google:gmail.send"])
        return {"messages": []}

    turns = iter(SEND)

    def model(state: MessagesState) -> dict[str, list[AIMessage]]:
        return {"messages": [next(turns)]}

    builder = StateGraph(MessagesState)
    builder.add_node("start", start)
    builder.add_node("model", model)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "start")
    builder.add_edge("start", "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    graph = builder.compile(checkpointer=InMemorySaver())
    config = run_config("run-1")

    (pause,) = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"]
    assert pause.value["tool"] == "<start>"
    assert pause.value["calls"] == []
    assert pause.value["requested"] == {"google": ["google:gmail.send"]}
    assert guard.store.find_run("run-1") is None
    answer = consent_answer(pause.value, granted=all_requested(pause.value))
    result = graph.invoke(Command(resume=answer), config)
    assert "__interrupt__" not in result  # the send was covered by the upfront consent
    assert effects.sent == ["carlos"]
    trace = guard.finish("run-1")
    assert trace is not None
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "ok")]


def test_a_callback_authorizer_lets_langgraphs_interrupt_through(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # CallbackAuthorizer turns a failing callback into AuthorizerError (fail closed), but an
    # interrupt() in the callback is LangGraph's pause, not a failure: the graph must pause.
    effects = Effects()

    def ask(request: ConsentRequest) -> list[str]:
        answer: list[str] = interrupt({"scopes": sorted(request.requested)})
        return answer

    guard = ScopeGuard(
        catalogue, store=f"sqlite:///{tmp_path / 'runs.db'}", authorizer=CallbackAuthorizer(ask)
    )
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), SEND)
    config = run_config(guard.start("Email Carlos"))
    (pause,) = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"]
    assert pause.value == {"scopes": ["google:gmail.send"]}
    assert effects.sent == []
    graph.invoke(Command(resume=["google:gmail.send"]), config)
    assert effects.sent == ["carlos"]


def react_agent(messages: Sequence[AIMessage], tools: Sequence[BaseTool]) -> Any:
    """``create_react_agent`` on a model that replays ``messages`` (the test is skipped where
    LangGraph has no prebuilt agent)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    try:
        from langgraph.prebuilt import create_react_agent
    except ImportError:  # to be removed in LangGraph 2.0
        pytest.skip("this LangGraph has no langgraph.prebuilt.create_react_agent")

    class ScriptedModel(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:
            return self  # the script already holds the tool calls

    return create_react_agent(
        ScriptedModel(messages=iter(messages)), list(tools), checkpointer=InMemorySaver()
    )


@pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecationWarning")
def test_prebuilt_react_agent_with_guarded_tools(catalogue: Catalogue, tmp_path: Path) -> None:
    # create_react_agent (moved to langchain.agents.create_agent, not installed here) sends
    # each tool call to the ToolNode as its own task: the same consent flow works there.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    agent = react_agent(SEND, guard_tools(guard, effects.tools(), names=NAMES))
    run = guard.start("Email Carlos")
    config = run_config(run)
    payload = agent.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    assert payload["missing"] == {"google": ["google:gmail.send"]}
    assert effects.sent == []
    result = agent.invoke(
        Command(resume=consent_answer(payload, granted=all_requested(payload))), config
    )
    assert effects.sent == ["carlos"]
    assert [m.content for m in tool_messages(result)] == ["sent to carlos"]


def test_parallel_calls_are_all_saved_before_the_next_pause(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A ToolNode runs a message's tool calls in parallel threads, and each guarded call saves
    # the run's calls when it ends. Saves that overlap must not take the same sequence numbers
    # (an IntegrityError left calls that ran only in this process's memory): the graph then
    # pauses, and the process that resumes it, with a new guard, must see every call.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    append_calls = guard.store.append_calls

    def slow_append(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.05)  # a busy database: the threads' saves overlap
        append_calls(*args, **kwargs)

    monkeypatch.setattr(guard.store, "append_calls", slow_append)
    three = AIMessage(
        "",
        tool_calls=[
            call("search_email", "c1", query="Q3"),
            call("send_email", "c2", to="carlos"),
            call("add_event", "c3", title="Q3"),
        ],
    )
    then_post = AIMessage("", tool_calls=[call("post_slack", "c4", text="done")])
    script = [three, then_post, AIMessage("ok")]
    saver = InMemorySaver()
    granted = {"google:gmail.readonly", "google:gmail.send", "google:calendar.events"}
    run = guard.start("Email Carlos, book Q3, tell Slack", granted=granted)
    config = run_config(run)
    graph = scripted_agent(
        guard_tools(guard, [*effects.tools(), post_slack], names=NAMES), script, saver
    )
    payload = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    assert payload["missing"] == {"slack": ["slack:chat:write"]}
    assert len(guard.store.get_run(run.run_id).calls) == 3  # saved before the pause

    # Another process: a new guard on the same store, a new graph on the same checkpointer.
    other = make_guard(catalogue, tmp_path)
    resumed = scripted_agent(
        guard_tools(other, [*effects.tools(), post_slack], names=NAMES), script, saver
    )
    answer = consent_answer(payload, granted=all_requested(payload))
    assert "__interrupt__" not in resumed.invoke(Command(resume=answer), config)
    trace = other.finish(run.run_id)
    assert trace is not None
    assert sorted(c.tool for c in trace.calls) == [
        "calendar.create",
        "email.search",
        "email.send",
        "slack.post",
    ]


@tool
def post_slack(text: str) -> str:
    """Post to Slack."""
    return f"posted {text}"


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_tool_that_interrupts_itself_is_recorded_once_when_it_ran(
    catalogue: Catalogue, tmp_path: Path, use_async: bool
) -> None:
    # Human-in-the-loop inside a tool ("confirm before sending"): its interrupt() pauses the
    # graph, not a failure of the call. LangGraph runs the tool again on resume; the trace
    # must hold that one call, "ok", not an "error" for the pause before it.
    sent: list[str] = []

    def confirm_and_send(to: str) -> str:
        if interrupt({"confirm": to}) != "yes":
            return "cancelled"
        sent.append(to)
        return f"sent to {to}"

    @tool
    def send_email(to: str) -> str:
        """Send an email once the user confirms."""
        return confirm_and_send(to)

    @tool("send_email")
    async def send_email_async(to: str) -> str:
        """Send an email once the user confirms."""
        return confirm_and_send(to)

    guard = make_guard(catalogue, tmp_path)
    wrapped = guard_tools(guard, [send_email_async if use_async else send_email], names=NAMES)
    graph = scripted_agent(wrapped, SEND)
    run = guard.start("Email Carlos", granted={"google:gmail.send"})
    config = run_config(run)

    def invoke(value: Any) -> dict[str, Any]:
        if use_async:
            result: dict[str, Any] = asyncio.run(graph.ainvoke(value, config))
            return result
        return graph.invoke(value, config)

    (pause,) = invoke({"messages": [("user", "go")]})["__interrupt__"]
    assert pause.value == {"confirm": "carlos"}
    assert guard.store.get_run(run.run_id).calls == ()
    invoke(Command(resume="yes"))
    assert sent == ["carlos"]
    trace = guard.finish(run)
    assert trace is not None
    assert [(c.tool, c.status) for c in trace.calls] == [("email.send", "ok")]


@pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecationWarning")
@pytest.mark.parametrize("coalesce_window", [0.2, 0.0], ids=["one-consent", "a-consent-each"])
def test_parallel_calls_of_a_prebuilt_agent_resume_as_the_readme_says(
    catalogue: Catalogue, tmp_path: Path, coalesce_window: float
) -> None:
    # create_react_agent runs each tool call as its own task. The tasks that wait on one
    # consent all surface its interrupt (same id): one answer resumes them all. Misses asked
    # apart (coalesce_window=0) surface one interrupt each, and LangGraph then needs the
    # resume keyed by interrupt id; the re-run tasks may then batch their misses otherwise
    # and ask again, but no call fails and each runs once (each task ran out of consent
    # rounds waiting for the others' consents, and failed the graph with AuthorizerError).
    three = AIMessage(
        "",
        tool_calls=[
            call("send_email", "c1", to="carlos"),
            call("add_event", "c2", title="Q3"),
            call("post_slack", "c3", text="done"),
        ],
    )
    for attempt in range(3):
        effects = Effects()
        store = tmp_path / str(attempt)
        store.mkdir()
        guard = make_guard(catalogue, store, coalesce_window=coalesce_window)
        agent = react_agent(
            [three, AIMessage("ok")],
            guard_tools(guard, [*effects.tools(), post_slack], names=NAMES),
        )
        config = run_config(guard.start("Email Carlos, book Q3, tell Slack"))
        result = agent.invoke({"messages": [("user", "go")]}, config)
        rounds = 0
        # Asked apart, the re-run tasks may ask again (the README says so): under load up to
        # 5 rounds were seen (2 cores, two test processes at once); the bound only stops a loop.
        while "__interrupt__" in result and rounds < 10:
            rounds += 1
            # The README's resume: one answer per distinct interrupt.
            pending = {i.id: i.value for i in result["__interrupt__"]}
            answers = {i: consent_answer(v, granted=all_requested(v)) for i, v in pending.items()}
            resume = next(iter(answers.values())) if len(answers) == 1 else answers
            result = agent.invoke(Command(resume=resume), config)
        assert "__interrupt__" not in result
        if coalesce_window:
            assert rounds == 1
        assert (effects.sent, effects.events) == (["carlos"], ["Q3"])
        assert [str(m.content) for m in tool_messages(result)] == [
            "sent to carlos",
            "added Q3",
            "posted done",
        ]


def test_the_payload_names_the_tool_calls_that_wait_for_the_consent(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # A consent screen says "the agent wants to call send_email(to=...) and needs
    # google:gmail.send": the payload carries the LangChain tool call (id, name, the
    # arguments the model sent), never the arguments ToolNode injects, never in the run store.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    script = [
        AIMessage("", tool_calls=[call("send_email", "c1", to="x7q@secret.example")]),
        AIMessage("done"),
    ]
    graph = scripted_agent(guard_tools(guard, effects.tools(), names=NAMES), script)
    run = guard.start("Email Carlos")
    config = run_config(run)
    payload = graph.invoke({"messages": [("user", "Email Carlos")]}, config)["__interrupt__"][
        0
    ].value
    assert payload["calls"] == [
        {
            "id": "c1",
            "name": "send_email",
            "tool": "email.send",
            "args": {"to": "x7q@secret.example"},
        }
    ]
    json.dumps(payload)
    graph.invoke(Command(resume=consent_answer(payload, granted=all_requested(payload))), config)
    guard.finish(run.run_id)
    for stored in tmp_path.iterdir():  # the run store (and its trace file) never hold them
        assert b"x7q" not in stored.read_bytes(), stored.name


def test_call_args_can_be_left_out_or_redacted_and_injected_args_never_show(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    @tool
    def send_email(
        to: str,
        body: str,
        state: Annotated[dict[str, Any], InjectedState],
        tool_call_id: Annotated[str, InjectedToolCallId],
        api_key: Annotated[str, InjectedToolArg],
    ) -> str:
        """Send an email."""
        return f"sent to {to}"

    # The application injects api_key into the call (hidden from the model): never shown.
    sent = call("send_email", "c1", to="carlos", body="salary: 90k", api_key="sk-x7q")
    script = [AIMessage("", tool_calls=[sent]), AIMessage("done")]

    def redact(call: ToolCall) -> dict[str, Any]:
        assert call.args is not None
        return {k: ("***" if k == "body" else v) for k, v in call.args.items()}

    shown = []
    for call_args in (True, False, redact):
        guard = ScopeGuard(
            catalogue,
            store=f"sqlite:///{tmp_path / f'runs-{len(shown)}.db'}",
            authorizer=InterruptAuthorizer(call_args=call_args),
        )
        graph = scripted_agent(guard_tools(guard, [send_email], names=NAMES), script)
        result = graph.invoke({"messages": [("user", "go")]}, run_config(guard.start("go")))
        (described,) = result["__interrupt__"][0].value["calls"]
        assert "sk-x7q" not in json.dumps(described)
        shown.append(described.get("args"))
    assert shown == [
        {"to": "carlos", "body": "salary: 90k"},  # not the injected state nor tool_call_id
        None,
        {"to": "carlos", "body": "***"},
    ]
    assert "call_args=False" in repr(InterruptAuthorizer(call_args=False))


@pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecationWarning")
def test_astream_of_a_prebuilt_agent_with_async_tools_streams_the_consent(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # A consent UI that streams: the interrupt comes as an "updates" chunk (once per task
    # that waits for it, same id), its payload naming both parallel calls; resumed by astream.
    done: list[str] = []

    @tool
    async def send_email(to: str) -> str:
        """Send an email."""
        done.append(f"sent to {to}")
        return f"sent to {to}"

    @tool
    async def add_event(title: str) -> str:
        """Add a calendar event."""
        done.append(f"added {title}")
        return f"added {title}"

    both = AIMessage(
        "",
        tool_calls=[call("send_email", "c1", to="carlos"), call("add_event", "c2", title="Q3")],
    )
    guard = make_guard(catalogue, tmp_path, coalesce_window=0.2)
    agent = react_agent(
        [both, AIMessage("ok")], guard_tools(guard, [send_email, add_event], names=NAMES)
    )
    config = run_config(guard.start("Email Carlos and book Q3"))

    async def stream(value: Any) -> list[Any]:
        interrupts: list[Any] = []
        async for chunk in agent.astream(value, config, stream_mode="updates"):
            interrupts.extend(chunk.get("__interrupt__", ()))
        return interrupts

    interrupts = asyncio.run(stream({"messages": [("user", "go")]}))
    assert len({i.id for i in interrupts}) == 1
    payload = interrupts[0].value
    assert sorted((c["id"], c["name"], c["args"]) for c in payload["calls"]) == [
        ("c1", "send_email", {"to": "carlos"}),
        ("c2", "add_event", {"title": "Q3"}),
    ]
    assert done == []
    answer = consent_answer(payload, granted=all_requested(payload))
    assert asyncio.run(stream(Command(resume=answer))) == []
    assert sorted(done) == ["added Q3", "sent to carlos"]
