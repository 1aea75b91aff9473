"""ContextCheck and ContextNotes: what the model cannot read in a task's context, said once."""

from __future__ import annotations

import logging
import threading
import time

import pytest

import scopecast.runtime._context_check as context_check
from scopecast._task_tokens import context_tokens
from scopecast.runtime._context_check import ContextCheck, ContextNotes

TRAINED = [
    {"domain": "email", "agent": "gpt-4o"},
    {"domain": "calendar+email", "agent": "gpt-4o"},
    {"domain": "analytics", "agent": "llama"},
]
VOCABULARY = sorted(
    {t for c in TRAINED for t in context_tokens(c)}
    | {"has_plan", "plan_tool=email.send", "done_scope=google:gmail.send"}
)
SUPPORTED = ["email", "analytics"]  # "calendar+email" has too few tasks for a support


def test_a_value_is_known_by_itself_or_by_one_of_its_parts() -> None:
    check = ContextCheck(VOCABULARY)
    assert check.unknown_fields({"domain": "email"}) == []
    assert check.unknown_fields({"domain": "calendar"}) == []  # a part of calendar+email
    assert check.unknown_fields({"domain": "email+analytics"}) == []  # new, from known parts
    assert check.unknown_fields({"domain": "workplace", "agent": "gpt-4o"}) == ["domain"]
    assert check.unknown_fields({"domain": "workplace", "agent": "claude", "org": "x"}) == [
        "agent",
        "domain",
        "org",
    ]
    assert check.unknown_fields({}) == []
    assert check.unknown_fields({"domain": "workplace"}, skip={"domain"}) == []


def test_blank_values_reserved_fields_and_odd_keys_are_not_unknown_values() -> None:
    check = ContextCheck(VOCABULARY)
    assert check.unknown_fields({"domain": "", "org": "  "}) == []  # no value: nothing ignored
    assert check.unknown_fields({"plan_tool": "anything"}) == []  # reported as reserved instead
    mixed = {1: "x", "org": "newco"}  # keys of two types: sorted without comparing them
    assert check.unknown_fields(mixed) == [1, "org"]  # type: ignore[arg-type]
    # plan and progress tokens are not values of a context field
    assert check.explain("plan_tool", examples=True).startswith("the model never saw")


def test_a_verdict_on_a_value_is_remembered_and_the_memo_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []

    def counting(context: dict[str, str]) -> list[str]:
        calls.append(context)
        return context_tokens(context)

    monkeypatch.setattr(context_check, "context_tokens", counting)
    check = ContextCheck(VOCABULARY)
    for _ in range(3):
        assert check.unknown_fields({"domain": "workplace"}) == ["domain"]
    assert len(calls) == 1  # parsed once, then remembered
    assert check.unknown_fields({"domain": "email"}) == []
    assert len(calls) == 1  # a value seen whole is a set look-up
    for i in range(10_000):
        assert check.unknown_fields({"user": f"u{i}"}) == ["user"]
    assert len(check._verdicts) <= 4096


def test_the_explanation_never_names_the_value_passed() -> None:
    check = ContextCheck(VOCABULARY)
    assert check.explain("domain", examples=True) == (
        "the model knows 3 values of 'domain': 'analytics', 'calendar+email', 'email'"
    )
    assert check.explain("agent", examples=False) == "the model knows 2 values of 'agent'"
    assert check.explain("org", examples=True) == "the model never saw a context field 'org'"
    many = ContextCheck([f"domain=d{i}" for i in range(8)])
    assert many.explain("domain", examples=True).endswith("'d4' and 3 more")


def _notes(caplog: pytest.LogCaptureFixture) -> ContextNotes:
    logger = logging.getLogger("tests.context_notes")
    caplog.set_level(logging.WARNING, logger=logger.name)
    return ContextNotes(VOCABULARY, SUPPORTED, logger)


def test_each_note_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes(caplog)
    notes.note({"domain": "email", "agent": "gpt-4o"})
    assert caplog.messages == []
    for value in ("workplace", "elsewhere"):
        notes.note({"domain": value, "user": f"{value}-person"})
    unknown = [m for m in caplog.messages if "never saw in training" in m]
    assert len(unknown) == 2  # domain and user, once each
    domain_note = next(m for m in unknown if "'domain'" in m)
    assert "no domain support applies" in domain_note
    assert "'analytics', 'calendar+email', 'email'" in domain_note
    user_note = next(m for m in unknown if "'user'" in m)
    assert "never saw a context field 'user'" in user_note
    assert not any("workplace" in m or "elsewhere" in m for m in caplog.messages)


