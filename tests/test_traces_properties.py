"""Property tests: malformed input raises only DataValidationError; good traces round-trip."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scopecast
from scopecast import DataIssue, DataValidationError, Trace
from scopecast.trace_tables import traces_from_dataframe, traces_to_dataframe

# -- valid records -------------------------------------------------------------------------

name_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.-", min_size=1, max_size=12)
scopes = st.builds(lambda p, n: f"{p}:{n}", name_part, name_part)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
timestamps = st.datetimes().map(lambda d: d.isoformat())


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    call: dict[str, Any] = {
        "tool": draw(st.text(min_size=1, max_size=20)),
        "scopes": draw(st.lists(scopes, max_size=3)),
    }
    if draw(st.booleans()):
        call["args"] = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    if draw(st.booleans()):
        call["status"] = draw(st.sampled_from(["ok", "error", "denied"]))
    if draw(st.booleans()):
        call["at"] = draw(timestamps)
    return call


@st.composite
def records(draw: st.DrawFn, trace_id: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "trace_id": trace_id or draw(st.text(min_size=1, max_size=20)),
        "task": draw(st.text(min_size=1, max_size=60)),
    }
    if draw(st.booleans()):
        record["context"] = draw(
            st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
        )
    if draw(st.booleans()):
        steps = st.builds(
            lambda tool, needed: {"tool": tool, "scopes": needed},
            st.text(min_size=1, max_size=10),
            st.lists(scopes, max_size=2),
        )
        record["plan"] = draw(st.none() | st.lists(steps, max_size=2))
    record["calls"] = draw(st.lists(calls(), max_size=4))
    if draw(st.booleans()):
        record["started_at"] = draw(timestamps)
    return record


def _line(record: object) -> bytes:
    return json.dumps(record).encode("utf-8")


# -- malformed records ---------------------------------------------------------------------

REQUIRED = ("trace_id", "task", "calls")
wrong_values = json_values.filter(lambda v: not isinstance(v, str))


@st.composite
def broken_lines(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A line that is not a valid trace, and whether the problem is in a named field."""
    record = draw(records(trace_id="bad"))
    kind = draw(
        st.sampled_from(
            [
                "wrong_type",
                "missing",
                "bad_scope",
                "huge",
                "utf8",
                "truncated",
                "non_object",
                "extra",
            ]
        )
    )
    if kind == "wrong_type":
        record[draw(st.sampled_from(["trace_id", "task"]))] = draw(wrong_values)
        return _line(record), True
    if kind == "missing":
        del record[draw(st.sampled_from(REQUIRED))]
        return _line(record), True
    if kind == "bad_scope":
        bad = draw(st.text(max_size=30).filter(lambda s: ":" not in s or s.startswith(":")))
        record["calls"] = [*record["calls"], {"tool": "t", "scopes": [bad]}]
        return _line(record), True
    if kind == "huge":
        size = draw(st.integers(10_000, 300_000))
        record["calls"] = [{"tool": "t", "scopes": ["p:" + "x" * size]}]
        return _line(record), True
    if kind == "utf8":
        raw = _line(record)
        cut = draw(st.integers(0, len(raw)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"]))
        return raw[:cut] + junk + raw[cut:], False
    if kind == "truncated":
        raw = _line(record)
        return raw[: draw(st.integers(1, len(raw) - 1))], False
    if kind == "non_object":
        return _line(draw(json_values.filter(lambda v: not isinstance(v, dict)))), False
    record[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in record))] = 1
    return _line(record), True


def _load(path: Path) -> list[Trace]:
    return scopecast.read_traces(path)


def _issues_of(load: Callable[[], object]) -> tuple[DataIssue, ...] | None:
    """The issues of the DataValidationError ``load`` raises (never empty), or None if it passes.

    Any other exception propagates and fails the test.
    """
    try:
        load()
    except DataValidationError as err:
        found = err.issues
    else:
        return None
    assert found, "a DataValidationError must list at least one issue"
    return found


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(line=st.binary(max_size=300) | broken_lines().map(lambda pair: pair[0]))
def test_any_bytes_raise_only_data_validation_error(line: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_bytes(line + b"\n")
        issues = _issues_of(lambda: _load(path))
    assert issues is None or all(issue.source == str(path) for issue in issues)


@settings(
    max_examples=100, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    good=st.lists(records(), min_size=1, max_size=6, unique_by=lambda r: r["trace_id"]),
    broken=broken_lines(),
    position=st.integers(0, 6),
)
def test_one_bad_line_is_the_only_one_reported(
    good: list[dict[str, Any]], broken: tuple[bytes, bool], position: int
) -> None:
    line, has_field = broken
    for record in good:
        record["trace_id"] = "good-" + record["trace_id"]  # the bad line's id is "bad"
    lines = [_line(r) for r in good]
    position = min(position, len(lines))
    lines.insert(position, line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        issues = _issues_of(lambda: _load(path))
    assert issues is not None, f"line {position + 1} was accepted: {line[:200]!r}"
    assert {issue.line for issue in issues} == {position + 1}
    assert all(str(issue).startswith(f"{path}:{position + 1}: ") for issue in issues)
    if has_field:
        assert all(issue.field for issue in issues)


@given(record=records(), twice=st.integers(1, 3))
def test_duplicate_ids_are_reported_on_the_later_lines(record: dict[str, Any], twice: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dup.jsonl"
        path.write_bytes(b"\n".join([_line(record)] * (twice + 1)) + b"\n")
        issues = _issues_of(lambda: _load(path))
    assert issues is not None, "duplicate trace ids were accepted"
    assert [issue.line for issue in issues] == list(range(2, twice + 2))
    assert all(issue.field == "trace_id" for issue in issues)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])  # Parquet I/O: ~0.1 s each
@given(batch=st.lists(records(), max_size=6, unique_by=lambda r: r["trace_id"]))
def test_valid_traces_round_trip_jsonl_parquet_dataframe(batch: list[dict[str, Any]]) -> None:
    text = b"".join(json.dumps(r, ensure_ascii=True).encode() + b"\n" for r in batch)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_bytes(text)
        traces = _load(source)
        scopecast.write_traces(traces, Path(tmp) / "t.parquet")
        scopecast.write_traces(
            scopecast.iter_traces(Path(tmp) / "t.parquet"), Path(tmp) / "p.jsonl"
        )
        scopecast.write_traces(
            traces_from_dataframe(traces_to_dataframe(traces)), Path(tmp) / "d.jsonl"
        )
        assert (Path(tmp) / "p.jsonl").read_bytes() == text
        assert (Path(tmp) / "d.jsonl").read_bytes() == text


cells = json_values | st.lists(json_values, max_size=3) | st.just(float("nan"))


@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                (
                    "trace_id",
                    "task",
                    "calls",
                    "context",
                    "plan",
                    "started_at",
                    "needed_scopes",
                    "absent_fields",
                ),
                cells,
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_dataframe_raises_only_data_validation_error(rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows)
    issues = _issues_of(lambda: traces_from_dataframe(frame))
    assert issues is None or all(issue.unit == "row" for issue in issues)
