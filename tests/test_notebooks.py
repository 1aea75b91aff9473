"""The evaluation notebooks: committed clean, importing only the public API, and running top to bottom.

Each notebook is executed (nbclient, the ``python3`` kernel, in ``notebooks/``) on the whole
bundled data (``data/``) and on the whole of ``../shared/data`` (every data set in it); a cell
that raises fails the test. The models are trained once per data set, by the first notebook
that needs them, into a session folder that every other notebook reuses
(``SCOPECAST_NB_MODELS``); a test checks that no later run trains again. The policy
comparison's metrics table must equal ``scopecast evaluate --json`` on the same files and
model, and the learning curve's full-size point must be the evaluated model policy. The
policy comparison also runs on files named as a user names their own (``SCOPECAST_NB_TRAIN``,
``SCOPECAST_NB_TEST``, ``SCOPECAST_NB_CATALOGUE``).
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from typer.testing import CliRunner

from scopecast.cli import (
    _commands,  # noqa: F401  (registers the commands)
    app,
)
from scopecast.evaluation import find_datasets
from scopecast.traces import read_traces
from tests.conftest import ROOT, SHARED_DATA

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAMES = ["calibration", "error_analysis", "learning_curve", "policy_comparison"]
DATA_DIRS = {"bundled": ROOT / "data", "shared": SHARED_DATA}


def _code(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_the_four_notebooks_are_there() -> None:
    assert [path.stem for path in NOTEBOOKS] == NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_the_python3_kernel(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: strip the outputs before committing"
            assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defines_nothing_and_imports_only_public_scopecast(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[1]
    assert first.cell_type == "code"
    assert "parameters" in first.metadata.get("tags", [])
    for source in _code(notebook):
        lines = [line for line in source.splitlines() if not line.startswith("%")]
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{path.name} defines {ast.dump(node)[:60]}: move it into scopecast"
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("scopecast")
            ):
                assert not any(part.startswith("_") for part in node.module.split("."))
                assert not any(alias.name.startswith("_") for alias in node.names)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models trained by the first notebook run on a data set, reused by the others."""
    return tmp_path_factory.mktemp("notebook-models")


def _model_files(models_dir: Path) -> dict[str, int]:
    return {str(f): f.stat().st_mtime_ns for f in models_dir.rglob("*") if f.is_file()}


NamedFiles = tuple[tuple[Path, ...], tuple[Path, ...], Path]
"""Training files, test files and a catalogue, named instead of a data folder."""


@dataclass(frozen=True)
class Execution:
    """A notebook executed on a data folder."""

    notebook: nbformat.NotebookNode
    metrics: Path
    """Where the policy comparison wrote its reports (``SCOPECAST_NB_METRICS_DIR``)."""
    existed: frozenset[str]
    """Model files present in the session's model folder before the run."""
    rewritten: frozenset[str]
    """Model files the run wrote or rewrote."""


