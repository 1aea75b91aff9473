"""The guard on a real SQLite run store: fast path, blocking and pausing modes, refusals, expiry."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from scopecast import (
    AuthorizationRequired,
    AuthorizerError,
    Catalogue,
    ConfigError,
    GuardStateError,
    ResumeConflictError,
    RunStoreError,
    ScopeDeniedError,
    UnknownToolError,
    read_traces,
)
from scopecast.catalogue import catalogue_from_mapping
from scopecast.runtime import (
    START_TOOL,
    CallbackAuthorizer,
    ConsentRequest,
    Grant,
    PreAuthorizer,
    RunStore,
    ScopeGuard,
    TraceRecorder,
)
from tests.runtime.conftest import ScriptedConsent
from tests.runtime.e2e_agent import KeywordScorer


def _blocking(
    catalogue: Catalogue, store: RunStore, user: ScriptedConsent, **kw: object
) -> ScopeGuard:
    return ScopeGuard(catalogue, store=store, authorizer=CallbackAuthorizer(user), **kw)  # type: ignore[arg-type]


def test_guard_denies_unknown_tool(catalogue: Catalogue, store: RunStore) -> None:
    guard = _blocking(catalogue, store, ScriptedConsent())
    run = guard.start("Email Carlos")
    with pytest.raises(UnknownToolError, match="not in the scope catalogue"):
        run.check("email.delete_everything")
    with pytest.raises(UnknownToolError):
        guard.wrap(lambda: None, name="nope")


def test_unknown_tool_error_suggests_a_close_catalogue_name(
    catalogue: Catalogue, store: RunStore
) -> None:
    # a misspelt name must not read as "add it to the catalogue" only: that adds a wrong tool
    guard = _blocking(catalogue, store, ScriptedConsent())
    with pytest.raises(UnknownToolError, match=r"Did you mean 'email\.send'( or|\?)"):
        guard.wrap(lambda: None, name="email.sned")
    with guard.start("Email Carlos") as run, pytest.raises(UnknownToolError) as caught:
        run.check("Email.Search")
    assert "Did you mean 'email.search'" in str(caught.value)  # the closest first
    with pytest.raises(UnknownToolError) as caught:
        guard.required_scopes("weather.get")
    assert "Did you mean" not in str(caught.value)  # nothing close: no guess


def test_unknown_tool_error_names_some_catalogue_tools_when_none_is_close(
    catalogue: Catalogue, store: RunStore
) -> None:
    # A guard made from another model directory's catalogue knows none of the agent's tools:
    # the error shows what it does know, and says the tool was refused a guard, not a run,
    # when it is being wrapped.
    guard = _blocking(catalogue, store, ScriptedConsent())
    with pytest.raises(UnknownToolError) as caught:
        guard.wrap(lambda: None, name="weather.get")
    said = str(caught.value)
    assert "refused to guard it" in said
    n = len(catalogue.tools)
    assert (
        f"The catalogue's {n} tool(s) are 'bank.pay', 'calendar.create', 'clock.now', ..." in said
    )
    assert "is it your agent's?" in said
    with guard.start("Email Carlos") as run, pytest.raises(UnknownToolError) as caught:
        run.check("weather.get")
    assert "refused to run it" in str(caught.value)
    empty = ScopeGuard(Catalogue(), store=store, mode="pausing")
    with pytest.raises(UnknownToolError, match="The catalogue has no tools"):
        empty.wrap(lambda: None, name="weather.get")


def test_guard_runs_granted_call_without_asking(catalogue: Catalogue, store: RunStore) -> None:
    user = ScriptedConsent()
    guard = _blocking(catalogue, store, user)
    ran = []

    @guard.tool("email.search")
    def search(query: str) -> str:
        ran.append(query)
        return "found"

    with guard.start("Find the invoice", granted=["google:gmail.modify"]) as run:
        assert search("invoice") == "found"  # gmail.modify implies gmail.readonly
        run.check("clock.now")
    assert ran == ["invoice"]
    assert user.requests == []


def test_guard_blocking_asks_missing_scopes_and_continues(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    user = ScriptedConsent()
    recorder = TraceRecorder(tmp_path / "runs.jsonl")
    guard = _blocking(catalogue, store, user, recorder=recorder)
    send = guard.wrap(lambda to: f"sent to {to}", name="email.send")
    with guard.start("Email Carlos", context={"domain": "work"}) as run:
        assert send("carlos") == "sent to carlos"
        assert send("ana") == "sent to ana"
    assert len(user.requests) == 1
    assert user.requests[0].missing == {"google:gmail.send"}
    record = store.get_run(run.run_id)
    assert record.status == "finished"
    assert record.active_scopes(time.time()) == {"google:gmail.send"}
    (trace,) = read_traces(tmp_path / "runs.jsonl")
    assert trace.trace_id == run.run_id
    assert [(c.tool, c.scopes, c.status) for c in trace.calls] == [
        ("email.send", ("google:gmail.send",), "ok"),
        ("email.send", ("google:gmail.send",), "ok"),
    ]


def test_guard_denial_is_recorded_and_not_asked_again(
    catalogue: Catalogue, store: RunStore
) -> None:
    user = ScriptedConsent(lambda request: ())
    guard = _blocking(catalogue, store, user)
    send = guard.wrap(lambda: "sent", name="email.send")
    with guard.start("Email Carlos") as run:
        for _ in range(5):
            with pytest.raises(ScopeDeniedError, match=r"did not grant google:gmail\.send"):
                send()
    assert len(user.requests) == 1
    assert store.get_run(run.run_id).denied == {"google:gmail.send"}
    assert [c.status for c in run.calls] == ["denied"] * 5


def test_guard_partial_grant_refuses_the_call(catalogue: Catalogue, store: RunStore) -> None:
    user = ScriptedConsent(lambda request: {"google:gmail.readonly"})
    guard = _blocking(catalogue, store, user)
    forward = guard.wrap(lambda: "forwarded", name="email.forward")
    search = guard.wrap(lambda: "found", name="email.search")
    with guard.start("Forward the invoice"):
        with pytest.raises(ScopeDeniedError) as info:
            forward()
        assert info.value.denied == {"google:gmail.send"}
        assert search() == "found"  # the part granted holds
    assert len(user.requests) == 1


def test_guard_drops_jit_only_scopes_from_upfront(catalogue: Catalogue, store: RunStore) -> None:
    user = ScriptedConsent()
    guard = _blocking(catalogue, store, user)
    run = guard.start("Pay the rent", upfront=["bank:payments.write", "google:gmail.send"])
    assert [r.requested for r in user.requests] == [{"google:gmail.send"}]
    assert user.requests[0].tool == START_TOOL
    assert run.granted == {"google:gmail.send"}
    run.check("bank.pay")  # asked at the point of execution
    assert user.requests[1].requested == {"bank:payments.write"}


def test_guard_warns_of_an_upfront_scope_the_catalogue_does_not_know(
    catalogue: Catalogue, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A misspelt upfront scope is still asked (it is well formed), but not without a word."""
    user = ScriptedConsent()
    guard = _blocking(catalogue, store, user)
    with caplog.at_level(logging.WARNING, logger="scopecast.runtime._guard"):
        guard.start("Email Carlos", upfront=["google:gmail.sendd", "google:gmail.send"])
    warned = [r.getMessage() for r in caplog.records]
    assert warned == [
        "upfront scope 'google:gmail.sendd' is not in the catalogue: no tool needs it, yet it "
        "is asked; did you mean 'google:gmail.send'?"
    ]
    assert user.requests[0].requested == {"google:gmail.sendd", "google:gmail.send"}


