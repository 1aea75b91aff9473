"""Plan traces: reading and writing trace files, and the trace format's models (re-exported).

A trace records one agent run: the task, what was known before it started (context and an
optional articulated plan) and the tool calls it actually made with the scopes each needed.
Its pydantic models (:class:`Trace`, :class:`Call`, :class:`PlanStep`) live in
:mod:`scopecast._trace_models` and are imported from here.

Files are JSON Lines, or Parquet when the name ends in ``.parquet`` (handled lazily by
:mod:`scopecast.trace_tables`, so that ``import scopecast`` does not load pyarrow).
Reading is streaming (one line at a time, never the whole file's text) and collects every
problem of a file, up to a cap, into one :class:`~scopecast.exceptions.DataValidationError`
whose issues name the file, the line and the field. Writing keeps exactly the fields a
trace was read with, so that a file in the format's field order is written back byte for
byte.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import JsonValue, ValidationError

from scopecast._issues import IssueCollector, issues_from_validation, short_repr
from scopecast._trace_models import Call, PlanStep, Trace, needed_scopes
from scopecast._unique_keys import find_repeated_key
from scopecast.exceptions import DataIssue, DataValidationError

__all__ = [
    "MAX_ISSUES",
    "Call",
    "PlanStep",
    "Trace",
    "check_traces",
    "iter_numbered_traces",
    "iter_trace_files",
    "iter_traces",
    "needed_scopes",
    "parse_trace_line",
    "read_traces",
    "trace_to_json_line",
    "trace_to_record",
    "write_traces",
]

MAX_ISSUES = 50
"""How many issues one load collects before it stops listing them (the count goes on)."""


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
    # The line ending is not part of the record: with it, a record cut short reads as
    # "control character ... at line 2 column 0" instead of "EOF while parsing a string".
    raw = raw.rstrip("\r\n")
    try:
        trace = Trace.model_validate_json(raw)
    except ValidationError as err:
        return [
            _on_this_line(issue) for issue in issues_from_validation(err, source, line, model=Trace)
        ]
    repeated = find_repeated_key(raw)
    if repeated is not None:
        return [DataIssue(source, line, "", str(repeated))]
    return trace


_JSON_POSITION = re.compile(r" at line 1 column (\d+)$")


def _on_this_line(issue: DataIssue) -> DataIssue:
    """``issue`` with the JSON parser's "at line 1 column N" as "at column N": the record is
    one line of the file, whose own number the issue gives already."""
    message = _JSON_POSITION.sub(r" at column \1", issue.message)
    return issue if message == issue.message else dataclasses.replace(issue, message=message)


def check_traces(
    source: str,
    records: Iterable[tuple[int, Trace | list[DataIssue]]],
    *,
    max_issues: int = MAX_ISSUES,
    unit: Literal["line", "row"] = "line",
) -> Iterator[tuple[int, Trace]]:
    """Yield ``(number, trace)`` for the good records of one source; raise for the bad ones.

    ``records`` holds each record's 1-based line or row number with either its parsed
    trace or its issues. A repeated ``trace_id`` is an issue of the later record. Good
    records are yielded as they come; after the last one, if any record was bad, one
    :class:`DataValidationError` lists the issues (up to ``max_issues``, then a count).
    Every loader (JSON Lines, Parquet, DataFrame) funnels through here.
    """
    collector = IssueCollector(source, max_issues)
    seen: dict[str, int] = {}
    word = "line" if unit == "line" else "row"
    for number, parsed in records:
        if isinstance(parsed, list):
            collector.record_bad(parsed)
        elif parsed.trace_id in seen:
            collector.record_bad(
                [
                    DataIssue(
                        source,
                        number,
                        "trace_id",
                        f"duplicate trace_id (first on {word} {seen[parsed.trace_id]}); "
                        f"trace ids must be unique",
                        short_repr(parsed.trace_id),
                        unit,
                    )
                ]
            )
        else:
            seen[parsed.trace_id] = number
            collector.record_ok()
            yield number, parsed
    error = collector.error()
    if error is not None:
        raise error


_UTF8_BOM = b"\xef\xbb\xbf"
"""The byte order mark a file may start with; skipped before the first line is parsed."""


def _numbered_jsonl_traces(path: str | Path, max_issues: int) -> Iterator[tuple[int, Trace]]:
    source = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as err:
        raise DataValidationError.single(
            source, None, "", f"cannot be read: {err.strerror or err}. Check the path."
        ) from err

    def records() -> Iterator[tuple[int, Trace | list[DataIssue]]]:
        for line_no, raw in enumerate(handle, start=1):
            if line_no == 1 and raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]  # written by some Windows editors; not JSON
            if raw.strip():
                yield line_no, parse_trace_line(raw, source, line_no)

    try:
        yield from check_traces(source, records(), max_issues=max_issues)
    finally:
        handle.close()


def iter_numbered_traces(
    path: str | Path, *, max_issues: int = MAX_ISSUES
) -> Iterator[tuple[int, Trace]]:
    """Like :func:`iter_traces`, but yield ``(line or row number, trace)`` pairs."""
    if Path(path).suffix.lower() == ".parquet":
        from scopecast.trace_tables import numbered_parquet_traces

        yield from numbered_parquet_traces(path, max_issues=max_issues)
    else:
        yield from _numbered_jsonl_traces(path, max_issues)


def iter_traces(path: str | Path, *, max_issues: int = MAX_ISSUES) -> Iterator[Trace]:
    """Stream the traces of one file (JSON Lines, or Parquet for ``.parquet``), validating each.

    JSON Lines are read one line at a time, Parquet one batch of rows at a time: the
    file's text is never held whole. Good records are yielded as they are read; at the
    end of the file, if any record was bad (or a ``trace_id`` repeated), one
    :class:`DataValidationError` lists every problem (up to ``max_issues``, then a count).
    Blank lines are allowed and skipped.

    Raises
    ------
    DataValidationError
        If the file cannot be read or any record is invalid.
    """
    for _, trace in iter_numbered_traces(path, max_issues=max_issues):
        yield trace


def iter_trace_files(paths: str | Path | Sequence[str | Path]) -> Iterator[Trace]:
    """Stream the traces of one or more files (JSON Lines or Parquet), validating each.

    The streaming form of :func:`read_traces`: the same checks (``trace_id`` unique across
    all the files, every file checked, one :class:`DataValidationError` for the problems of
    all of them), but good traces are yielded as they are read, so a file of millions of
    traces never sits in memory. The error is raised after the last file, once everything
    has been read: a consumer must not act on what it received until the stream ends.

    Only ids need remembering across files: with one file, :func:`iter_traces` checks
    them; with several, a dict of every id seen is kept (about 150 bytes per trace).

    Raises
    ------
    DataValidationError
        If a file cannot be read, a record is invalid or a ``trace_id`` repeats.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    issues: list[DataIssue] = []
    hints: list[str] = []
    n_more = 0
    across = len(paths) > 1
    first_seen: dict[str, tuple[int, int]] = {}
    for index, path in enumerate(paths):
        unit: Literal["line", "row"] = "row" if Path(path).suffix.lower() == ".parquet" else "line"
        try:
            for number, trace in iter_numbered_traces(path):
                if across:
                    if trace.trace_id in first_seen:
                        other, other_no = first_seen[trace.trace_id]
                        issues.append(
                            DataIssue(
                                str(path),
                                number,
                                "trace_id",
                                f"duplicate trace_id, also in {paths[other]} ({unit} "
                                f"{other_no}); trace ids must be unique across the files "
                                f"read together",
                                short_repr(trace.trace_id),
                                unit,
                            )
                        )
                        continue
                    first_seen[trace.trace_id] = (index, number)
                yield trace
        except DataValidationError as err:
            issues.extend(err.issues)
            n_more += err.n_more
            if err.hint:
                hints.append(err.hint)
    if issues:
        shown = issues[:MAX_ISSUES]
        raise DataValidationError(
            shown, n_more=n_more + len(issues) - len(shown), hint="\n".join(hints) or None
        )


