"""``scopecast evaluate --model``: the trained model's policy, its recorded training data, tuning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scopecast.catalogue import save_catalogue
from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.traces import read_traces, write_traces
from tests.independent_rescorer import rescore
from tests.model.conftest import NAMES, make_catalogue, make_traces

runner = CliRunner()


def _train(train: Path, catalogue: Path, out: Path) -> None:
    """``scopecast train`` on ``train`` into ``out``, without MLflow."""
    result = runner.invoke(
        app, ["train", str(train), "--out", str(out), "--catalogue", str(catalogue), "--no-mlflow"]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate_model")
    train, test, catalogue = root / "train.jsonl", root / "test.jsonl", root / "cat.json"
    write_traces(make_traces(8, seed=1), train)
    write_traces(
        [t.model_copy(update={"trace_id": "test/" + t.trace_id}) for t in make_traces(3, seed=2)],
        test,
    )
    save_catalogue(make_catalogue(), catalogue)
    _train(train, catalogue, root / "model")
    return root


@pytest.mark.slow
def test_evaluate_uses_the_models_recorded_training_data(model_files, tmp_path) -> None:
    report, predictions = tmp_path / "r.json", tmp_path / "p.jsonl"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(model_files / "test.jsonl"),
            "--model",
            str(model_files / "model"),
            "--json",
            str(report),
            "--predictions",
            str(predictions),
        ],
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "train.jsonl (64 traces)" in output
    # the policy parameters scopecast train chose are the ones evaluated
    meta = json.loads((model_files / "model" / "metadata.json").read_text())
    scale = meta["params"]["policy_interruption_scale"]
    assert f"planning scale {scale:g}," in output
    assert "(chosen at training)" in output
    data = json.loads(report.read_text())
    model = data["policies"]["model"]
    assert model["cost_per_task"] < data["policies"]["jit_only"]["cost_per_task"]
    rescored = rescore(model_files / "test.jsonl", model_files / "cat.json", predictions)
    for name, value in rescored.items():
        assert model[name] == pytest.approx(value, abs=1e-12), name


@pytest.mark.slow
def test_evaluate_refuses_changed_training_files(model_files) -> None:
    train = model_files / "train.jsonl"
    original = train.read_bytes()
    try:
        write_traces(make_traces(8, seed=1)[:-1], train)
        result = runner.invoke(
            app,
            ["evaluate", str(model_files / "test.jsonl"), "--model", str(model_files / "model")],
        )
    finally:
        train.write_bytes(original)
    assert result.exit_code == 1
    assert "have changed since it was trained" in " ".join(result.output.split())


@pytest.mark.slow
def test_evaluate_tunes_the_policy_by_grouped_cv_on_train(model_files) -> None:
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(model_files / "test.jsonl"),
            "--model",
            str(model_files / "model"),
            "--tune",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3-fold grouped CV on train" in result.output
    assert "<- chosen" in result.output
    assert "(grouped CV)" in " ".join(result.output.split())


@pytest.mark.slow
def test_evaluate_with_other_train_refuses_test_traces_the_model_was_trained_on(
    model_files, tmp_path
) -> None:
    # --train is disjoint from the test traces, but the model's own recorded training
    # file holds some of them: that must be caught too.
    test = tmp_path / "seen.jsonl"
    write_traces(read_traces([model_files / "train.jsonl"])[:3], test)
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(test),
            "--model",
            str(model_files / "model"),
            "--train",
            str(model_files / "test.jsonl"),
        ],
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "3 of the 3 evaluated trace(s) are also in the training data of the model" in output


@pytest.mark.slow
def test_evaluate_with_model_still_checks_the_baseline_training_traces(model_files) -> None:
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(model_files / "test.jsonl"),
            "--model",
            str(model_files / "model"),
            "--train",
            str(model_files / "test.jsonl"),
        ],
    )
    assert result.exit_code == 1
    assert "are also in the baseline training traces" in " ".join(result.output.split())


@pytest.mark.slow
def test_evaluate_with_other_train_says_it_is_not_the_models_data(model_files, tmp_path) -> None:
    other = tmp_path / "other.jsonl"
    write_traces(
        [t.model_copy(update={"trace_id": "other/" + t.trace_id}) for t in make_traces(4, seed=3)],
        other,
    )
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(model_files / "test.jsonl"),
            "--model",
            str(model_files / "model"),
            "--train",
            str(other),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(not the model's training data)" in " ".join(result.output.split())


def test_recorded_policy_reads_the_models_params_or_defaults() -> None:
    from scopecast.evaluation import PolicyParams
    from scopecast.evaluation._setup import recorded_policy

    params = {"params": {"policy_interruption_scale": 1.5, "policy_batching": False}}
    assert recorded_policy(params) == PolicyParams(1.5, False, 0.0)
    assert recorded_policy({}) == PolicyParams(1.0, True, 0.0)
    assert recorded_policy({"params": "broken"}) == PolicyParams(1.0, True, 0.0)


@pytest.mark.slow
def test_evaluate_intervals_resample_the_groups_the_model_was_cross_validated_by(tmp_path) -> None:
    """Paraphrases of one task (ids without a WorkBench ``t-`` part) are one group for the
    model's grouped CV (its task template); the bootstrap intervals resample them together
    too, not as independent traces."""

    def runs(n: int, prefix: str) -> list:
        out = []
        for t, trace in enumerate(make_traces(n, seed=5)):
            template = t // n
            task = (
                trace.task.split(" ")[0]
                + f" {NAMES[t % len(NAMES)]} task kind {'abcdefgh'[template]}"
            )
            out.append(trace.model_copy(update={"trace_id": f"{prefix}/{t}", "task": task}))
        return out

    train, test, catalogue = tmp_path / "train.jsonl", tmp_path / "test.jsonl", tmp_path / "c.json"
    write_traces(runs(4, "train"), train)
    write_traces(runs(3, "test"), test)
    save_catalogue(make_catalogue(), catalogue)
    _train(train, catalogue, tmp_path / "m")
    result = runner.invoke(app, ["evaluate", str(test), "--model", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "bootstrap over 8 groups of traces" in output  # 24 test traces of 8 task templates


@pytest.mark.slow
def test_evaluate_floor_and_intervals_use_the_same_groups(model_files) -> None:
    # the model groups its CV by task template (no --group-pattern); the bootstrap and the
    # group_floor reference must count the same groups (the floor once used the WorkBench
    # t- id part whatever the model's grouping)
    import re

    result = runner.invoke(
        app, ["evaluate", str(model_files / "test.jsonl"), "--model", str(model_files / "model")]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    bootstrap = re.search(r"bootstrap over (\d+) groups", said)
    floor = re.search(r"per task over (\d+) templates", said)
    assert bootstrap is not None, said
    assert floor is not None, said
    assert floor.group(1) == bootstrap.group(1)
