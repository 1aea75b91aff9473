"""TaskInput.before_start builds the same input as the constructor, without its __init__."""

from __future__ import annotations

import dataclasses

import pytest

from scopecast.scoring import TaskInput
from scopecast.traces import PlanStep


@pytest.mark.parametrize(
    "plan", [None, (), (PlanStep(tool="gmail.send", scopes=("google:gmail.send",)),)]
)
def test_before_start_equals_the_constructor(plan: tuple[PlanStep, ...] | None) -> None:
    context = {"domain": "sales", "user": "acme-u1"}
    fast = TaskInput.before_start("Email Carlos", context, plan)
    slow = TaskInput(task="Email Carlos", context=context, plan=plan)
    assert fast == slow
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert (fast.task, fast.context, fast.plan, fast.calls) == ("Email Carlos", context, plan, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.task = "other"  # type: ignore[misc]
