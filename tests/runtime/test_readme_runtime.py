"""The README's runtime example runs as written (blocks marked ``<!-- readme-test -->``)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _marked_blocks() -> list[str]:
    pattern = re.compile(r"<!-- readme-test -->\s*```python\n(.*?)```", re.DOTALL)
    return pattern.findall(README.read_text(encoding="utf-8"))


def test_readme_runtime_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _marked_blocks()
    assert blocks, "the README lost its runtime example"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n" * 10))  # the user says yes
    monkeypatch.setattr("sys.stderr", io.StringIO())
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "runs.db").exists()
    assert (tmp_path / "runs.jsonl").read_text().count("\n") == len(blocks)  # a trace each
