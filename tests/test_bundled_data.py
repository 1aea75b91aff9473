"""The bundled data is exactly what data/README.md's commands make, and it is valid."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scopecast import load_catalogue, read_traces
from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.defaults import BUNDLED_CATALOGUE, BUNDLED_TEST, BUNDLED_TRAIN, bundled_data_dir

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


def _readme_commands() -> list[list[str]]:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    block = text.split("## Regenerate")[1].split("```bash")[1].split("```")[0]
    return [shlex.split(line)[1:] for line in block.strip().splitlines()]


def test_bundled_data_dir_is_the_checkouts_data() -> None:
    assert bundled_data_dir() == DATA


def test_readme_commands_regenerate_the_bundled_files_byte_for_byte(tmp_path: Path) -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    for argv in commands:
        argv = [str(tmp_path / Path(a).name) if a.startswith("data/") else a for a in argv]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.output
        assert "traces/s" in result.output
    for name in (BUNDLED_CATALOGUE, BUNDLED_TRAIN, BUNDLED_TEST):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_bundled_files_are_valid_and_agree_with_the_readme() -> None:
    catalogue = load_catalogue(DATA / BUNDLED_CATALOGUE)
    train, test = read_traces(DATA / BUNDLED_TRAIN), read_traces(DATA / BUNDLED_TEST)
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"(\d+) tools, (\d+) scopes, (\d+) providers", readme)
    assert stated is not None
    assert (len(catalogue.tools), len(catalogue.scopes), len(catalogue.providers)) == tuple(
        int(x) for x in stated.groups()
    )
    assert (
        f"{len(train):,} traces ({sum(t.plan is not None for t in train):,} with a plan)" in readme
    )
    assert f"{len(test):,} traces ({sum(t.plan is not None for t in test):,} with a plan)" in readme
    assert not {t.trace_id for t in train} & {t.trace_id for t in test}
    for trace in (*train, *test):
        for call in trace.calls:
            spec = catalogue.tool(call.tool)
            assert spec is not None
            assert spec.scopes == call.scopes


def test_generate_cli_reports_a_bad_catalogue_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(
        app, ["generate", "--n", "5", "-o", str(tmp_path / "x.jsonl"), "--catalogue", str(bad)]
    )
    assert result.exit_code == 1
    assert "not valid JSON" in result.output


@pytest.mark.parametrize("bad_n", ["-1"])
def test_generate_cli_rejects_a_negative_count(tmp_path: Path, bad_n: str) -> None:
    result = runner.invoke(app, ["generate", "--n", bad_n, "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code != 0
