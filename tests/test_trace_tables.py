"""Traces as DataFrames and Parquet: lossless round trips and errors that name row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scopecast
from scopecast import ConfigError, DataValidationError, Trace
from scopecast.trace_tables import (
    COLUMNS,
    iter_traces_parquet,
    traces_from_dataframe,
    traces_to_dataframe,
    write_traces_parquet,
)
from tests.conftest import SHARED_DATA

SHARED_TRACE_FILES = sorted(p for p in SHARED_DATA.glob("*.jsonl") if "unparsed" not in p.name)

# Every optional field set and unset, in the combinations a round trip could confuse.
EDGE_LINES = [
    {"trace_id": "a", "task": "t", "calls": []},
    {"trace_id": "b", "task": "t", "context": {}, "plan": None, "calls": []},
    {"trace_id": "c", "task": "t", "plan": [], "calls": [{"tool": "x", "scopes": []}]},
    {
        "trace_id": "d",
        "task": "t",
        "context": {"domain": "mail", "user": "ü"},
        "plan": [{"tool": "send", "scopes": ["google:gmail.send"]}],
        "calls": [
            {"tool": "send", "scopes": ["google:gmail.send"], "args": {}},
            {"tool": "send", "scopes": ["google:gmail.send"], "status": "ok"},
            {
                "tool": "pay",
                "scopes": ["bank:payments.write", "bank:profile.read"],
                "args": {"n": 1, "x": 1.5, "l": [1, None, {"k": True}], "s": "\u00e9\u2603"},
                "status": "denied",
                "at": "2026-03-02T10:14:00Z",
            },
        ],
        "started_at": "2026-03-02T10:13:00+01:00",
    },
]


@pytest.fixture
def edge_file(tmp_path: Path) -> Path:
    path = tmp_path / "edge.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in EDGE_LINES), encoding="utf-8")
    return path


def _dump_fields(trace: Trace) -> dict[str, object]:
    return trace.model_dump(exclude_unset=True)


@pytest.mark.parametrize("path", SHARED_TRACE_FILES, ids=lambda p: p.name)
def test_parquet_round_trips_shared_files_byte_identical(path: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "traces.parquet"
    n = scopecast.write_traces(scopecast.iter_traces(path), parquet)
    back = tmp_path / "back.jsonl"
    assert scopecast.write_traces(scopecast.iter_traces(parquet), back) == n
    assert back.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", SHARED_TRACE_FILES, ids=lambda p: p.name)
def test_dataframe_round_trips_shared_files_byte_identical(path: Path, tmp_path: Path) -> None:
    frame = traces_to_dataframe(scopecast.iter_traces(path))
    back = tmp_path / "back.jsonl"
    scopecast.write_traces(traces_from_dataframe(frame), back)
    assert back.read_bytes() == path.read_bytes()


def test_parquet_keeps_set_and_absent_fields_apart(edge_file: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "edge.parquet"
    original = scopecast.read_traces(edge_file)
    write_traces_parquet(original, parquet, row_group_size=2)
    back = list(iter_traces_parquet(parquet, batch_size=1))
    assert [_dump_fields(t) for t in back] == [_dump_fields(t) for t in original]
    assert back[1].plan is None
    assert "plan" in back[1].model_fields_set
    assert "plan" not in back[0].model_fields_set
    assert "args" not in back[3].calls[1].model_fields_set
    assert back[3].calls[0].args == {}
    assert "status" in back[3].calls[1].model_fields_set
    assert "status" not in back[3].calls[0].model_fields_set
    out = tmp_path / "back.jsonl"
    scopecast.write_traces(back, out)
    assert out.read_bytes() == edge_file.read_bytes()


def test_parquet_file_is_readable_as_a_plain_table(edge_file: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "edge.parquet"
    scopecast.write_traces(scopecast.read_traces(edge_file), parquet)
    table = pq.read_table(parquet)
    assert table.column_names == list(COLUMNS)
    assert table.column("needed_scopes").to_pylist()[3] == [
        "bank:payments.write",
        "bank:profile.read",
        "google:gmail.send",
    ]
    assert table.schema.metadata[b"scopecast.format"] == b"trace-v1"


def test_empty_parquet_round_trips(tmp_path: Path) -> None:
    parquet = tmp_path / "empty.parquet"
    assert write_traces_parquet([], parquet) == 0
    assert scopecast.read_traces(parquet) == []


def test_dataframe_has_one_row_per_trace_with_needed_scopes(edge_file: Path) -> None:
    frame = traces_to_dataframe(scopecast.read_traces(edge_file))
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == len(EDGE_LINES)
    assert frame.loc[3, "needed_scopes"] == [
        "bank:payments.write",
        "bank:profile.read",
        "google:gmail.send",
    ]
    assert frame.loc[3, "calls"][2]["args"]["l"] == [1, None, {"k": True}]
    assert frame.loc[0, "absent_fields"] == ["context", "plan", "started_at"]
    assert json.dumps(frame.loc[3, "calls"])  # nested fields are JSON-able


def test_dataframe_round_trip_preserves_fields_set(edge_file: Path) -> None:
    original = scopecast.read_traces(edge_file)
    back = traces_from_dataframe(traces_to_dataframe(original))
    assert [_dump_fields(t) for t in back] == [_dump_fields(t) for t in original]


def test_dataframe_rejects_parquet_style_map_pairs() -> None:
    frame = pd.DataFrame(
        {"trace_id": ["x"], "task": ["t"], "calls": [[]], "context": [[("domain", "mail")]]}
    )
    with pytest.raises(DataValidationError, match="row 1: context: expected a JSON object"):
        traces_from_dataframe(frame)


def test_minimal_dataframe_without_optional_columns() -> None:
    frame = pd.DataFrame(
        {
            "trace_id": ["x", "y"],
            "task": ["do it", "do that"],
            "calls": [[{"tool": "t", "scopes": ["a:b"]}], []],
            "plan": [None, [{"tool": "t", "scopes": ["a:b"]}]],
        }
    )
    traces = traces_from_dataframe(frame)
    assert traces[0].model_fields_set == {"trace_id", "task", "calls"}
    assert traces[1].plan_scopes == {"a:b"}


def test_dataframe_errors_name_source_row_and_field() -> None:
    frame = pd.DataFrame(
        {
            "trace_id": ["ok-1", "bad", "ok-2", "ok-1"],
            "task": ["t", "t", "t", "t"],
            "calls": [[], [{"tool": "t", "scopes": ["noprovider"]}], [], []],
            "context": [{}, {"domain": 3}, {}, {}],
        }
    )
    with pytest.raises(DataValidationError) as info:
        traces_from_dataframe(frame, source="frame.csv")
    issues = info.value.issues
    assert {(i.line, i.field) for i in issues} == {
        (2, "calls.0.scopes.0"),
        (2, "context.domain"),
        (4, "trace_id"),
    }
    assert all(i.source == "frame.csv" and i.unit == "row" for i in issues)
    assert "frame.csv:row 2: calls.0.scopes.0: expected a scope string" in str(info.value)


def test_dataframe_rejects_unknown_and_missing_columns() -> None:
    frame = pd.DataFrame({"trace_id": ["x"], "taks": ["typo"], "calls": [[]]})
    with pytest.raises(DataValidationError) as info:
        traces_from_dataframe(frame)
    assert {i.field for i in info.value.issues} == {"task", "taks"}
    assert "unknown column" in str(info.value)
    assert "required column is missing" in str(info.value)


def test_dataframe_rejects_inconsistent_needed_scopes_and_absent_fields() -> None:
    frame = traces_to_dataframe([Trace(trace_id="x", task="t", calls=(), context={"a": "b"})])
    frame.loc[0, "needed_scopes"] = ["google:gmail.send"]
    with pytest.raises(DataValidationError, match="needed_scopes: does not match"):
        traces_from_dataframe(frame)
    frame = traces_to_dataframe([Trace(trace_id="x", task="t", calls=(), context={"a": "b"})])
    frame.at[0, "absent_fields"] = ["context"]
    with pytest.raises(DataValidationError, match="context: has a value but absent_fields"):
        traces_from_dataframe(frame)


def test_dataframe_does_not_coerce_types() -> None:
    frame = pd.DataFrame({"trace_id": [7], "task": ["t"], "calls": [[]]})
    with pytest.raises(DataValidationError, match="row 1: trace_id: expected a string"):
        traces_from_dataframe(frame)


def test_parquet_with_bad_rows_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    table = pa.table(
        {
            "trace_id": ["a", "b", "c"],
            "task": ["t", "", "t"],
            "calls": [[], [], [{"tool": "x", "scopes": ["a:b"], "args": "{not json"}]],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    assert [(i.line, i.field) for i in info.value.issues] == [(2, "task"), (3, "calls.0.args")]
    assert f"{path}:row 2: task: expected a non-empty string" in str(info.value)


def test_parquet_rejects_files_that_are_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("not parquet", encoding="utf-8")
    with pytest.raises(DataValidationError, match="cannot be read as Parquet"):
        scopecast.read_traces(path)


def test_parquet_rejects_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "extra.parquet"
    pq.write_table(pa.table({"trace_id": ["a"], "task": ["t"], "calls": [[]], "x": [1]}), path)
    with pytest.raises(DataValidationError, match="x: unknown column"):
        list(iter_traces_parquet(path))


def test_parquet_duplicate_ids_are_reported_with_rows(tmp_path: Path) -> None:
    path = tmp_path / "dup.parquet"
    trace = Trace(trace_id="same", task="t", calls=())
    write_traces_parquet([trace, trace], path)
    with pytest.raises(
        DataValidationError, match=r"row 2: trace_id: duplicate trace_id \(first on row 1\)"
    ):
        scopecast.read_traces(path)


def test_write_parquet_rejects_bad_row_group_size(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="row_group_size"):
        write_traces_parquet([], tmp_path / "x.parquet", row_group_size=0)
