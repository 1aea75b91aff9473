"""How often the training tasks had each context field: what a served model expects to be told.

A field that every training task had (``org``, ``domain``) is part of how the model reads a
task: a task without it is one the model never saw, and its probabilities shift without any
sign.
The share of training tasks that had each field goes into the model files
(``compact.json``'s ``context_fields``), so that :class:`~scopecast.runtime.PreAuthorizer` can
say, once per field, that a field the model expects is missing
(:mod:`scopecast.runtime._context_check`).

Training code, kept off the runtime path. The field names only are stored, with their
shares, never a value (a context value may be personal).
"""

from __future__ import annotations

from collections.abc import Sequence

from scopecast.scoring import TaskInput

__all__ = ["context_field_shares"]


def context_field_shares(inputs: Sequence[TaskInput]) -> dict[str, float]:
    """Per context field, the share of training tasks that gave it a non-blank value.

    One count per task: the rows of a run after its first calls repeat the run's context, so
    only the rows without calls count (all rows when none is without calls).
    """
    tasks = [item for item in inputs if not item.calls] or list(inputs)
    if not tasks:
        return {}
    counts: dict[str, int] = {}
    for item in tasks:
        for key, value in item.context.items():
            if str(value).strip():
                counts[key] = counts.get(key, 0) + 1
    return {key: counts[key] / len(tasks) for key in sorted(counts)}
