"""Nested grouped CV (`nested_policy_cost`, `scopecast crossval`) on the AgentDojo train traces."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import scopecast.model
from scopecast.catalogue import derive_catalogue, load_catalogue, merge_catalogues
from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.evaluation import DEFAULT_SCALES, _nested, nested_policy_cost, score_outcomes
from scopecast.exceptions import ConfigError
from scopecast.model._grouping import group_of
from scopecast.traces import read_traces

runner = CliRunner()


@pytest.fixture(scope="module")
def agentdojo(shared_data):
    traces = read_traces([shared_data / "agentdojo_train.jsonl"])
    return traces, load_catalogue(shared_data / "agentdojo.catalogue.json")


def test_every_trace_is_held_out_once_and_never_trains_its_own_fold(agentdojo, monkeypatch):
    traces, catalogue = agentdojo
    # every use of training traces in a fold: the model, the policy's settings, the prior
    seen: dict[str, list[set[str]]] = {"model": [], "settings": [], "prior": []}

    def recording(kind, real):
        def record(rest, *args, **kwargs):
            seen[kind].append({t.trace_id for t in rest})
            return real(rest, *args, **kwargs)

        return record

    monkeypatch.setattr(
        scopecast.model, "train_predictor", recording("model", scopecast.model.train_predictor)
    )
    monkeypatch.setattr(
        _nested, "tune_policy_cross_fitted", recording("settings", _nested.tune_policy_cross_fitted)
    )
    monkeypatch.setattr(
        _nested, "DomainFrequencyScorer", recording("prior", _nested.DomainFrequencyScorer)
    )
    result = nested_policy_cost(traces, catalogue, n_folds=3)
    trained_on = seen["model"]
    assert seen["settings"] == trained_on
    assert seen["prior"] == trained_on

    ids = [o.trace_id for o in result.outcomes]
    assert sorted(ids) == sorted(t.trace_id for t in traces)
    assert len(result.folds) == len(trained_on) == 3
    start = 0
    group = {t.trace_id: group_of(t) for t in traces}
    for fold, train_ids in zip(result.folds, trained_on, strict=True):
        held = set(ids[start : start + fold.n_held_out])
        start += fold.n_held_out
        assert fold.n_train == len(train_ids) == len(traces) - fold.n_held_out
        assert not held & train_ids
        # whole groups: no group is on both sides
        assert not {group[i] for i in held} & {group[i] for i in train_ids}
        assert fold.interruption_scale in DEFAULT_SCALES
        assert fold.held_out_cost_per_task >= 0.0
        assert fold.inner_cost_per_task >= 0.0
    scoring = merge_catalogues(catalogue, derive_catalogue(traces))[0]
    assert result.metrics == score_outcomes(list(result.outcomes), scoring)
    # the pooled cost is the held-out traces' mean, so it lies between the folds' costs
    per_fold = [f.held_out_cost_per_task for f in result.folds]
    assert min(per_fold) - 1e-12 <= result.metrics.cost_per_task <= max(per_fold) + 1e-12
    # its interval resamples the groups the folds held out, around the same cost
    ci = result.interval
    assert ci.n_traces == len(traces)
    assert ci.n_groups == len(set(group.values()))
    assert ci.cost == pytest.approx(result.metrics.cost_per_task)
    assert ci.low < ci.cost < ci.high


@pytest.mark.parametrize("n_folds", [1, 0, 1000])
def test_bad_fold_counts_are_refused_with_the_fix(agentdojo, n_folds):
    traces, catalogue = agentdojo
    with pytest.raises(ConfigError, match="fold"):
        nested_policy_cost(traces, catalogue, n_folds=n_folds)


@pytest.mark.slow
def test_cli_prints_the_folds_and_writes_the_same_figures_as_json(shared_data, tmp_path):
    out = tmp_path / "nested.json"
    result = runner.invoke(
        app,
        [
            "crossval",
            str(shared_data / "agentdojo_train.jsonl"),
            "--catalogue",
            str(shared_data / "agentdojo.catalogue.json"),
            "--folds",
            "2",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["n_traces"] == 68
    assert report["n_folds"] == 2
    assert sum(f["n_held_out"] for f in report["folds"]) == 68
    assert f"cost per task {report['metrics']['cost_per_task']:.3f}" in result.output
    ci = report["interval"]
    assert ci["n_groups"] == 68  # AgentDojo: each trace its own task
    assert f"95% interval [{ci['low']:.3f}, {ci['high']:.3f}]" in " ".join(result.output.split())
    assert "held-out cost" in result.output


def test_cli_reports_too_many_folds_as_one_error_line(shared_data):
    result = runner.invoke(
        app, ["crossval", str(shared_data / "agentdojo_train.jsonl"), "--folds", "1000"]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: Grouped cross-validation needs at least 1000 groups")


def test_cli_refuses_one_fold(shared_data):
    result = runner.invoke(
        app, ["crossval", str(shared_data / "agentdojo_train.jsonl"), "--folds", "1"]
    )
    assert result.exit_code == 2  # a usage error, before any trace is read
    assert "greater than or equal to 2" in " ".join(result.output.split())