def test_guard_upfront_declined_scope_is_asked_once_at_the_call(
    catalogue: Catalogue, store: RunStore
) -> None:
    user = ScriptedConsent(lambda r: () if r.is_upfront else r.requested)
    guard = _blocking(catalogue, store, user)
    run = guard.start("Email Carlos", upfront=["google:gmail.send"])
    assert run.granted == frozenset()
    run.check("email.send")
    assert len(user.requests) == 2


def test_guard_pausing_saves_run_and_resume_is_idempotent(
    catalogue: Catalogue, store_url: str
) -> None:
    guard = ScopeGuard(catalogue, store=store_url, mode="pausing")
    search = guard.wrap(lambda: "found", name="email.search")
    send = guard.wrap(lambda: "sent", name="email.send")
    run = guard.start("Reply to Carlos", granted=["google:gmail.readonly"])

    def agent() -> None:
        with run:
            search()
            send()

    with pytest.raises(AuthorizationRequired) as info:
        agent()
    paused = info.value
    assert paused.run_id == run.run_id
    assert paused.missing == {"google:gmail.send"}

    other = ScopeGuard(catalogue, store=RunStore(store_url), mode="pausing")  # "another process"
    assert other.store.get_run(run.run_id).status == "paused"
    assert paused.request_id is not None
    grant = Grant.of(paused.request_id, paused.requested)
    resumed = other.resume(run.run_id, grant)
    assert resumed.status == "running"
    with pytest.raises(ResumeConflictError, match="answered already") as conflict:
        other.resume(run.run_id, grant)  # the same answer again: applied once, runs nothing
    assert conflict.value.status == "running"
    with resumed:
        resumed.check("email.send")
    record = other.store.get_run(run.run_id)
    assert [g.scope for g in record.grants].count("google:gmail.send") == 1
    assert [c.tool for c in record.calls] == ["email.search", "email.send"]
    assert record.status == "finished"


