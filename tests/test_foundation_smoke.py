"""Smoke tests of the foundation: the shared data loads and round-trips byte for byte."""

from pathlib import Path

import pytest

import scopecast
from tests.conftest import SHARED_DATA as SHARED

TRACE_FILES = sorted(p for p in SHARED.glob("*.jsonl") if "unparsed" not in p.name)


@pytest.mark.parametrize("path", TRACE_FILES, ids=lambda p: p.name)
def test_read_write_traces_round_trips_shared_files(path: Path, tmp_path: Path) -> None:
    traces = scopecast.read_traces(path)
    assert traces
    out = tmp_path / "out.jsonl"
    scopecast.write_traces(traces, out)
    assert out.read_bytes() == path.read_bytes()


def test_catalogue_closure_follows_implies() -> None:
    catalogue = scopecast.load_catalogue(SHARED / "workbench.catalogue.json")
    assert catalogue.closure(["google:gmail.modify"]) == {
        "google:gmail.modify",
        "google:gmail.readonly",
    }
