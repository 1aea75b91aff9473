"""The README's LangGraph example runs as written (blocks marked ``<!-- readme-test: langgraph -->``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip(
    "langgraph", reason="needs the langgraph extra: pip install 'scopecast[langgraph]'"
)


def _readme_langgraph_blocks() -> list[str]:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    pattern = re.compile(r"<!-- readme-test: langgraph -->\s*```python\n(.*?)```", re.DOTALL)
    return pattern.findall(readme.read_text(encoding="utf-8"))


def test_readme_langgraph_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _readme_langgraph_blocks()
    assert blocks, "the README lost its LangGraph example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "runs.db").exists()