def test_guard_pausing_upfront_raises_with_start_request(
    catalogue: Catalogue, store: RunStore
) -> None:
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start("Email Carlos", upfront=["google:gmail.send"], run_id="r1")
    assert info.value.tool == START_TOOL
    assert guard.pending_consent("r1") is not None
    pending = store.get_run("r1").pending
    assert pending is not None
    run = guard.resume("r1", Grant.of(pending.request_id, ["google:gmail.send"]))
    assert run.granted == {"google:gmail.send"}
    assert guard.pending_consent("r1") is None


def test_guard_resume_rejects_unknown_request(catalogue: Catalogue, store: RunStore) -> None:
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    guard.start("t", run_id="r1")
    with pytest.raises(GuardStateError, match="not a request of run"):
        guard.resume("r1", Grant.of("forged", ["google:gmail.send"]))


def test_a_grant_with_a_misspelt_scope_is_logged(
    catalogue: Catalogue, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A grant built by hand ("google:gmail.snd") grants nothing it did not ask, so the
    scope it meant is refused for the rest of the run: the log says which it looks like."""
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start("Email Carlos", upfront=["google:gmail.send"], run_id="r1")
    assert info.value.request_id is not None
    with caplog.at_level("WARNING", logger="scopecast.runtime._coordinator"):
        run = guard.resume("r1", Grant.of(info.value.request_id, ["google:gmail.snd"]))
    assert "google:gmail.send" not in run.granted
    (record,) = caplog.records
    said = record.getMessage()
    assert "holds 'google:gmail.snd'" in said
    assert "did you mean 'google:gmail.send'?" in said
    caplog.clear()
    # blocking: the same through an authorizer's answer; a stray scope the catalogue knows,
    # or one like no scope asked, is not guessed at
    user = ScriptedConsent(lambda request: ["google:gmail.sendd", "slack:chat:write", "x:y"])
    blocking = _blocking(catalogue, store, user)
    with (
        caplog.at_level("WARNING", logger="scopecast.runtime._coordinator"),
        blocking.start("Email Carlos") as started,
        pytest.raises(ScopeDeniedError),
    ):
        started.check("email.send")
    said = [r.getMessage() for r in caplog.records]
    assert [m.count("did you mean") for m in said] == [1, 0]
    assert "holds 'google:gmail.sendd'" in said[0]
    # one like no scope asked is named too, without a guess: a provider's own string ...
    assert "holds 'x:y', which it did not ask and the catalogue does not know" in said[1]
    assert "'google:gmail.send' recorded as refused or left out" in said[1]


def test_a_grant_in_a_provider_own_scope_strings_is_logged(
    catalogue: Catalogue, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    """An application resuming with the provider's names (what its own consent page got
    back) refused every scope it meant to grant, for the rest of the run, without a word."""
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start("Email Carlos", upfront=["google:gmail.send"], run_id="r1")
    assert info.value.request_id is not None
    native = "https://www.googleapis.com/auth/gmail.send"
    with caplog.at_level("WARNING", logger="scopecast.runtime._coordinator"):
        run = guard.resume("r1", Grant.of(info.value.request_id, [native]))
    assert "google:gmail.send" not in run.granted
    (record,) = caplog.records
    said = record.getMessage()
    assert f"holds {native!r}, which it did not ask and the catalogue does not know" in said
    assert "e.g. 'google:gmail.send'" in said
    caplog.clear()
    # a grant of what was asked, or of more the catalogue knows, says nothing
    with pytest.raises(AuthorizationRequired) as info:
        guard.start("Email Dana", upfront=["google:gmail.send"], run_id="r2")
    assert info.value.request_id is not None
    with caplog.at_level("WARNING", logger="scopecast.runtime._coordinator"):
        guard.resume("r2", Grant.of(info.value.request_id, ["google:gmail.send", native]))
    assert not caplog.records


def test_resume_of_a_run_the_store_lacks_names_the_store(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A callback server started in another folder opens another ``sqlite:///runs.db``: its
    resume must say that the run is not in that store (and which file it is), not blame the
    request id."""
    monkeypatch.chdir(tmp_path)
    guard = ScopeGuard(catalogue, store="sqlite:///runs.db", mode="pausing")
    with pytest.raises(AuthorizationRequired) as info:
        guard.start("Email Carlos", upfront=["google:gmail.send"])
    paused = info.value
    assert paused.request_id is not None
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    other = ScopeGuard(catalogue, store="sqlite:///runs.db", mode="pausing")
    where = str(tmp_path / "elsewhere" / "runs.db")
    try:
        for call in (
            lambda: other.resume(paused.run_id, Grant.of(paused.request_id, [])),
            lambda: other.ensure_pending(paused.run_id, paused.request_id, "google"),
        ):
            with pytest.raises(GuardStateError, match="is not in the run store") as caught:
                call()
            assert where in str(caught.value)
    finally:
        other.close()
        guard.close()


