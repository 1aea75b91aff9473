"""The frontier sweep compares a baseline scored on some traces (``plan``) on those traces."""

from __future__ import annotations

from pathlib import Path

import pytest

from scopecast import read_traces
from scopecast.catalogue import derive_catalogue
from scopecast.evaluation import (
    ModelPolicy,
    dominated_baselines,
    evaluate_policies,
    fit_baselines,
    frontier_figure,
    score_outcomes,
    simulate,
    sweep_interruption_cost,
)
from scopecast.policy import DomainFrequencyScorer

BUNDLED = Path(__file__).resolve().parents[1] / "data"
COSTS = (0.0, 0.5, 1.0, 5.0, 100.0)


@pytest.fixture(scope="module")
def swept():
    train = read_traces(BUNDLED / "traces_train.jsonl")[:400]
    test = read_traces(BUNDLED / "traces_test.jsonl")[:120]
    catalogue = derive_catalogue([*train, *test])
    model = ModelPolicy(DomainFrequencyScorer(train), catalogue)
    report = evaluate_policies(test, [*fit_baselines(train), model], catalogue)
    points = sweep_interruption_cost(test, model, report, catalogue, COSTS)
    return test, model, report, catalogue, points


def test_plan_is_compared_with_the_model_on_the_traces_with_a_plan(swept) -> None:
    test, model, _report, catalogue, points = swept
    with_plan = [t for t in test if t.plan is not None]
    assert 0 < len(with_plan) < len(test)  # the bundled test file mixes both
    plan_points = [p for p in points if p.policy == "plan"]
    assert {p.traces for p in plan_points} == {"plan"}
    own = sorted(
        (p for p in points if p.policy == "model" and p.traces == "plan"),
        key=lambda p: p.interruption_cost,
    )
    assert [p.interruption_cost for p in own] == list(COSTS)
    for point in own:  # the model's curve on plan's traces, recomputed independently
        policy = model.with_costs(
            model.costs.model_copy(update={"interruption": point.interruption_cost})
        )
        metrics = score_outcomes(simulate(with_plan, policy, catalogue), catalogue)
        assert point.interruptions_per_task == pytest.approx(metrics.interruptions_per_task)
        assert point.risk_overgrant_per_task == pytest.approx(metrics.risk_overgrant_per_task)
    # every other baseline applies to all the traces, and the model's main curve too
    assert {p.traces for p in points if p.policy not in ("plan",)} == {"all", "plan"}
    assert {p.traces for p in points if p.policy not in ("plan", "model")} == {"all"}
    assert len([p for p in points if p.policy == "model" and p.traces == "all"]) == len(COSTS)


def test_dominance_uses_the_curve_on_the_same_traces() -> None:
    from scopecast.evaluation import FrontierPoint

    points = [
        FrontierPoint("model", 1.0, 0.5, 0.5, 1.0),  # on all traces: above plan's point
        FrontierPoint("model", 1.0, 0.2, 0.1, 0.3, "plan"),  # on plan's traces: below it
        FrontierPoint("plan", 1.0, 0.4, 0.4, 0.8, "plan"),
        FrontierPoint("jit_only", 1.0, 0.4, 0.4, 0.8),
    ]
    assert dominated_baselines(points) == {"plan": True, "jit_only": False}
    without_subset_curve = [p for p in points if p.traces == "all" or p.policy != "model"]
    assert dominated_baselines(without_subset_curve)["plan"] is False  # no curve to compare


def test_the_figure_draws_the_subset_curve_dashed_with_its_baseline(swept) -> None:
    *_, points = swept
    fig = frontier_figure(points)
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert "model on plan's traces" in labels
    dashed = next(line for line in ax.get_lines() if line.get_label() == "model on plan's traces")
    assert dashed.get_linestyle() == "--"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("plan") and "on plan's traces only" in text for text in legend)
