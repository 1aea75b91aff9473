"""Turn what a caller passes (task inputs, traces or a DataFrame) into a list of :class:`TaskInput`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pandas as pd
from pydantic import ValidationError

from scopecast._unique_keys import DuplicateKeyError, loads_unique
from scopecast.exceptions import DataValidationError
from scopecast.scoring import TaskInput
from scopecast.traces import Call, PlanStep, Trace

__all__ = ["TaskInputs", "as_task_inputs"]

TaskInputs = Sequence[TaskInput] | Sequence[Trace] | pd.DataFrame
"""What the featurizer and the predictor accept as ``X``."""

_COLUMNS = ("task", "context", "plan", "calls")


def _json_value(value: object, column: str, row: int) -> object:
    if isinstance(value, str) and column != "task":
        try:
            return loads_unique(value) if value.strip() else None
        except DuplicateKeyError as err:
            raise DataValidationError.single("<DataFrame>", row, column, str(err)) from err
        except json.JSONDecodeError as err:
            raise DataValidationError.single(
                "<DataFrame>", row, column, f"is a string but not valid JSON ({err.msg})"
            ) from err
    return value


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]  # scalars only; lists raise
    except (TypeError, ValueError):
        return False


def _row_to_input(row: Mapping[str, object], index: int) -> TaskInput:
    task = row.get("task")
    if not isinstance(task, str) or not task:
        raise DataValidationError.single(
            "<DataFrame>", index, "task", f"must be a non-empty string, got {task!r}"
        )
    values = {c: _json_value(row.get(c), c, index) for c in _COLUMNS[1:]}
    context = values["context"]
    if _is_missing(context):
        context = {}
    if not isinstance(context, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in context.items()
    ):
        raise DataValidationError.single(
            "<DataFrame>",
            index,
            "context",
            f"must be an object of string -> string (or its JSON text), got {context!r}",
        )
    plan_raw = values["plan"]
    calls_raw = values["calls"]
    try:
        plan = (
            None
            if _is_missing(plan_raw)
            else tuple(PlanStep.model_validate(step) for step in plan_raw)  # type: ignore[attr-defined]
        )
        calls = (
            () if _is_missing(calls_raw) else tuple(Call.model_validate(call) for call in calls_raw)  # type: ignore[attr-defined]
        )
    except (ValidationError, TypeError) as err:
        raise DataValidationError.single(
            "<DataFrame>",
            index,
            "plan/calls",
            f"must be lists of {{'tool', 'scopes'}} objects as in the trace format ({err})",
        ) from err
    return TaskInput(task=task, context=dict(context), plan=plan, calls=calls)


def as_task_inputs(X: object) -> list[TaskInput]:
    """Return ``X`` as a list of :class:`TaskInput`.

    Parameters
    ----------
    X : sequence of TaskInput or Trace, or pandas.DataFrame
        A trace becomes its input *before the start* (no calls). A DataFrame needs a
        ``task`` column; ``context`` (dict or JSON text), ``plan`` and ``calls`` (lists of
        ``{"tool", "scopes"}`` dicts or JSON text) are optional.

    Raises
    ------
    DataValidationError
        If a row or an item is not a task input.
    """
    if isinstance(X, pd.DataFrame):
        if "task" not in X.columns:
            raise DataValidationError.single(
                "<DataFrame>",
                None,
                "task",
                f"the DataFrame needs a 'task' column; it has {list(X.columns)}",
            )
        records = X.to_dict(orient="records")
        return [
            _row_to_input({str(k): v for k, v in row.items()}, i + 1)
            for i, row in enumerate(records)
        ]
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise DataValidationError.single(
            "<input>",
            None,
            "",
            f"expected a list of TaskInput or Trace, or a pandas DataFrame, got {type(X).__name__}",
        )
    inputs: list[TaskInput] = []
    for i, item in enumerate(X):
        if isinstance(item, TaskInput):
            inputs.append(item)
        elif isinstance(item, Trace):
            inputs.append(TaskInput.from_trace(item, 0))
        else:
            raise DataValidationError.single(
                "<input>",
                i + 1,
                "",
                f"expected a TaskInput or a Trace, got {type(item).__name__}",
            )
    return inputs
