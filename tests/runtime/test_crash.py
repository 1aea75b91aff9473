"""Kill a pausing/resuming process (SIGKILL) at many points: no run, grant or call lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from scopecast.runtime import RunStore
from tests.runtime.crash_driver import SCRIPT

ROOT = Path(__file__).resolve().parents[2]
N_RUNS = 2
EXPECTED_SCOPES = {
    "google:gmail.readonly",
    "google:gmail.send",
    "google:calendar.events",
    "slack:chat:write",
}


def _drive(workdir: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        sys.executable, "-m", "tests.runtime.crash_driver",
        f"sqlite:///{workdir / 'runs.db'}", str(workdir / "traces.jsonl"), str(N_RUNS),
        str(kill_at),
    ]  # fmt: skip
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def _check_consistent(workdir: Path) -> None:
    store = RunStore(f"sqlite:///{workdir / 'runs.db'}")
    try:
        expected = [f"run-{i}" for i in range(N_RUNS)]
        assert store.run_ids() == expected
        assert store.run_ids("finished") == expected
        for run_id in expected:
            record = store.get_run(run_id)
            assert [c.tool for c in record.calls] == list(SCRIPT), run_id
            scopes = [g.scope for g in record.grants]
            assert sorted(scopes) == sorted(EXPECTED_SCOPES), (run_id, scopes)
            assert record.recorded_at is not None, run_id
        with store.engine.connect() as conn:
            open_requests = conn.execute(
                text("SELECT count(*) FROM scopecast_requests WHERE resolved_at IS NULL")
            ).scalar()
        assert open_requests == 0
    finally:
        store.close()
    traces = workdir / "traces.jsonl"
    lines = traces.read_text().splitlines()
    ids = [json.loads(line)["trace_id"] for line in lines]
    assert sorted(ids) == expected  # each run recorded exactly once
    for line in lines:
        assert [c["tool"] for c in json.loads(line)["calls"]] == list(SCRIPT)


def _kill_then_finish(workdir: Path, kill_at: int) -> None:
    workdir.mkdir()
    killed = _drive(workdir, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    finished = _drive(workdir, 0)
    assert finished.returncode == 0, finished.stderr
    _check_consistent(workdir)


def _statement_count(tmp_path: Path) -> int:
    workdir = tmp_path / "clean"
    workdir.mkdir()
    clean = _drive(workdir, 0)
    assert clean.returncode == 0, clean.stderr
    _check_consistent(workdir)
    return int(clean.stdout.split()[-1])


def test_crash_at_a_few_points_loses_nothing(tmp_path: Path) -> None:
    total = _statement_count(tmp_path)
    for kill_at in (total // 3, total - 2):
        _kill_then_finish(tmp_path / f"kill-{kill_at}", kill_at)


@pytest.mark.slow
def test_crash_at_many_points_loses_nothing(tmp_path: Path) -> None:
    total = _statement_count(tmp_path)
    stride = max(1, total // 24)
    points = sorted({*range(1, total, stride), total - 1})
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda k: _kill_then_finish(tmp_path / f"kill-{k}", k), points))
    assert len(points) >= 24


@pytest.mark.slow
def test_many_processes_share_one_sqlite_store(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    traces = tmp_path / "traces.jsonl"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.runtime.crash_driver",
                url,
                str(traces),
                "3",
                "0",
                f"p{i}-",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with RunStore(url) as store:
        ids = store.run_ids("finished")
        assert sorted(ids) == sorted(f"p{i}-run-{j}" for i in range(4) for j in range(3))
        for run_id in ids:
            record = store.get_run(run_id)
            assert [c.tool for c in record.calls] == list(SCRIPT)
            assert sorted(g.scope for g in record.grants) == sorted(EXPECTED_SCOPES)
    recorded = [json.loads(line)["trace_id"] for line in traces.read_text().splitlines()]
    assert sorted(recorded) == sorted(ids)
