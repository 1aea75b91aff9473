"""The generator is deterministic per seed, streams, and writes what ``write_traces`` writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import scopecast
from scopecast.exceptions import ConfigError
from scopecast.generator import generate_lines, generate_traces, write_generated


def _digest(lines):
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_generator_same_seed_gives_identical_bytes() -> None:
    assert _digest(generate_lines(1500, seed=11)) == _digest(generate_lines(1500, seed=11))


def test_generator_different_seeds_differ() -> None:
    first = list(generate_lines(300, seed=1))
    second = list(generate_lines(300, seed=2))
    tasks_first = {json.loads(line)["task"] for line in first}
    tasks_second = {json.loads(line)["task"] for line in second}
    assert first != second
    assert len(tasks_first & tasks_second) < 10


def test_generator_world_seed_changes_the_organisations() -> None:
    default = next(generate_traces(1, seed=1))
    other = next(generate_traces(1, seed=1, world_seed=5))
    assert default.context != other.context or default.calls != other.calls


def test_generator_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    assert list(generate_lines(200, seed=4)) == list(generate_lines(500, seed=4))[:200]


def test_write_generated_jsonl_equals_write_traces(tmp_path: Path) -> None:
    fast, slow = tmp_path / "fast.jsonl", tmp_path / "slow.jsonl"
    seen: list[int] = []
    assert write_generated(fast, 2500, seed=9, progress=seen.append) == 2500
    scopecast.write_traces(generate_traces(2500, seed=9), slow)
    assert fast.read_bytes() == slow.read_bytes()
    assert seen == [1000, 2000, 2500]


def test_write_generated_parquet_round_trips_to_the_same_traces(tmp_path: Path) -> None:
    from scopecast.trace_tables import iter_traces_parquet

    path = tmp_path / "traces.parquet"
    write_generated(path, 300, seed=3)
    assert list(iter_traces_parquet(path)) == list(generate_traces(300, seed=3))


def test_write_generated_rejects_an_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Expected '\.jsonl'"):
        write_generated(tmp_path / "traces.csv", 10, seed=0)


def test_generate_rejects_a_negative_count() -> None:
    with pytest.raises(ConfigError, match="must be >= 0"):
        list(generate_lines(-1, seed=0))
