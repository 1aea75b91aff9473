"""The README's main job: ``scopecast demo`` trains, evaluates every policy, and plans a task.

Slow: it trains the default model for real on the bundled data (once per session).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.generator import make_world

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scopecast-cache")


@pytest.fixture(scope="session")
def demo_result(demo_cache: Path):
    from scopecast.demo import run_demo

    return run_demo(environ={"SCOPECAST_CACHE_DIR": str(demo_cache)})


def test_demo_evaluates_every_policy_on_the_bundled_test_traces(demo_result) -> None:
    names = [r.name for r in demo_result.report.results]
    assert names == ["jit_only", "all_known", "plan", "frequency", "model", "oracle"]
    assert demo_result.report.n_traces == 1000
    assert demo_result.trained_now
    assert demo_result.model_dir.is_dir()


def test_model_costs_less_than_the_plan_baseline_on_traces_with_plans(demo_result) -> None:
    plan = demo_result.plan_report.result("plan").metrics
    model = demo_result.plan_report.result("model").metrics
    assert demo_result.plan_report.n_traces == 722
    assert model.cost_per_task < plan.cost_per_task
    assert model.interruptions_per_task < plan.interruptions_per_task


def test_model_beats_the_fixed_baselines_on_all_test_traces(demo_result) -> None:
    cost = {r.name: r.metrics.cost_per_task for r in demo_result.report.results}
    assert cost["model"] < min(cost["jit_only"], cost["all_known"], cost["frequency"])
    assert cost["oracle"] <= cost["model"]


def test_demo_plans_the_example_task_by_provider(demo_result) -> None:
    example = demo_result.example
    assert not example.degraded
    assert example.upfront
    assert all(
        not scope.scope.startswith("stripe:")
        for consent in example.upfront
        for scope in consent.scopes
    )


def test_example_context_is_a_user_of_the_generated_world() -> None:
    from scopecast.demo import EXAMPLE_CONTEXT

    user = next(u for u in make_world().users if u.user_id == EXAMPLE_CONTEXT["user"])
    assert (user.team, user.org.name, user.agent.name) == (
        EXAMPLE_CONTEXT["domain"],
        EXAMPLE_CONTEXT["org"],
        EXAMPLE_CONTEXT["agent"],
    )


def test_demo_cli_reuses_the_cached_model_and_prints_the_table_and_the_plan(
    demo_result, demo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOPECAST_CACHE_DIR", str(demo_cache))
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Using the cached default model" in result.output
    assert "cost_per_task" in result.output
    assert "with an articulated plan" in result.output
    assert "Ask before the agent starts" in result.output


def test_preauthorizer_without_a_model_uses_the_default(
    demo_result, demo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopecast.runtime import PreAuthorizer

    monkeypatch.setenv("SCOPECAST_CACHE_DIR", str(demo_cache))
    pre = PreAuthorizer()
    assert not pre.is_degraded
    plan = pre.plan("Send Victor an email about the renewal", context={"org": "acme"})
    assert plan.upfront_scopes