def test_guard_expired_grant_is_asked_again(catalogue: Catalogue, store: RunStore) -> None:
    user = ScriptedConsent()
    guard = _blocking(catalogue, store, user, grant_ttl=0.2, coalesce_window=0.0)
    run = guard.start("Email Carlos")
    run.check("email.send")
    run.check("email.send")
    assert len(user.requests) == 1
    time.sleep(0.25)
    run.check("email.send")
    assert len(user.requests) == 2


def test_guard_revocation_takes_effect(catalogue: Catalogue, store_url: str) -> None:
    user = ScriptedConsent(lambda r: ())
    guard = _blocking(catalogue, RunStore(store_url), user, refresh_interval=0.1)
    run = guard.start("Email Carlos", granted=["google:gmail.send"])
    run.check("email.send")
    ScopeGuard(catalogue, store=store_url, mode="pausing").revoke(run.run_id, ["google:gmail.send"])
    time.sleep(0.15)
    with pytest.raises(ScopeDeniedError):
        run.check("email.send")
    assert len(user.requests) == 1


def test_guard_store_failure_refuses_the_call(catalogue: Catalogue, store: RunStore) -> None:
    guard = _blocking(catalogue, store, ScriptedConsent())
    ran = []
    send = guard.wrap(lambda: ran.append(1), name="email.send")
    with guard.start("Email Carlos") as run:
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE scopecast_requests"))
        with pytest.raises(RunStoreError, match=r"Tool 'email\.send' was not run"):
            send()
        assert ran == []
        run._live.buffer.clear()  # nothing to save into the broken store
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE scopecast_calls"))
        with pytest.raises(RunStoreError):
            guard.finish(run)


def test_guard_authorizer_failure_refuses_the_call(catalogue: Catalogue, store: RunStore) -> None:
    def broken(request: ConsentRequest) -> Grant:
        raise ConnectionError("consent UI is down")

    guard = ScopeGuard(catalogue, store=store, authorizer=CallbackAuthorizer(broken))
    ran = []
    send = guard.wrap(lambda: ran.append(1), name="email.send")
    with guard.start("Email Carlos"), pytest.raises(AuthorizerError, match="ConnectionError"):
        send()
    assert ran == []


def test_guard_upfront_consent_that_raises_leaves_no_run_and_can_be_retried(
    catalogue: Catalogue, store: RunStore
) -> None:
    # An authorizer that raises at the start (a failed prompt, or a LangGraph interrupt: the
    # node that starts the run runs again on resume) must not leave a half-started run that
    # makes the retry with the same run id fail with "exists already".
    answers: list[str] = []

    def flaky(request: ConsentRequest) -> Grant:
        if not answers:
            answers.append("asked")
            raise ConnectionError("consent UI is down")
        return Grant.of(request.request_id, request.requested)

    guard = ScopeGuard(catalogue, store=store, authorizer=CallbackAuthorizer(flaky))
    with pytest.raises(AuthorizerError):
        guard.start("Email Carlos", run_id="r1", upfront=["google:gmail.send"])
    assert store.find_run("r1") is None
    with guard.start("Email Carlos", run_id="r1", upfront=["google:gmail.send"]) as run:
        assert "google:gmail.send" in run.granted
        run.check("email.send")
    with pytest.raises(GuardStateError, match="exists already"):
        guard.start("Email Carlos", run_id="r1", upfront=["google:gmail.send"])


