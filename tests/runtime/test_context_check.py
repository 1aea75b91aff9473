"""ContextCheck: which context fields hold a value the model never saw (it is ignored)."""

from __future__ import annotations

from scopecast._task_tokens import context_tokens
from scopecast.runtime._context_check import ContextCheck

TRAINED = [
    {"domain": "email", "agent": "gpt-4o"},
    {"domain": "calendar+email", "agent": "gpt-4o"},
    {"domain": "analytics", "agent": "llama"},
]
VOCABULARY = sorted({t for c in TRAINED for t in context_tokens(c)} | {"has_plan"})


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


def test_the_verdicts_are_remembered_and_the_memo_stays_bounded() -> None:
    check = ContextCheck(VOCABULARY)
    for i in range(10_000):
        assert check.unknown_fields({"user": f"u{i}"}) == ["user"]
    assert len(check._verdicts) <= 4096
    assert check.unknown_fields({"domain": "email"}) == []


def test_the_explanation_never_names_the_value_passed() -> None:
    check = ContextCheck(VOCABULARY)
    assert check.explain("domain", examples=True) == (
        "the model knows 3 values of 'domain': 'analytics', 'calendar+email', 'email'"
    )
    assert check.explain("agent", examples=False) == "the model knows 2 values of 'agent'"
    assert check.explain("org", examples=True) == "the model never saw a context field 'org'"
    many = ContextCheck([f"domain=d{i}" for i in range(8)])
    assert many.explain("domain", examples=True).endswith("'d4' and 3 more")