@pytest.fixture(scope="session")
def executed(models_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run a notebook once per session on a data folder, or on named files (train, test, catalogue)."""
    from nbclient import NotebookClient

    cache: dict[tuple[str, str], Execution] = {}

    def run(name: str, data: Path | None = None, files: NamedFiles | None = None) -> Execution:
        key = (name, str(data if files is None else files))
        if key not in cache:
            metrics = tmp_path_factory.mktemp(f"{name}-metrics")
            notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
            if files is None:
                assert data is not None
                source = {"SCOPECAST_NB_DATA": str(data)}
            else:  # as a user naming their own files would
                train, test, catalogue = files
                source = {
                    "SCOPECAST_NB_TRAIN": os.pathsep.join(map(str, train)),
                    "SCOPECAST_NB_TEST": os.pathsep.join(map(str, test)),
                    "SCOPECAST_NB_CATALOGUE": str(catalogue),
                }
            env = {
                **source,
                "SCOPECAST_NB_MODELS": str(models_dir),
                "SCOPECAST_NB_METRICS_DIR": str(metrics),
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            }
            client = NotebookClient(
                notebook,
                kernel_name="python3",
                timeout=1800,
                resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
            )
            before = _model_files(models_dir)
            with mock.patch.dict(os.environ, env):
                client.execute()  # raises CellExecutionError on the first failing cell
            after = _model_files(models_dir)
            rewritten = {f for f, mtime in after.items() if before.get(f) != mtime}
            cache[key] = Execution(notebook, metrics, frozenset(before), frozenset(rewritten))
        return cache[key]

    return run


@pytest.fixture
def data_dir(request: pytest.FixtureRequest) -> Path:
    folder: Path = DATA_DIRS[request.param]
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


def _outputs(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for cell in notebook.cells for output in cell.get("outputs", [])]


@pytest.mark.slow
@pytest.mark.parametrize("data_dir", list(DATA_DIRS), indirect=True)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_with_figures(name: str, data_dir: Path, executed) -> None:
    run = executed(name, data_dir)
    outputs = _outputs(run.notebook)
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure was drawn"
    # A model already trained for a data set is reused, not trained again.
    assert not run.rewritten & run.existed, "a notebook retrained a model it could reuse"


@pytest.mark.slow
@pytest.mark.parametrize("data_dir", list(DATA_DIRS), indirect=True)
def test_learning_curve_full_point_is_the_evaluated_model_policy(data_dir: Path, executed) -> None:
    run = executed("learning_curve", data_dir)
    text = "".join(o.get("text", "") for o in _outputs(run.notebook) if o.output_type == "stream")
    pairs = re.findall(
        r"the full-size point costs ([0-9.]+) per task; scopecast evaluate's model policy ([0-9.]+)",
        text,
    )
    assert len(pairs) == len(find_datasets(data_dir))
    assert all(point == evaluated for point, evaluated in pairs)


_Interval = tuple[str, str, str, str]
"""A policy (or difference), its cost per task and its 95% interval's ends, as printed."""


def _cli_intervals(output: str) -> list[_Interval]:
    """The rows of ``scopecast evaluate``'s "Cost per task, 95% interval" table."""
    number = r"(-?[0-9]+\.[0-9]{3})"
    row = rf"^│ (\S[^│]*?)\s*│\s*{number} │\s*\[{number}, {number}\] │$"
    return [match.groups() for match in re.finditer(row, output, re.MULTILINE)]


def _notebook_intervals(notebook: nbformat.NotebookNode, name: str) -> list[_Interval]:
    """The rows of the policy comparison's interval table of ``name`` on all its test traces."""
    caption = f"{name}: cost per task on the test traces, 95% interval"
    (table,) = [
        o.data["text/html"]
        for o in _outputs(notebook)
        if caption in o.get("data", {}).get("text/html", "")
    ]
    rows = []
    for body in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        cells = [c.strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.DOTALL)]
        if len(cells) == 4 and re.fullmatch(r"-?[0-9]+\.[0-9]{3}", cells[1]):
            rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("data_dir", list(DATA_DIRS), indirect=True)
def test_policy_comparison_numbers_equal_scopecast_evaluate(
    data_dir: Path, executed, models_dir: Path, tmp_path: Path
) -> None:
    run = executed("policy_comparison", data_dir)
    metrics = run.metrics
    for dataset in find_datasets(data_dir):
        out = tmp_path / f"{dataset.name}.json"
        result = CliRunner().invoke(
            app,
            [
                "evaluate",
                *map(str, dataset.test),
                "--model",
                str(models_dir / dataset.name),
                *[arg for path in dataset.train for arg in ("--train", str(path))],
                "--catalogue",
                str(dataset.catalogue),
                "--json",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        cli = json.loads(out.read_text())
        notebook = json.loads((metrics / f"{dataset.name}.json").read_text())
        assert notebook == cli
        assert set(cli["policies"]) >= {"jit_only", "model", "oracle"}
        # the interval table on all the test traces is the one evaluate prints (same groups)
        assert _notebook_intervals(run.notebook, dataset.name) == _cli_intervals(result.output)


@pytest.mark.slow
def test_policy_comparison_runs_on_trace_files_named_by_the_user(
    shared_data: Path, executed
) -> None:
    files: NamedFiles = (
        (shared_data / "agentdojo_train.jsonl",),
        (shared_data / "agentdojo_test.jsonl",),
        shared_data / "agentdojo.catalogue.json",
    )
    named = executed("policy_comparison", files=files)
    assert not [o for o in _outputs(named.notebook) if o.output_type == "error"]
    in_folder = executed("policy_comparison", shared_data)
    report = json.loads((named.metrics / "agentdojo.json").read_text())
    assert report == json.loads((in_folder.metrics / "agentdojo.json").read_text())
    assert report["n_traces"] == len(read_traces([files[1][0]]))
