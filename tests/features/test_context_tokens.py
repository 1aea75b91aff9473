"""Context tokens: every part of a value is a token, so unseen combinations still inform."""

from __future__ import annotations

import random

import pytest

from scopecast._task_tokens import context_tokens
from scopecast.model import train_predictor
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace


def test_a_plain_value_is_its_own_part():
    assert context_tokens({"domain": "calendar"}) == ["domain=calendar", "domain~calendar"]


def test_a_joined_value_gives_the_whole_and_each_part():
    assert context_tokens({"domain": "calendar+email", "agent": "gpt-4"}) == [
        "agent=gpt-4",
        "agent~gpt-4",
        "domain=calendar+email",
        "domain~calendar",
        "domain~email",
    ]


def test_an_empty_value_has_no_part():
    assert context_tokens({"user": ""}) == ["user="]


def _traces(seed: int = 11, n: int = 400) -> list[Trace]:
    """Noise-word tasks in domains ``a+c`` (``files:read`` in 80%), ``b+c`` (``web:fetch`` in
    80%), ``c`` and ``d`` (neither); every task reads the calendar."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(6)) for _ in range(40)]
    needs = {"a+c": "files:read", "b+c": "web:fetch", "c": None, "d": None}
    traces = []
    for i in range(n):
        domain = ("a+c", "b+c", "c", "d")[i % 4]
        scope = needs[domain] if rng.random() < 0.8 else None
        calls = [Call(tool="calendar.read", scopes=("calendar:read",))]
        if scope is not None:
            calls.append(Call(tool=f"tool.{scope}", scopes=(scope,)))
        traces.append(
            Trace(
                trace_id=f"synthetic/t-{i:010x}/000",
                task=" ".join(rng.sample(words, 6)),
                context={"domain": domain},
                calls=tuple(calls),
            )
        )
    return traces


@pytest.mark.slow
def test_a_value_seen_only_inside_combinations_is_read_from_its_parts():
    model, _ = train_predictor(_traces(), group_pattern=r"/(t-[0-9a-f]{10})/")
    a, b, unknown = model.predict_scopes(
        [
            TaskInput("unseen words", {"domain": "a"}),
            TaskInput("unseen words", {"domain": "b"}),
            TaskInput("unseen words", {"domain": "z"}),
        ]
    )
    # ``a`` and ``b`` were never seen alone, so without their parts they would be as unknown
    # as ``z``; with them, each is read as announcing its own scope
    assert a["files:read"] > unknown["files:read"] + 0.2
    assert a["files:read"] > b["files:read"] + 0.2
    assert b["web:fetch"] > unknown["web:fetch"] + 0.2
    assert b["web:fetch"] > a["web:fetch"] + 0.2
