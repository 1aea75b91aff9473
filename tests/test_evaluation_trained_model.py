"""With a real trained model: the notebooks' model cache, and calibration equal to the model's own metrics."""

from __future__ import annotations

import json

import pytest

from scopecast.evaluation import (
    EvaluationDataset,
    calibration_summary,
    find_datasets,
    reliability_by_label,
    trained_model,
    upfront_probabilities,
)
from scopecast.model import load_scorer, read_metadata, score_model_directory
from scopecast.traces import read_traces

FAST = {"C": 3.0, "cv": 3, "calibration": "sigmoid"}


@pytest.fixture(scope="module")
def agentdojo(shared_data) -> EvaluationDataset:
    return next(d for d in find_datasets(shared_data) if d.name == "agentdojo")


@pytest.mark.slow
def test_trained_model_is_reused_only_for_the_same_data_and_parameters(agentdojo, tmp_path) -> None:
    model_dir = trained_model(agentdojo, tmp_path, **FAST)
    assert model_dir == tmp_path / "agentdojo"
    created = read_metadata(model_dir)["created_at"]
    stamp = (model_dir / "metadata.json").stat().st_mtime_ns
    assert trained_model(agentdojo, tmp_path, **FAST) == model_dir
    assert (model_dir / "metadata.json").stat().st_mtime_ns == stamp
    other = EvaluationDataset("agentdojo", agentdojo.test, agentdojo.train, agentdojo.catalogue)
    assert trained_model(other, tmp_path, **FAST) == model_dir  # other data: retrained
    assert (model_dir / "metadata.json").stat().st_mtime_ns != stamp
    assert read_metadata(model_dir)["created_at"] >= created
    stamp = (model_dir / "metadata.json").stat().st_mtime_ns
    trained_model(other, tmp_path, **{**FAST, "C": 1.0})  # other parameters: retrained
    assert (model_dir / "metadata.json").stat().st_mtime_ns != stamp
    assert read_metadata(model_dir)["params"]["C"] == 1.0


@pytest.mark.slow
def test_a_parameter_left_out_is_compared_at_its_default(agentdojo, tmp_path) -> None:
    # MODEL_PARAMS = {} in a notebook means "the defaults of scopecast train": a model trained
    # with other values of the parameters left out must not be reused for it
    model_dir = trained_model(agentdojo, tmp_path, **FAST, max_iter=500)
    stamp = (model_dir / "metadata.json").stat().st_mtime_ns
    assert trained_model(agentdojo, tmp_path, **FAST, max_iter=500) == model_dir
    assert (model_dir / "metadata.json").stat().st_mtime_ns == stamp
    trained_model(agentdojo, tmp_path, **FAST)  # max_iter at its default, 1000: retrained
    assert (model_dir / "metadata.json").stat().st_mtime_ns != stamp
    assert read_metadata(model_dir)["params"]["max_iter"] == 1000


@pytest.mark.slow
def test_a_model_trained_with_another_catalogue_is_not_reused(agentdojo, tmp_path) -> None:
    # a changed risk changes the policy (scale, batching) training chose for the model
    model_dir = trained_model(agentdojo, tmp_path, **FAST)
    stamp = (model_dir / "metadata.json").stat().st_mtime_ns
    catalogue = json.loads(agentdojo.catalogue.read_text(encoding="utf-8"))
    catalogue["scopes"][0]["risk"] = 0.05
    edited = tmp_path / "edited.catalogue.json"
    edited.write_text(json.dumps(catalogue), encoding="utf-8")
    other = EvaluationDataset("agentdojo", agentdojo.train, agentdojo.test, edited)
    assert trained_model(other, tmp_path, **FAST) == model_dir
    assert (model_dir / "metadata.json").stat().st_mtime_ns != stamp
    assert read_metadata(model_dir)["catalogue"]["scopes"][0]["risk"] == 0.05


@pytest.mark.slow
def test_a_catalogue_the_traces_complete_is_reused(agentdojo, tmp_path) -> None:
    # training merges the catalogue with the one derived from the traces and records the
    # merged one: compared with the file as written, a catalogue without one of the traces'
    # tools never matched, and every notebook run retrained
    catalogue = json.loads(agentdojo.catalogue.read_text(encoding="utf-8"))
    called = {call.tool for trace in read_traces(list(agentdojo.train)) for call in trace.calls}
    catalogue["tools"] = [tool for tool in catalogue["tools"] if tool["name"] != min(called)]
    partial = tmp_path / "partial.catalogue.json"
    partial.write_text(json.dumps(catalogue), encoding="utf-8")
    dataset = EvaluationDataset("agentdojo", agentdojo.train, agentdojo.test, partial)
    model_dir = trained_model(dataset, tmp_path, **FAST)
    stamp = (model_dir / "metadata.json").stat().st_mtime_ns
    assert trained_model(dataset, tmp_path, **FAST) == model_dir
    assert (model_dir / "metadata.json").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_calibration_over_all_scopes_equals_the_model_metrics(agentdojo, tmp_path) -> None:
    directory = trained_model(agentdojo, tmp_path, **FAST)
    test = read_traces(list(agentdojo.test))
    table = upfront_probabilities(load_scorer(directory).scorer, test)
    expected = score_model_directory(directory, test)
    rows = calibration_summary(table, top_k=3)
    assert rows[0].label == "all scopes"
    assert rows[0].brier == pytest.approx(expected["brier"], abs=1e-12)
    assert rows[0].ece == pytest.approx(expected["ece"], abs=1e-12)
    assert [r.label for r in rows[1:]] == table.most_frequent(3)
    for row in rows[1:]:
        assert row.average_precision == pytest.approx(expected[f"pr_auc[{row.label}]"])
    bins = reliability_by_label(table, top_k=3)
    assert list(bins) == [r.label for r in rows]
    total = sum(b.n_pairs for b in bins["all scopes"])
    ece = sum(
        b.n_pairs / total * abs(b.mean_predicted - b.observed_rate) for b in bins["all scopes"]
    )
    assert ece == pytest.approx(rows[0].ece)
