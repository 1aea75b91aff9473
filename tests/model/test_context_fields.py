"""The share of training tasks that had each context field, as a served model records it."""

from __future__ import annotations

from scopecast.model._context_fields import context_field_shares
from scopecast.scoring import TaskInput
from scopecast.traces import Call


def test_each_task_counts_once_and_a_blank_value_is_no_value() -> None:
    call = Call(tool="email.send", scopes=("google:gmail.send",))
    inputs = [
        TaskInput("a", {"domain": "email", "org": "acme"}),
        # the prefix rows of that run repeat its context: not counted again
        TaskInput("a", {"domain": "email", "org": "acme"}, calls=(call,)),
        TaskInput("a", {"domain": "email", "org": "acme"}, calls=(call, call)),
        TaskInput("b", {"domain": "email", "org": " "}),
        TaskInput("c", {"domain": "calendar"}),
        TaskInput("d", {}),
    ]
    assert context_field_shares(inputs) == {"domain": 0.75, "org": 0.25}
    assert context_field_shares([]) == {}
    # rows that all carry calls (a matrix of prefixes only): each row counts
    assert context_field_shares(inputs[1:3]) == {"domain": 1.0, "org": 1.0}
