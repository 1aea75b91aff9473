"""Plan traces: the pydantic models of the trace format and JSON Lines reading and writing.

A trace records one agent run: the task, what was known before it started (context and an
optional articulated plan) and the tool calls it actually made with the scopes each needed.
The format is specified in ``trace-format.md``; these models are its source of truth. They
reject unknown fields, wrong types and malformed scope strings, and never coerce a value.

Reading is streaming (one line at a time, never the whole file's text) and collects every
problem of a file, up to a cap, into one :class:`~scopecast.exceptions.DataValidationError`
whose issues name the file, the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationError,
)

from scopecast._types import CallStatus, Scope, ToolName
from scopecast.exceptions import DataIssue, DataValidationError

__all__ = [
    "MAX_ISSUES",
    "Call",
    "PlanStep",
    "Trace",
    "iter_traces",
    "needed_scopes",
    "read_traces",
    "trace_to_json_line",
    "write_traces",
]

MAX_ISSUES = 50
"""How many issues one load collects before it stops listing them (the count goes on)."""


def _check_iso8601(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError as err:
        raise ValueError(
            f"expected an ISO-8601 timestamp such as '2026-03-02T10:14:00Z', got {value!r}"
        ) from err
    return value


Timestamp = Annotated[str, AfterValidator(_check_iso8601)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class PlanStep(BaseModel):
    """One step of an articulated plan: the tool the agent meant to call and its scopes."""

    model_config = _STRICT

    tool: ToolName = Field(description="Tool name as the agent's toolset names it.")
    scopes: tuple[Scope, ...] = Field(description="Scopes the step would need.")


class Call(BaseModel):
    """One executed tool call and the scopes it needed."""

    model_config = _STRICT

    tool: ToolName = Field(description="Tool name as the agent's toolset names it.")
    scopes: tuple[Scope, ...] = Field(description="Scopes this call needed (may be empty).")
    args: dict[str, JsonValue] | None = Field(
        default=None, description="Arguments; never a model feature unless a feature says so."
    )
    status: CallStatus = Field(
        default="ok", description="'denied': the user refused the scope at the point of execution."
    )
    at: Timestamp | None = Field(default=None, description="When the call started (ISO-8601).")


class Trace(BaseModel):
    """One agent run: task, pre-start context and plan, and the calls actually made.

    The *needed scopes* of a trace (the label the model learns) are the union of the
    scopes of its calls: :attr:`needed_scopes`.
    """

    model_config = _STRICT

    trace_id: NonEmptyText = Field(description="Unique within a file set.")
    task: NonEmptyText = Field(description="The request as the agent received it.")
    context: dict[str, str] = Field(
        default_factory=dict, description="What is known before the start: domain, user, org, ..."
    )
    plan: tuple[PlanStep, ...] | None = Field(
        default=None, description="The articulated plan, if the agent wrote one before starting."
    )
    calls: tuple[Call, ...] = Field(description="Tool calls the agent executed, in order.")
    started_at: Timestamp | None = Field(default=None, description="When the run started.")

    @property
    def needed_scopes(self) -> frozenset[str]:
        """The union of ``calls[].scopes``: what the run needed."""
        return needed_scopes(self.calls)

    @property
    def plan_scopes(self) -> frozenset[str] | None:
        """The union of the plan steps' scopes, or ``None`` when the trace has no plan."""
        if self.plan is None:
            return None
        return frozenset(scope for step in self.plan for scope in step.scopes)


def needed_scopes(calls: Iterable[Call]) -> frozenset[str]:
    """Return the union of the scopes of ``calls``."""
    return frozenset(scope for call in calls for scope in call.scopes)


def _issues_from_validation(err: ValidationError, source: str, line: int | None) -> list[DataIssue]:
    issues = []
    for detail in err.errors(include_url=False):
        field = ".".join(str(part) for part in detail["loc"])
        got = detail.get("input")
        got_text = repr(got)
        if len(got_text) > 80:
            got_text = got_text[:77] + "..."
        message = detail["msg"]
        if detail["type"] not in {"missing", "json_invalid"}:
            message = f"{message} (got {got_text})"
        issues.append(DataIssue(source, line, field, message))
    return issues


def parse_trace_line(raw: bytes | str, source: str, line: int) -> Trace | list[DataIssue]:
    """Parse one JSON Lines record into a :class:`Trace`, or return its issues."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            return [
                DataIssue(
                    source, line, "", f"is not valid UTF-8 ({err.reason} at byte {err.start})"
                )
            ]
    try:
        return Trace.model_validate_json(raw)
    except ValidationError as err:
        return _issues_from_validation(err, source, line)


def iter_traces(path: str | Path, *, max_issues: int = MAX_ISSUES) -> Iterator[Trace]:
    """Stream the traces of one JSON Lines file, validating every line.

    Good lines are yielded as they are read; at the end of the file, if any line was bad
    (or a ``trace_id`` repeated), one :class:`DataValidationError` lists every problem (up to
    ``max_issues``, then a count). Blank lines are allowed and skipped.

    Raises
    ------
    DataValidationError
        If the file cannot be read or any record is invalid.
    """
    source = str(path)
    issues: list[DataIssue] = []
    n_more = 0
    seen: dict[str, int] = {}
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as err:
        raise DataValidationError.single(
            source, None, "", f"cannot be read: {err.strerror or err}. Check the path."
        ) from err
    try:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            parsed = parse_trace_line(raw, source, line_no)
            if isinstance(parsed, list):
                found = parsed
            elif parsed.trace_id in seen:
                found = [
                    DataIssue(
                        source,
                        line_no,
                        "trace_id",
                        f"duplicate trace_id {parsed.trace_id!r} (first on line "
                        f"{seen[parsed.trace_id]}); trace ids must be unique",
                    )
                ]
            else:
                seen[parsed.trace_id] = line_no
                yield parsed
                continue
            room = max_issues - len(issues)
            issues.extend(found[:room])
            n_more += max(0, len(found) - room)
    finally:
        handle.close()
    if issues:
        raise DataValidationError(issues, n_more=n_more)


def read_traces(paths: str | Path | Sequence[str | Path]) -> list[Trace]:
    """Read and validate one or more JSON Lines trace files into a list.

    ``trace_id`` must be unique across all the files. Every file is checked, and one
    :class:`DataValidationError` reports the problems of all of them.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    traces: list[Trace] = []
    issues: list[DataIssue] = []
    n_more = 0
    first_seen: dict[str, str] = {}
    for path in paths:
        try:
            for trace in iter_traces(path):
                if trace.trace_id in first_seen:
                    issues.append(
                        DataIssue(
                            str(path),
                            None,
                            "trace_id",
                            f"duplicate trace_id {trace.trace_id!r}, also in "
                            f"{first_seen[trace.trace_id]}; trace ids must be unique across files",
                        )
                    )
                    continue
                first_seen[trace.trace_id] = str(path)
                traces.append(trace)
        except DataValidationError as err:
            issues.extend(err.issues)
            n_more += err.n_more
    if issues:
        shown = issues[:MAX_ISSUES]
        raise DataValidationError(shown, n_more=n_more + len(issues) - len(shown))
    return traces


def trace_to_json_line(trace: Trace) -> str:
    """Serialise one trace as a JSON Lines record (no newline), fields set on input only."""
    return json.dumps(trace.model_dump(mode="json", exclude_unset=True), ensure_ascii=True)


def write_traces(traces: Iterable[Trace], path: str | Path) -> int:
    """Write traces to a JSON Lines file (streaming); return how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for trace in traces:
            handle.write(trace_to_json_line(trace))
            handle.write("\n")
            count += 1
    return count
