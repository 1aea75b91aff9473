"""``scopecast evaluate`` refuses to score traces that the baselines (or model) were fitted on."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.evaluation import build_evaluation
from scopecast.exceptions import DataValidationError
from scopecast.traces import read_traces, write_traces

runner = CliRunner()


def test_build_evaluation_refuses_test_traces_that_are_baseline_training_traces(
    shared_data, tmp_path
) -> None:
    test = read_traces([shared_data / "agentdojo_test.jsonl"])
    train = tmp_path / "train.jsonl"
    write_traces([*read_traces([shared_data / "agentdojo_train.jsonl"]), *test[:7]], train)
    with pytest.raises(DataValidationError) as info:
        build_evaluation(
            traces=[shared_data / "agentdojo_test.jsonl"],
            model_dir=None,
            train=[train],
            catalogue_path=shared_data / "agentdojo.catalogue.json",
        )
    message = str(info.value)
    assert "7 of the 29 evaluated trace(s) are also in the baseline training traces" in message
    first = sorted(t.trace_id for t in test[:7])
    assert repr(first[0]) in message
    assert "and 2 more" in message
    assert "held-out" in message


def test_evaluate_cli_reports_the_overlap_in_one_line(shared_data) -> None:
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(shared_data / "agentdojo_test.jsonl"),
            "--train",
            str(shared_data / "agentdojo_test.jsonl"),
            "--catalogue",
            str(shared_data / "agentdojo.catalogue.json"),
        ],
    )
    assert result.exit_code == 1
    assert "29 of the 29 evaluated trace(s)" in " ".join(result.output.split())


def test_disjoint_train_and_test_pass_the_check(shared_data) -> None:
    setup = build_evaluation(
        traces=[shared_data / "agentdojo_test.jsonl"],
        model_dir=None,
        train=[shared_data / "agentdojo_train.jsonl"],
        catalogue_path=shared_data / "agentdojo.catalogue.json",
    )
    assert {t.trace_id for t in setup.test}.isdisjoint(t.trace_id for t in setup.train)