def test_guard_outside_a_run_is_refused(catalogue: Catalogue, store: RunStore) -> None:
    guard = _blocking(catalogue, store, ScriptedConsent())
    send = guard.wrap(lambda: "sent", name="email.send")
    with pytest.raises(GuardStateError, match="outside a run"):
        send()


def test_guard_config_errors(catalogue: Catalogue, store: RunStore) -> None:
    with pytest.raises(ConfigError, match="needs an authorizer"):
        ScopeGuard(catalogue, store=store)
    with pytest.raises(ConfigError, match="'blocking' or 'pausing'"):
        ScopeGuard(catalogue, store=store, mode="lax")  # type: ignore[arg-type]
    # a grant that ends before it is used: every call would ask until max_consent_rounds
    for ttl in (0.0, -5.0, float("nan")):
        with pytest.raises(ConfigError, match="grant_ttl"):
            ScopeGuard(catalogue, store=store, mode="pausing", grant_ttl=ttl)
    with pytest.raises(ConfigError, match="consent_timeout"):
        ScopeGuard(catalogue, store=store, mode="pausing", consent_timeout=-1.0)
    # a consent function is not an authorizer: every consent raised AttributeError
    with pytest.raises(ConfigError, match=r"CallbackAuthorizer\(fn\)"):
        ScopeGuard(catalogue, store=store, authorizer=lambda request: request.requested)  # type: ignore[arg-type]
    # not a scorer (a PreAuthorizer, a model path): every batch would fail, said only in logs
    pre = PreAuthorizer(lambda inputs: [{} for _ in inputs], catalogue=catalogue)  # type: ignore[arg-type]
    for scorer in ("models/workbench", pre):
        with pytest.raises(ConfigError, match="predict_scopes"):
            ScopeGuard(catalogue, store=store, mode="pausing", scorer=scorer)  # type: ignore[arg-type]
    guard = ScopeGuard(catalogue, store=store, mode="pausing")
    with pytest.raises(ConfigError, match="would change that"):
        guard.register("email.send", requires=())
    guard.register("weather.today", requires=())
    with guard.start("Weather?") as run:
        run.check("weather.today")


def test_start_refuses_what_the_run_or_its_trace_could_not_hold(
    catalogue: Catalogue, store: RunStore, tmp_path: Path
) -> None:
    """A new user's slips fail at once, saying what to pass: not a TypeError, a pydantic
    error about ScopeSpec, or (a context value 5) a ValidationError from the recorder once
    the agent had run."""
    with pytest.raises(ConfigError, match=r"load_catalogue\('my\.catalogue\.yaml'\)"):
        ScopeGuard("my.catalogue.yaml", store=store, mode="pausing")  # type: ignore[arg-type]
    guard = ScopeGuard(
        catalogue,
        store=store,
        authorizer=CallbackAuthorizer(lambda request: request.requested),
        recorder=TraceRecorder(tmp_path / "runs.jsonl"),
    )
    plan = PreAuthorizer(KeywordScorer(), catalogue=catalogue).plan("Email Carlos")
    assert plan.upfront  # a ProviderConsent, for the slip of passing plan.upfront
    slips: list[tuple[dict[str, object], str]] = [
        ({"context": {"domain": 5}}, "'domain': 5 is not"),
        ({"context": ["domain=work"]}, "mapping of str to str"),
        ({"upfront": plan}, r"got AuthorizationPlan \(pass plan\.upfront_scopes\)"),
        ({"upfront": plan.upfront}, "it holds ProviderConsent"),
        ({"upfront": [{"scope": "google:gmail.send"}]}, "it holds dict"),
        ({"upfront": "google:gmail.send"}, r"write \{'google:gmail\.send'\}"),
        ({"upfront": ["gmail.send"]}, "'provider:name'"),
        ({"granted": ["gmail.send"]}, "needs granted as scope names"),
    ]
    for kwargs, said in slips:
        with pytest.raises(ConfigError, match=said):
            guard.start("Email Carlos", **kwargs)  # type: ignore[arg-type]
    assert store.run_ids() == []  # nothing was started
    with guard.start("Email Carlos", upfront=plan.upfront_scopes) as run:
        run.check("email.send")
    assert run.status == "finished"


def test_guard_records_tool_errors(catalogue: Catalogue, store: RunStore) -> None:
    guard = _blocking(catalogue, store, ScriptedConsent())

    @guard.tool("clock.now")
    def now() -> float:
        raise RuntimeError("clock broke")

    with guard.start("What time is it") as run:
        with pytest.raises(RuntimeError):
            now()
        assert [c.status for c in run.calls] == ["error"]


