"""Streaming several trace files: the checks of ``read_traces``, without holding the traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scopecast.exceptions import DataValidationError
from scopecast.traces import iter_trace_files, read_traces


def _write(path: Path, ids: list[str]) -> Path:
    lines = [
        json.dumps({"trace_id": i, "task": f"task {i}", "calls": [{"tool": "t", "scopes": []}]})
        for i in ids
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_iter_trace_files_yields_what_read_traces_reads(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.jsonl", ["a", "b"])
    two = _write(tmp_path / "two.jsonl", ["c"])
    streamed = iter_trace_files([one, two])
    assert next(streamed).trace_id == "a"  # lazily, one trace at a time
    assert [t.trace_id for t in streamed] == ["b", "c"]
    assert list(iter_trace_files([one, two])) == read_traces([one, two])
    assert [t.trace_id for t in iter_trace_files(one)] == ["a", "b"]


def test_iter_trace_files_reports_every_file_after_the_last(tmp_path: Path) -> None:
    two = _write(tmp_path / "two.jsonl", ["x", "y"])
    three = _write(tmp_path / "three.jsonl", ["y", "z"])
    missing = tmp_path / "missing.jsonl"
    seen: list[str] = []

    def consume() -> None:
        for trace in iter_trace_files([two, three, missing]):
            seen.append(trace.trace_id)

    with pytest.raises(DataValidationError) as info:
        consume()
    assert seen == ["x", "y", "z"]  # the duplicate is left out; the error comes at the end
    message = str(info.value)
    assert "three.jsonl:1: trace_id: duplicate trace_id, also in" in message
    assert "two.jsonl (line 2)" in message
    assert "missing.jsonl" in message
    assert "cannot be read" in message