def read_traces(paths: str | Path | Sequence[str | Path]) -> list[Trace]:
    """Read and validate one or more trace files (JSON Lines or Parquet) into a list.

    ``trace_id`` must be unique across all the files. Every file is checked, and one
    :class:`DataValidationError` reports the problems of all of them
    (:func:`iter_trace_files` is the streaming form).

    Raises
    ------
    DataValidationError
        If a file cannot be read, a record is invalid or a ``trace_id`` repeats.
    """
    return list(iter_trace_files(paths))


def trace_to_json_line(trace: Trace) -> str:
    """Serialise one trace as a JSON Lines record (no newline): the fields set on input only."""
    return json.dumps(trace_to_record(trace), ensure_ascii=True)


def trace_to_record(trace: Trace) -> dict[str, JsonValue]:
    """The JSON object of one trace: fields set on input only, optional ``None`` fields left out.

    ``args`` absent and ``args: {}`` stay different, as do ``status`` absent and
    ``"ok"``; an optional field set to ``None`` in Python is left out, because the
    format has no ``null`` for it (only ``plan`` may be ``null``).
    """
    record: dict[str, JsonValue] = trace.model_dump(mode="json", exclude_unset=True)
    if record.get("started_at", "") is None:
        del record["started_at"]
    calls = record.get("calls")
    if isinstance(calls, list):
        for call in calls:
            if isinstance(call, dict):
                for key in ("args", "at"):
                    if key in call and call[key] is None:
                        del call[key]
    return record


def write_traces(traces: Iterable[Trace], path: str | Path) -> int:
    """Write traces to a JSON Lines file, or Parquet for ``.parquet``; return how many.

    Writing streams: the traces may come from a generator. Reading the file back gives
    the same traces with the same fields set, and the shared data files byte for byte.
    """
    if Path(path).suffix.lower() == ".parquet":
        from scopecast.trace_tables import write_traces_parquet

        return write_traces_parquet(traces, path)
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for trace in traces:
            handle.write(trace_to_json_line(trace))
            handle.write("\n")
            count += 1
    return count
