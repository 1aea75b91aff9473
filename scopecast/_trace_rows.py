"""Rows of a trace table (DataFrame or Parquet) to and from trace records, field by field.

The public functions are in :mod:`scopecast.trace_tables`; this module holds the row
conversion both table kinds share. It imports neither pandas nor pyarrow. A row is read
back into exactly the JSON record it came from: ``absent_fields`` tells a field left out
from one set to ``null`` or ``{}``, and a problem is reported with the source, the 1-based
row and the field, like a bad line of a JSON Lines file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from scopecast._issues import issues_from_validation, short_repr
from scopecast._unique_keys import DuplicateKeyError, loads_unique
from scopecast.exceptions import DataIssue, DataValidationError
from scopecast.traces import Trace, trace_to_record

__all__ = [
    "COLUMNS",
    "OPTIONAL_FIELDS",
    "REQUIRED_COLUMNS",
    "check_columns",
    "trace_from_row",
    "trace_to_row",
]

OPTIONAL_FIELDS = ("context", "plan", "started_at")
REQUIRED_COLUMNS = ("trace_id", "task", "calls")
COLUMNS = (
    "trace_id",
    "task",
    "context",
    "plan",
    "calls",
    "started_at",
    "needed_scopes",
    "absent_fields",
)
"""The columns of a trace table, in order."""


def trace_to_row(trace: Trace, *, args_as_json: bool) -> dict[str, object]:
    record = trace_to_record(trace)
    row: dict[str, object] = {name: record.get(name) for name in COLUMNS[:6]}
    calls = record["calls"]
    if args_as_json and isinstance(calls, list):
        row["calls"] = [
            {**call, "args": json.dumps(call["args"], ensure_ascii=False)}
            if isinstance(call, dict) and "args" in call
            else call
            for call in calls
        ]
    row["needed_scopes"] = sorted(trace.needed_scopes)
    row["absent_fields"] = [name for name in OPTIONAL_FIELDS if name not in record]
    return row


def _is_missing(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def _plain(value: object) -> object:
    """Lists of a table cell come back as numpy arrays or tuples; make them JSON lists."""
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("object keys must be strings")
        return {key: _plain(item) for key, item in value.items()}
    return value


class _RowProblem(Exception):
    def __init__(self, field: str, message: str, got: str | None = None) -> None:
        super().__init__(message)
        self.field, self.message, self.got = field, message, got


def _map_cell(value: object, field: str) -> object:
    """A Parquet map comes back from pyarrow as a list of (key, value) pairs: make it a dict."""
    if not isinstance(value, list):
        return value
    context = dict(value)
    if len(context) != len(value):
        raise _RowProblem(field, "a key is repeated; keys must be unique")
    return context


def _calls_cell(value: object) -> object:
    if not isinstance(value, list):
        return value
    calls: list[object] = []
    for index, call in enumerate(value):
        if not isinstance(call, dict):
            calls.append(call)
            continue
        call = {key: item for key, item in call.items() if not _is_missing(item)}
        if isinstance(call.get("args"), str):
            try:
                call["args"] = loads_unique(call["args"])
            except ValueError as err:  # DuplicateKeyError says what is wrong by itself
                problem = (
                    str(err)
                    if isinstance(err, DuplicateKeyError)
                    else f"is not valid JSON text ({err})"
                )
                raise _RowProblem(f"calls.{index}.args", problem, short_repr(call["args"])) from err
        calls.append(call)
    return calls


def _record_from_row(row: Mapping[str, object]) -> dict[str, object]:
    """Rebuild the JSON record of one table row (raises :class:`_RowProblem`)."""
    absent_cell = _plain(row.get("absent_fields"))
    has_absent_column = "absent_fields" in row and not _is_missing(absent_cell)
    if has_absent_column and not (
        isinstance(absent_cell, list) and set(absent_cell) <= set(OPTIONAL_FIELDS)
    ):
        raise _RowProblem(
            "absent_fields",
            f"expected a list of names among {', '.join(OPTIONAL_FIELDS)}",
            short_repr(absent_cell),
        )
    absent = set(absent_cell) if isinstance(absent_cell, list) else set()
    record: dict[str, object] = {}
    for name in COLUMNS[:6]:
        if name not in row:
            continue
        value = _plain(row[name])
        if name in absent:
            if not _is_missing(value):
                raise _RowProblem(
                    name, "has a value but absent_fields lists it as absent", short_repr(value)
                )
            continue
        if _is_missing(value) and (name in REQUIRED_COLUMNS or not has_absent_column):
            continue  # a required value missing is reported by validation; else: absent
        if name == "calls":
            value = _calls_cell(value)
        record[name] = None if _is_missing(value) else value
    return record


def trace_from_row(
    row: Mapping[str, object], source: str, number: int, *, map_columns: tuple[str, ...] = ()
) -> Trace | list[DataIssue]:
    try:
        if map_columns:
            row = {**row, **{name: _map_cell(row.get(name), name) for name in map_columns}}
        record = _record_from_row(row)
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        needed = _plain(row.get("needed_scopes"))
    except _RowProblem as problem:
        return [DataIssue(source, number, problem.field, problem.message, problem.got, "row")]
    except (TypeError, ValueError) as err:
        return [
            DataIssue(
                source, number, "", f"holds a value that is not JSON data ({err})", unit="row"
            )
        ]
    try:
        trace = Trace.model_validate_json(text)
    except ValidationError as err:
        return issues_from_validation(err, source, number, unit="row", model=Trace)
    if not _is_missing(needed) and needed != sorted(trace.needed_scopes):
        return [
            DataIssue(
                source,
                number,
                "needed_scopes",
                f"does not match the union of calls[].scopes {sorted(trace.needed_scopes)}; "
                f"it is derived: drop the column or recompute it",
                short_repr(needed),
                "row",
            )
        ]
    return trace


def check_columns(names: Iterable[str], source: str) -> None:
    names = list(names)
    issues = [
        DataIssue(source, None, name, "required column is missing", unit="row")
        for name in REQUIRED_COLUMNS
        if name not in names
    ] + [
        DataIssue(
            source,
            None,
            name,
            f"unknown column; a trace table has only {', '.join(COLUMNS)}",
            unit="row",
        )
        for name in names
        if name not in COLUMNS
    ]
    if issues:
        raise DataValidationError(issues)
