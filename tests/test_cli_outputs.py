"""Output paths are checked before any work: never an input, never inside the model, writable."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import scopecast.cli._commands  # noqa: F401  (registers every command)
from scopecast.cli import app
from scopecast.cli._outputs import written

runner = CliRunner()


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    traces = tmp_path / "test.jsonl"
    traces.write_text("precious traces\n", encoding="utf-8")
    model = tmp_path / "model"
    model.mkdir()
    (model / "metadata.json").write_text("{}", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    return traces, model


@pytest.mark.parametrize(
    ("option", "target", "says"),
    [
        ("--json", "test.jsonl", "is one of the input files"),
        ("--predictions", "test.jsonl", "is one of the input files"),
        ("--predictions", "model/metadata.json", "inside the model directory"),
        ("--json", "model/report.json", "inside the model directory"),
        ("--sweep", "model", "inside the model directory"),
        ("--sweep", ".", "holds an input file"),
        ("--json", "reports", "is a directory; it needs a file"),
        ("--sweep", "test.jsonl", "holds an input file"),
        ("--json", "missing/dir/r.json", "does not exist"),
    ],
)
def test_evaluate_refuses_an_output_that_would_destroy_data(
    inputs: tuple[Path, Path], option: str, target: str, says: str
) -> None:
    traces, model = inputs
    folder = traces.parent
    result = runner.invoke(
        app, ["evaluate", str(traces), "--model", str(model), option, str(folder / target)]
    )
    assert result.exit_code == 1
    assert says in " ".join(result.output.split())
    assert traces.read_text(encoding="utf-8") == "precious traces\n"
    assert (model / "metadata.json").read_text(encoding="utf-8") == "{}"


def test_evaluate_refuses_two_outputs_on_one_path(inputs: tuple[Path, Path]) -> None:
    traces, model = inputs
    same = traces.parent / "reports" / "out.json"
    spelled_otherwise = same.parent / ".." / "reports" / "out.json"
    args = ["--json", str(same), "--predictions", str(spelled_otherwise)]
    result = runner.invoke(app, ["evaluate", str(traces), "--model", str(model), *args])
    assert result.exit_code == 1
    assert "is also the path of --json" in " ".join(result.output.split())
    assert not same.exists()


def test_crossval_and_train_refuse_to_write_over_their_training_file(
    inputs: tuple[Path, Path],
) -> None:
    traces, _ = inputs
    crossval = runner.invoke(app, ["crossval", str(traces), "--json", str(traces)])
    assert crossval.exit_code == 1
    assert "is one of the input files" in " ".join(crossval.output.split())
    train = runner.invoke(app, ["train", str(traces), "--out", str(traces.parent), "--no-mlflow"])
    assert train.exit_code == 1
    assert "holds an input file" in " ".join(train.output.split())
    assert traces.read_text(encoding="utf-8") == "precious traces\n"


def test_a_write_that_fails_anyway_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as info, written("--json", Path("/proc/x")):
        Path("/proc/x").write_text("{}")
    assert info.value.exit_code == 1
    assert "Could not write --json /proc/x" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--interruption-scale", "-1", "above 0"),
        ("--interruption-scale", "0", "above 0"),
        ("--interruption-cost", "-1", "at least 0"),
        ("--risk-weight", "nan", "at least 0"),
        ("--consent-screen-cost", "inf", "at least 0"),
        ("--prior-weight", "-0.5", "at least 0"),
        ("--tune", "1", "0 (off) or at least 2"),
        ("--tune", "-3", "0 (off) or at least 2"),
    ],
)
def test_evaluate_refuses_an_option_out_of_range_naming_it(
    inputs: tuple[Path, Path], option: str, value: str, says: str
) -> None:
    traces, model = inputs
    result = runner.invoke(app, ["evaluate", str(traces), "--model", str(model), option, value])
    assert result.exit_code == 2  # a usage error, before anything is read
    said = " ".join(result.output.replace("│", " ").split())
    assert option in said
    assert says in said


def test_empty_trace_files_are_an_error_not_an_empty_report(
    tmp_path: Path, shared_data: Path
) -> None:
    data = shared_data
    lines = (data / "workbench_runs_train.jsonl").read_text(encoding="utf-8").splitlines()
    some = tmp_path / "some.jsonl"
    some.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(lines[20:40]) + "\n", encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    catalogue = ["--catalogue", str(data / "workbench.catalogue.json")]
    for test, train, says in [
        (empty, some, "hold(s) no trace"),
        (other, empty, "hold no trace, so all_known and frequency would learn nothing"),
    ]:
        result = runner.invoke(app, ["evaluate", str(test), "--train", str(train), *catalogue])
        assert result.exit_code == 1
        assert says in " ".join(result.output.split())
