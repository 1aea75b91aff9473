"""A very long task (a pasted document) costs its own size, not its size times every row."""

from __future__ import annotations

from scopecast.model._grouping import groups_for
from scopecast.model._training import training_rows
from scopecast.traces import Call, Trace


def test_a_long_task_does_not_widen_every_rows_group() -> None:
    """Groups are task templates by default: a fixed-width string array of them took the
    longest task's width for every row (98.9 GiB for one 30 MB task among 200 traces)."""
    long_task = "Summarise this: " + "word " * 200_000  # 1 MB
    traces = [
        Trace(
            trace_id=f"t-{i}",
            task=long_task if i == 0 else f"Email report {i}",
            calls=(
                Call(tool="email.send", scopes=("google:gmail.send",)),
                Call(tool="email.read", scopes=("google:gmail.readonly",)),
            ),
        )
        for i in range(200)
    ]
    rows = training_rows(traces, groups_for(traces))
    assert len(rows.groups) == 400  # a row before the start and one prefix per trace
    assert rows.groups.nbytes < 100_000  # references, not 400 copies a megabyte wide
    assert len({rows.groups[0], rows.groups[1]}) == 1  # a trace's rows share its group
