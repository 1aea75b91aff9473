"""Grouped cross-validation of the policy parameters, on training traces only."""

from __future__ import annotations

import pytest

from scopecast.evaluation import PolicyParams, default_group, grouped_folds, tune_policy
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, DomainFrequencyScorer
from scopecast.traces import Call, Trace


def _trace(trace_id: str, *scopes: str, domain: str = "d") -> Trace:
    return Trace(
        trace_id=trace_id,
        task="t",
        context={"domain": domain},
        calls=tuple(Call(tool="f", scopes=(s,)) for s in scopes),
    )


def test_default_group_keeps_a_workbench_template_together() -> None:
    a = _trace("workbench/email/gpt-4_all/t-0123456789/001")
    b = _trace("workbench/email/claude-2_domains/t-0123456789/044")
    assert default_group(a) == default_group(b) == "t-0123456789"
    assert default_group(_trace("agentdojo/slack/user_task_3")) == "agentdojo/slack/user_task_3"


def test_grouped_folds_never_split_a_group_and_are_deterministic() -> None:
    traces = [_trace(f"w/x/a{i % 3}/t-{i % 7:010d}/{i}") for i in range(40)]
    folds = grouped_folds(traces, 3)
    assert sorted(t.trace_id for f in folds for t in f) == sorted(t.trace_id for t in traces)
    for i, fold in enumerate(folds):
        others = {default_group(t) for j, f in enumerate(folds) if j != i for t in f}
        assert not {default_group(t) for t in fold} & others
    assert [[t.trace_id for t in f] for f in grouped_folds(traces, 3)] == [
        [t.trace_id for t in f] for f in folds
    ]
    with pytest.raises(ConfigError, match="at least 9 groups"):
        grouped_folds(traces, 9)


def test_tune_policy_picks_the_lowest_cross_validated_cost() -> None:
    # Domain "m" always needs g:a: asking it up front is right whatever the scale.
    traces = [
        _trace(f"id{i}", "g:a", *(("g:b",) if i % 4 == 0 else ()), domain="m") for i in range(20)
    ]
    result = tune_policy(
        traces,
        _catalogue(),
        DomainFrequencyScorer,
        CostModel(),
        scales=(0.1, 1.0, 3.0),
        prior_weights=(0.0, 0.5),
        n_splits=4,
    )
    assert set(result.cv_cost) == {
        PolicyParams(s, b, w) for s in (0.1, 1.0, 3.0) for b in (True, False) for w in (0.0, 0.5)
    }
    assert result.cv_cost[result.chosen] == min(result.cv_cost.values())
    # planning with 0.1: g:a (p=1) is still asked, g:b (p=.25, risk .5): .375 > .025 deferred.
    assert result.cv_cost[PolicyParams(1.0, True)] == pytest.approx(5 / 20)
    assert result.chosen == PolicyParams(1.0, True)


def _catalogue():
    from scopecast.catalogue import Catalogue, ScopeSpec

    return Catalogue(scopes=(ScopeSpec(name="g:a", risk=0.3), ScopeSpec(name="g:b", risk=0.5)))


def test_tune_refits_the_model_grouped_as_its_training_was(monkeypatch):
    """`--tune` re-fits with the training's group pattern and prefix weight, not defaults."""
    import scopecast.model as model_module
    from scopecast.catalogue import Catalogue
    from scopecast.evaluation._setup import _model_refitter
    from scopecast.model import ScopePredictor

    seen: dict[str, object] = {}

    def fake_train(traces, catalogue, **kwargs):
        seen.update(kwargs)
        return kwargs["predictor"], catalogue

    monkeypatch.setattr(model_module, "train_predictor", fake_train)
    metadata = {"params": {"group_pattern": "/(t-[0-9a-f]{10})/", "prefix_weight": 0.5}}
    _model_refitter(ScopePredictor(), Catalogue(), metadata)([])
    assert seen["group_pattern"] == "/(t-[0-9a-f]{10})/"
    assert seen["prefix_weight"] == 0.5
    _model_refitter(ScopePredictor(), Catalogue(), {})([])
    assert seen["group_pattern"] is None
    assert seen["prefix_weight"] == 1.0


def test_tune_folds_a_model_s_traces_by_the_groups_its_training_used():
    """`--tune` folded by default_group (the WorkBench t- part, else the trace id): on any
    other data every paraphrase was its own group, so 18 runs of one task were split into
    3 "grouped" folds that `scopecast crossval` (task templates) refuses as one group."""
    from scopecast.evaluation._setup import _tuning_group

    a = _trace("agent/run-1").model_copy(update={"task": "send email number 1"})
    b = _trace("agent/run-2").model_copy(update={"task": "send email number 2"})
    by_template = _tuning_group({"params": {"group_pattern": None}})
    assert by_template(a) == by_template(b)
    by_id = _tuning_group({"params": {"group_pattern": r"/(run-\d)"}})
    assert by_id(a) != by_id(b)
    assert _tuning_group({})(a) == by_template(a)
    # a WorkBench model (trained with its t- pattern) keeps the folds default_group made
    wb = _trace("workbench/email/gpt-4_all/t-0123456789/001")
    by_t = _tuning_group({"params": {"group_pattern": "/(t-[0-9a-f]{10})/"}})
    assert by_t(wb) == default_group(wb)