def test_a_catalogue_implying_another_providers_scope_is_warned_about(
    catalogue: Catalogue, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The format allows it, but an OAuth token covers only its own provider's scopes."""
    crossing = catalogue_from_mapping(
        {
            "tools": [{"name": "post", "scopes": ["slack:chat:write"]}],
            "scopes": [
                {"name": "admin:all", "implies": ["slack:chat:write", "admin:read"]},
                {"name": "admin:read"},
            ],
        }
    )
    assert crossing.cross_provider_implications == (("admin:all", "slack:chat:write"),)
    with caplog.at_level("WARNING", logger="scopecast.runtime._guard"):
        ScopeGuard(crossing, store=store, mode="pausing")
    (record,) = caplog.records
    assert "admin:all -> slack:chat:write" in record.getMessage()
    assert "admin:read" not in record.getMessage()
    caplog.clear()
    with caplog.at_level("WARNING", logger="scopecast.runtime._guard"):
        ScopeGuard(catalogue, store=store, mode="pausing")
    assert catalogue.cross_provider_implications == ()
    assert not caplog.records


def test_authorize_then_record_call_records_the_outcome_after_the_call(
    catalogue: Catalogue, store: RunStore
) -> None:
    user = ScriptedConsent()
    guard = _blocking(catalogue, store, user)
    run = guard.start("Email Carlos")
    handle = guard.run_for(run.run_id, tool="email.send")
    assert handle.run_id == run.run_id
    guard.authorize("email.send", run=run.run_id)  # asks, records nothing
    assert [r.missing for r in user.requests] == [{"google:gmail.send"}]
    assert run.calls == ()
    guard.record_call("email.send", "error", run=run.run_id, at=123.0)
    guard.authorize("email.send", run=handle)  # granted now: nothing asked
    guard.record_call("email.send", run=handle)
    assert len(user.requests) == 1
    guard.finish(run)
    saved = store.get_run(run.run_id).calls
    assert [(c.tool, c.status) for c in saved] == [("email.send", "error"), ("email.send", "ok")]
    assert saved[0].at == 123.0


def test_authorize_and_record_call_fail_closed(catalogue: Catalogue, store: RunStore) -> None:
    user = ScriptedConsent(lambda request: ())
    guard = _blocking(catalogue, store, user)
    with pytest.raises(GuardStateError, match=r"'email\.send' was called outside a run"):
        guard.run_for(tool="email.send")
    with pytest.raises(GuardStateError, match="outside a run"):
        guard.authorize("email.send")
    with guard.start("Email Carlos") as run:
        assert guard.run_for().run_id == run.run_id  # the current run
        with pytest.raises(UnknownToolError):
            guard.authorize("email.delete_everything")
        with pytest.raises(UnknownToolError):
            guard.record_call("email.delete_everything")
        with pytest.raises(ConfigError, match="'ok' or 'error'"):
            guard.record_call("email.send", "denied")  # type: ignore[arg-type]
        with pytest.raises(ScopeDeniedError):
            guard.authorize("email.send")  # refused, and recorded as such by the guard
        assert [(c.tool, c.status) for c in run.calls] == [("email.send", "denied")]


def test_authorize_hands_the_described_call_to_the_authorizer_and_never_stores_it(
    catalogue: Catalogue, store: RunStore, store_url: str
) -> None:
    from scopecast.runtime import ToolCall

    asked: list[ConsentRequest] = []

    def user(request: ConsentRequest) -> list[str]:
        asked.append(request)
        return sorted(request.requested)

    guard = ScopeGuard(catalogue, store=store, authorizer=CallbackAuthorizer(user))
    run = guard.start("Email Carlos")
    sent = ToolCall("email.send", "call-1", "send_email", {"to": "x7q@secret.example"})
    guard.authorize("email.send", run=run, call=sent)
    (request,) = asked
    assert request.calls == (sent,)
    assert request.calls[0].args == {"to": "x7q@secret.example"}
    assert "x7q" not in repr(request)  # arguments stay out of logs
    guard.record_call("email.send", run=run)
    guard.finish(run)
    assert b"x7q" not in Path(store_url.removeprefix("sqlite:///")).read_bytes()

    guard.start("Email Carlos", run_id="r2", upfront=["google:gmail.send"])
    assert asked[-1].calls == ()  # the consent at the start waits for no call