def test_a_domain_read_from_its_parts_without_a_support_is_noted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notes = _notes(caplog)
    notes.note({"domain": "calendar+email"})  # known whole, but no support of its own
    notes.note({"domain": "email+analytics"})  # known by its parts: said already
    (message,) = caplog.messages
    assert "no support of its own" in message
    assert "2 domains: 'analytics', 'email'" in message
    assert "calendar" not in message.split("(")[1].split(";")[0]  # the value is not named


def test_a_field_named_like_a_plan_feature_is_noted(caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes(caplog)
    notes.note({"plan_tool": "email.send"})
    notes.note({"plan_tool": "other"})
    (message,) = caplog.messages
    assert "'plan_tool'" in message
    assert "Rename the field" in message
    assert "email.send" not in message


def test_notes_on_fields_stop_after_a_cap_but_not_on_the_domain(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notes = _notes(caplog)
    for i in range(200):
        notes.note({f"trace_{i}": "x"})
    assert len(caplog.messages) == 65  # 64 notes, then one line saying no more will come
    assert "no more will be" in caplog.messages[-1]
    notes.note({"domain": "workplace", "trace_x": "y"})
    notes.note({"domain": "calendar+email", "plan_scope": "a:b"})
    assert len(caplog.messages) == 68
    assert "'domain'" in caplog.messages[65]
    assert "no support of its own" in caplog.messages[66] + caplog.messages[67]
    assert "'plan_scope'" in caplog.messages[66] + caplog.messages[67]


class _SlowSet(set[object]):
    """A set whose membership test yields the GIL: without the lock, two threads would both
    find a note unsaid before either marks it said."""

    def __contains__(self, item: object) -> bool:
        found = super().__contains__(item)
        time.sleep(0.001)  # between the test and the caller's add
        return found


def test_threads_log_a_note_once(caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes(caplog)
    notes._said = _SlowSet()
    barrier = threading.Barrier(8)

    def plan() -> None:
        barrier.wait()
        notes.note({"domain": "workplace"})

    threads = [threading.Thread(target=plan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(caplog.messages) == 1


def test_a_field_nearly_every_training_task_had_is_noted_when_missing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.context_notes")
    caplog.set_level(logging.WARNING, logger=logger.name)
    shares = {"domain": 1.0, "agent": context_check.EXPECTED_SHARE, "team": 0.5}
    notes = ContextNotes(VOCABULARY, SUPPORTED, logger, shares)
    notes.note({"domain": "email", "agent": "llama"})
    assert caplog.messages == []  # every expected field given; 'team' is optional
    notes.note({"domain": "email", "agent": "  "})  # blank counts as missing
    notes.note({})
    notes.note({"agent": ""})
    assert len(caplog.messages) == 2  # agent, then domain: once each
    agent, domain = caplog.messages
    assert "'agent' is missing or blank, but 95% of the training tasks had it" in agent
    assert "'domain' is missing or blank, but 100%" in domain
    assert "Pass the field, or retrain" in domain


@pytest.mark.parametrize("shares", [{"org": 1.0}, {"org": 1.0, "agent": 1.0, "domain": 1.0}])
def test_the_quick_test_for_expected_fields_agrees_with_the_plain_one(
    caplog: pytest.LogCaptureFixture, shares: dict[str, float]
) -> None:
    # one expected field (its value is not split into characters) or several; values with
    # spaces, blank ones, missing ones, and a value that is not a string
    logger = logging.getLogger("tests.context_notes_quick")
    caplog.set_level(logging.WARNING, logger=logger.name)
    full = {"org": "acme corp", "agent": "a b", "domain": "email"}
    notes = ContextNotes(VOCABULARY, SUPPORTED, logger, shares)
    for _ in range(2):
        notes.note(full)
        notes.note({**full, "extra": "x"})
        notes.note({**full, "org": 3})  # type: ignore[dict-item]  # str() of it is not blank
    assert _absent(caplog) == []
    notes.note({**full, "org": " \t"})
    notes.note({**full, "org": " \t"})
    assert _absent(caplog) == ["org"]
    notes.note({})
    assert sorted(_absent(caplog)) == sorted(shares)  # the others once each; 'org' not again


def _absent(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The fields noted missing or blank (the notes on unknown values left out)."""
    return [m.split("'")[1] for m in caplog.messages if "is missing or blank" in m]
