"""``scopecast plan``: errors, degraded plans, JSON output."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scopecast.cli._commands  # noqa: F401  (registers every command)
from scopecast.cli._app import app

runner = CliRunner()


def test_plan_cli_without_model_uses_the_default_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopecast.defaults import bundled_data_hash

    # A cached default that cannot be loaded: the plan degrades instead of training here
    # (the trained default is exercised by tests/test_demo.py).
    default = tmp_path / f"default-{bundled_data_hash()}"
    default.mkdir()
    monkeypatch.setenv("SCOPECAST_CACHE_DIR", str(tmp_path))
    result = runner.invoke(app, ["plan", "Email Carlos"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output
    assert default.name in result.output.replace("\n", "")
    # said before planning: the plan is the bundled data's model's, not one of the user's
    said = " ".join(result.stderr.split())
    assert said.startswith("note: no --model: planning with the default model (")
    assert "not yours: pass --model DIR" in said


def test_plan_cli_without_model_says_it_trains_the_default_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing cached: the command trains the default model (minutes) before it prints
    # anything else, so it says so first. The training is replaced by a failure here.
    from scopecast.exceptions import ModelError
    from scopecast.runtime import _preauthorizer

    def not_here(*, train: bool = True) -> Path:
        raise ModelError("not trained in this test")

    monkeypatch.setenv("SCOPECAST_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_preauthorizer, "default_model_dir", not_here)
    result = runner.invoke(app, ["plan", "Email Carlos"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert said.startswith("note: no --model: training the default model")
    assert "pass --model DIR" in said
    assert "PreAuthorizer() without a model" not in said  # the library's log: said once


def test_preauthorizer_without_model_logs_that_it_trains_the_default_first(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # An agent that forgot its model directory stalled for minutes at start-up (training
    # the bundled data's model) with only an INFO record: now a warning says so first.
    from scopecast.exceptions import ModelError, ModelUnavailableWarning
    from scopecast.runtime import PreAuthorizer, _preauthorizer

    asked: list[bool] = []

    def not_cached(*, train: bool = True) -> Path:
        asked.append(train)
        raise ModelError("not trained in this test")

    monkeypatch.setattr(_preauthorizer, "default_model_dir", not_cached)
    with (
        caplog.at_level("WARNING", logger="scopecast.runtime._preauthorizer"),
        pytest.warns(ModelUnavailableWarning, match="cannot be trained"),
    ):
        pre = PreAuthorizer()
    assert asked == [False, True]  # looked for a cached one, then trained
    assert pre.is_degraded
    first = caplog.records[0].getMessage()
    assert first.startswith("PreAuthorizer() without a model: training the default model")
    assert "not your agent's" in first


def test_plan_cli_rejects_bad_context(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "Email Carlos", "--model", str(tmp_path), "-c", "oops"])
    assert result.exit_code == 1
    assert "KEY=VALUE" in result.output


def test_plan_cli_with_a_broken_model_fails_saying_why_once(tmp_path: Path) -> None:
    """The library degrades to point-of-execution consent; a command told to use a model
    that cannot plan fails instead (a typo must not read as "nothing to ask")."""
    for extra in ([], ["--json"]):
        result = runner.invoke(
            app, ["plan", "Email Carlos", "--model", str(tmp_path / "none"), *extra]
        )
        assert result.exit_code == 1
        assert result.stdout == ""
        said = " ".join(result.stderr.split())
        assert said.count("cannot be loaded") == 1  # the log record is not printed too
        assert "none' does not exist" in said  # a mistyped path, not a damaged model
        # the command stops: not the library's "asked at the point of execution ... Retrain"
        assert "point of execution" not in said
        assert "Retrain" not in said


def test_plan_cli_refuses_a_context_key_given_twice() -> None:
    result = runner.invoke(app, ["plan", "Email Carlos", "-c", "domain=a", "-c", "domain=b"])
    assert result.exit_code == 1
    assert "gives 'domain' twice" in result.stderr


def test_plan_cli_leaves_the_library_logger_alone(tmp_path: Path) -> None:
    library_log = logging.getLogger("scopecast")
    runtime_log = logging.getLogger("scopecast.runtime._preauthorizer")
    before = list(library_log.handlers)
    filters = list(runtime_log.filters)
    result = runner.invoke(app, ["plan", "Email Carlos", "--model", str(tmp_path / "none")])
    assert result.exit_code == 1, result.output
    assert library_log.handlers == before
    assert runtime_log.filters == filters
    assert not any(isinstance(h, logging.NullHandler) for h in library_log.handlers)


def test_plan_tables_count_unlikely_deferred_scopes_instead_of_listing_them() -> None:
    from rich.console import Console

    from scopecast.cli._plan import _plan_tables
    from scopecast.runtime import AuthorizationPlan

    deferred = [
        {"scope": "google:gmail.send", "provider": "google", "probability": 0.2, "reason": "r"},
        {"scope": "slack:chat:write", "provider": "slack", "probability": 0.001, "reason": "r"},
        {"scope": "github:repo", "provider": "github", "probability": 0.0, "reason": "r"},
    ]
    plan = AuthorizationPlan.model_validate({"task": "t", "upfront": [], "deferred": deferred})

    def render(show_all: bool) -> str:
        console = Console(width=200, record=True)
        for table in _plan_tables(plan, show_all=show_all):
            console.print(table)
        return console.export_text()

    short = render(show_all=False)
    assert "google:gmail.send" in short
    assert "slack:chat:write" not in short
    assert "2 more scope(s)" in short
    full = render(show_all=True)
    assert "slack:chat:write" in full
    assert "github:repo" in full
    assert "more scope(s)" not in full


def test_plan_cli_with_the_folder_of_the_models_names_them(tmp_path: Path) -> None:
    # `--out models/org` makes models/org the model directory; `--model models` named the
    # folder above it, and the message said only that metadata.json is missing.
    models = tmp_path / "models"
    for name in ("org", "team"):
        (models / name).mkdir(parents=True)
        (models / name / "metadata.json").write_text("{}", encoding="utf-8")
    (models / "notes").mkdir()
    result = runner.invoke(app, ["plan", "Email Carlos", "--model", str(models)])
    assert result.exit_code == 1
    said = " ".join(result.stderr.split())
    assert "metadata.json is missing. It holds model directories: org, team; pass one" in said
