"""The evaluation notebooks: committed clean, importing only the public API, and running top to bottom.

Each notebook is executed (nbclient, the ``python3`` kernel, in ``notebooks/``) on the bundled
data and on ``../shared/data``; a cell that raises fails the test. Training the model on the
full files takes minutes per data set, so the runs use the first ``SAMPLE_TRAIN`` /
``SAMPLE_TEST`` traces of each file (copied into a temporary folder; the small AgentDojo files
whole). The models are trained once per data set into a session folder that every notebook
reuses (``SCOPECAST_NB_MODELS``). The policy comparison's metrics table must equal
``scopecast evaluate --json`` on the same files.
"""

from __future__ import annotations

import ast
import json
import os
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
from tests.conftest import ROOT, SHARED_DATA

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAMES = ["calibration", "error_analysis", "learning_curve", "policy_comparison"]
DATA_DIRS = {"bundled": ROOT / "data", "shared": SHARED_DATA}
SAMPLE_TRAIN, SAMPLE_TEST = 200, 100


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


@pytest.fixture(scope="session")
def executed(models_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run a notebook on a data folder once per session; return it and its metrics folder."""
    from nbclient import NotebookClient

    cache: dict[tuple[str, str], tuple[nbformat.NotebookNode, Path]] = {}

    def run(name: str, data: Path) -> tuple[nbformat.NotebookNode, Path]:
        key = (name, str(data))
        if key not in cache:
            metrics = tmp_path_factory.mktemp(f"{name}-metrics")
            notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
            env = {
                "SCOPECAST_NB_DATA": str(data),
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
            with mock.patch.dict(os.environ, env):
                client.execute()  # raises CellExecutionError on the first failing cell
            cache[key] = (notebook, metrics)
        return cache[key]

    return run


def _head(source: Path, target: Path, n: int) -> None:
    with source.open("rb") as handle:
        target.write_bytes(b"".join(line for _, line in zip(range(n), handle, strict=False)))


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per data folder, a folder of the same data sets cut to their first traces."""
    folders = {}
    for which, source in DATA_DIRS.items():
        if not source.is_dir():
            continue
        folder = tmp_path_factory.mktemp(which)
        for dataset in find_datasets(source):
            for files, n in ((dataset.train, SAMPLE_TRAIN), (dataset.test, SAMPLE_TEST)):
                for path in files:
                    _head(path, folder / path.name, n)
            (folder / dataset.catalogue.name).write_bytes(dataset.catalogue.read_bytes())
        folders[which] = folder
    return folders


@pytest.fixture
def data_dir(request: pytest.FixtureRequest, samples: dict[str, Path]) -> Path:
    which = request.param
    if which not in samples:
        pytest.skip(f"{DATA_DIRS[which]} is not present")
    return samples[which]


@pytest.mark.slow
@pytest.mark.parametrize("data_dir", list(DATA_DIRS), indirect=True)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_with_figures(name: str, data_dir: Path, executed) -> None:
    notebook, _ = executed(name, data_dir)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure was drawn"


@pytest.mark.slow
@pytest.mark.parametrize("data_dir", list(DATA_DIRS), indirect=True)
def test_policy_comparison_numbers_equal_scopecast_evaluate(
    data_dir: Path, executed, models_dir: Path, tmp_path: Path
) -> None:
    _, metrics = executed("policy_comparison", data_dir)
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
