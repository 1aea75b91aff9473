"""``scopecast plan``: errors, degraded plans, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import scopecast.cli._commands  # noqa: F401  (registers every command)
from scopecast.cli._app import app

runner = CliRunner()


def test_plan_cli_without_model_fails_with_advice() -> None:
    result = runner.invoke(app, ["plan", "Email Carlos"])
    assert result.exit_code == 1
    assert "pass model=DIR" in result.output


def test_plan_cli_rejects_bad_context(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "Email Carlos", "--model", str(tmp_path), "-c", "oops"])
    assert result.exit_code == 1
    assert "KEY=VALUE" in result.output


def test_plan_cli_broken_model_degrades_to_point_of_execution(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "Email Carlos", "--model", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output
    assert "Nothing to ask before the start" in result.output
    result = runner.invoke(
        app, ["plan", "Email Carlos", "--model", str(tmp_path / "none"), "--json"]
    )
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["degraded"] is True
    assert payload["upfront"] == []
