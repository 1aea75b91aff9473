"""A LangGraph consent answer is applied to its own question once, never replayed onto a later one.

LangGraph hands a re-executed node its earlier resume values again, in order, and
``InterruptAuthorizer`` matches each to a question by its ``consent_id``. A grant that
ended (revoked, expired) makes a call ask the very same scopes again: that is a new
question, which an earlier answer of the node must not answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip(
    "langgraph", reason="needs the langgraph extra: pip install 'scopecast[langgraph]'"
)

from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import Command

from scopecast import Catalogue
from scopecast.integrations.langgraph import (
    consent_answer,
    consent_id_of,
    guard_tools,
    run_config,
)
from scopecast.runtime import ConsentRequest, ScopeGuard
from tests.runtime.test_langgraph import NAMES, Effects, make_guard

SEND = "google:gmail.send"


def test_an_answer_is_not_replayed_onto_the_question_asked_again_after_a_revocation(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # One node sends two mails. After the first, the application revokes gmail.send (once:
    # an operator, another process), so the second asks for it again: the same scopes, a
    # new question. The user refuses it. On that resume LangGraph runs the node again and
    # hands back the first answer (a grant) first: applied to the re-run first send, which
    # asks again since the scope is revoked, it re-granted the revoked scope, and the second
    # mail went out against the user's refusal.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    tools = {t.name: t for t in guard_tools(guard, effects.tools(), names=NAMES)}
    run = guard.start("Email Carlos and Dana")
    revoked: list[int] = []

    def act(state: MessagesState) -> dict[str, list[AIMessage]]:
        tools["send_email"].invoke({"to": "carlos"})
        if not revoked:
            revoked.append(guard.revoke(run.run_id, [SEND]))
        tools["send_email"].invoke({"to": "dana"})
        return {"messages": [AIMessage("done")]}

    builder = StateGraph(MessagesState)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    graph = builder.compile(checkpointer=InMemorySaver())
    config = run_config(run)

    first = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    second = graph.invoke(Command(resume=consent_answer(first, granted=[SEND])), config)
    assert effects.sent == ["carlos"]
    assert revoked == [1]
    again = second["__interrupt__"][0].value
    assert again["missing"] == {"google": [SEND]}
    assert again["consent_id"] != first["consent_id"]  # a new question

    graph.invoke(Command(resume=consent_answer(again, granted=[])), config)
    assert "dana" not in effects.sent  # the user refused it
    live = guard.attach(run.run_id)
    assert SEND not in live.granted
    assert SEND in live.denied


def test_a_declined_upfront_consent_does_not_answer_a_calls_consent_of_the_same_scopes(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    # The node starts the run with an upfront consent, which the user declines, then sends:
    # the send asks gmail.send again (a declined scope is asked once more when a call needs
    # it), and the user grants it. On that resume the node runs again and LangGraph hands
    # back the upfront answer first: with the same consent_id (run + the same scopes), it
    # answered the send's question, refusing what the user granted.
    effects = Effects()
    guard = make_guard(catalogue, tmp_path)
    tools = {t.name: t for t in guard_tools(guard, effects.tools(), names=NAMES)}

    def act(state: MessagesState) -> dict[str, list[AIMessage]]:
        if guard.store.find_run("run-1") is None:
            guard.start("Email Carlos", run_id="run-1", upfront=[SEND])
        tools["send_email"].invoke({"to": "carlos"})
        return {"messages": [AIMessage("done")]}

    builder = StateGraph(MessagesState)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    graph = builder.compile(checkpointer=InMemorySaver())
    config = run_config("run-1")

    upfront = graph.invoke({"messages": [("user", "go")]}, config)["__interrupt__"][0].value
    assert upfront["tool"] == "<start>"
    second = graph.invoke(Command(resume=consent_answer(upfront, granted=[])), config)
    at_call = second["__interrupt__"][0].value
    assert at_call["tool"] == "email.send"
    assert at_call["consent_id"] != upfront["consent_id"]
    graph.invoke(Command(resume=consent_answer(at_call, granted=[SEND])), config)
    assert effects.sent == ["carlos"]
    assert SEND in guard.attach("run-1").granted


def test_the_consent_id_is_the_same_in_every_execution_of_an_unchanged_question() -> None:
    asked = frozenset({SEND})
    one = ConsentRequest("run-1", "req-1", "email.send", asked, asked)
    other = ConsentRequest("run-1", "req-2", "email.send", asked, asked | {"google:x.y"})
    assert consent_id_of(one) == consent_id_of(other)


def test_a_consent_asked_again_names_the_ended_grants_of_its_scopes(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    from scopecast.runtime import CallbackAuthorizer
    from tests.runtime.conftest import ScriptedConsent

    user = ScriptedConsent()
    guard = ScopeGuard(
        catalogue,
        store=f"sqlite:///{tmp_path / 'runs.db'}",
        authorizer=CallbackAuthorizer(user),
        coalesce_window=0,
    )
    with guard.start("Read and send mail") as run:
        run.check("email.archive")  # gmail.modify, which implies gmail.readonly
        run.check("email.send")
        guard.revoke(run.run_id, ["google:gmail.modify", SEND])
        run.check("email.search")  # gmail.readonly: its grant (through modify) ended
        run.check("email.send")
        run.check("calendar.create")
    first, second, readonly, send, calendar = user.requests
    assert first.ended_grants == second.ended_grants == frozenset()
    assert readonly.ended_grants == {first.request_id}
    assert send.ended_grants == {second.request_id}
    assert calendar.ended_grants == frozenset()
    assert consent_id_of(send) != consent_id_of(second)
