"""A call that waits for a consent asked before it missed its scopes has not used a round."""

from __future__ import annotations

import threading
import time

from scopecast import Catalogue
from scopecast.runtime import CallbackAuthorizer, ConsentRequest, RunStore, ScopeGuard
from tests.runtime.conftest import ScriptedConsent


def test_waiting_for_a_sealed_consent_is_not_a_round(catalogue: Catalogue, store: RunStore) -> None:
    # Call A's consent is sealed and being asked when call B misses another scope: B waits
    # for it (one consent at a time per run), then asks its own. With max_consent_rounds=1
    # B must still get its consent: the first wait asked nothing for it. (LangGraph resumes
    # parallel tool calls, one task each, with one answer each: the calls that get to the
    # guard last used to run out of rounds and fail the graph with AuthorizerError.)
    asking = threading.Event()

    def answer(request: ConsentRequest) -> frozenset[str]:
        asking.set()
        time.sleep(0.2)  # the user reads the consent screen
        return request.requested

    user = ScriptedConsent(answer)
    guard = ScopeGuard(
        catalogue,
        store=store,
        authorizer=CallbackAuthorizer(user),
        coalesce_window=0,
        max_consent_rounds=1,
    )
    run = guard.start("Email Carlos and tell Slack")
    errors: list[BaseException] = []

    def call(tool: str) -> None:
        try:
            run.check(tool)
        except BaseException as err:  # reported by the assertion below
            errors.append(err)

    with run:
        first = threading.Thread(target=call, args=("email.send",))
        first.start()
        assert asking.wait(5)  # A's consent is sealed and asked
        second = threading.Thread(target=call, args=("slack.post",))
        second.start()
        first.join()
        second.join()
    assert errors == []
    assert [sorted(r.missing) for r in user.requests] == [
        ["google:gmail.send"],
        ["slack:chat:write"],
    ]
