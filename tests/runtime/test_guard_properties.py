"""Hypothesis: whatever the user answers and revokes, no call runs without its scopes granted."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from scopecast import GuardError
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, RunStore, ScopeGuard
from tests.runtime.conftest import CATALOGUE

TOOLS = sorted(t.name for t in CATALOGUE.tools)
SCOPES = sorted(CATALOGUE.all_scopes)

steps = st.lists(
    st.tuples(
        st.sampled_from(["call", "call", "call", "revoke"]),
        st.sampled_from(TOOLS),
        st.sets(st.sampled_from(SCOPES)),  # what the user grants if asked / what is revoked
    ),
    max_size=25,
)


@given(
    steps=steps,
    granted=st.sets(st.sampled_from(SCOPES)),
    upfront=st.sets(st.sampled_from(SCOPES)),
    mode=st.sampled_from(["blocking", "pausing"]),
)
def test_guard_never_runs_a_call_without_its_scopes(
    steps: list[tuple[str, str, set[str]]], granted: set[str], upfront: set[str], mode: str
) -> None:
    answers: list[set[str]] = [set()]

    def user(request: ConsentRequest) -> set[str]:
        return answers[-1] & request.requested

    store = RunStore("sqlite://")
    guard = ScopeGuard(
        CATALOGUE,
        store=store,
        authorizer=CallbackAuthorizer(user),
        mode=mode,  # type: ignore[arg-type]
        coalesce_window=0.0,
    )
    answers.append(upfront)
    try:
        run = guard.start("Property run", granted=granted, upfront=upfront)
    except GuardError:
        return  # pausing mode: the start waits for consent; nothing ran
    for action, tool, scopes in steps:
        if action == "revoke":
            guard.revoke(run.run_id, scopes)
            continue
        answers.append(scopes)
        try:
            run.check(tool)
        except GuardError:
            continue
        held = store.get_run(run.run_id).active_scopes(time.time())
        assert CATALOGUE.covers(held, guard.required_scopes(tool)), (tool, held)
