"""``pip install scopecast`` is the runtime alone; the training stack is ``scopecast[train]``.

An agent's image plans with a model's compact form and guards its calls with numpy,
pydantic, SQLAlchemy, PyYAML, authlib and httpx; it does not carry scikit-learn, MLflow or
matplotlib. What needs them (training, the full model package, Parquet, the command line)
says to install the extra instead of failing deep inside with ``No module named ...``.

The fast test makes the training stack unimportable in a fresh interpreter
(``tests/runtime_only_driver.py --block``); the slow one installs the project into a new
virtualenv without extras, from the package registry, and runs the same driver there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path
from typing import Any

import pytest

from scopecast import read_traces
from scopecast._training_stack import INSTALL_HINT, TRAINING_STACK
from scopecast.defaults import BUNDLED_TRAIN, bundled_file
from scopecast.generator import default_catalogue
from scopecast.runtime import PreAuthorizer
from tests.runtime_only_driver import CONTEXT, TASK

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "runtime_only_driver.py"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained on bundled traces, with its compact form."""
    from scopecast.model import ScopePredictor, train_to_directory

    out = tmp_path_factory.mktemp("model") / "small"
    small = ScopePredictor(C=1.0, cv=2, random_state=0)
    train_to_directory(
        read_traces(bundled_file(BUNDLED_TRAIN))[:200], out, default_catalogue(), predictor=small
    )
    assert (out / "compact.json").is_file()
    return out


def _drive(
    python: str, model_dir: Path, work: Path, *flags: str, checkout: bool = False
) -> dict[str, Any]:
    """Run the driver with ``python``; return its JSON report.

    ``checkout``: import scopecast from this checkout (the code under test), not from what
    ``python`` has installed (a development venv's editable install may be another checkout).
    """
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCOPECAST_CACHE_DIR")}
    if checkout:
        env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [python, str(DRIVER), str(model_dir), str(work), *flags],
        cwd=work,  # not the checkout: only PYTHONPATH or the interpreter's install give scopecast
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def _check_runtime_only(report: dict[str, Any], model_dir: Path) -> None:
    """What the runtime must do, and say, without the training stack."""
    full = PreAuthorizer(model_dir).plan(TASK, context=CONTEXT)
    assert not report["degraded"]
    assert report["upfront"] == sorted(full.upfront_scopes)
    expected = {p.scope: p.probability for c in full.upfront for p in c.scopes}
    expected |= {p.scope: p.probability for p in full.deferred}
    assert report["probabilities"] == pytest.approx(expected, abs=1e-9)
    # the guarded call ran after a consent that asked for its missing scope
    assert report["call"] == "sent to carlos@acme.com"
    assert set(report["tool_scopes"]) - set(report["upfront"]) <= set(report["asked"][-1])
    assert report["consent_url"].startswith("https://accounts.example/authorize?")
    assert "code_challenge_method=S256" in report["consent_url"]
    # what needs the stack degrades (the default model) or names the extra
    assert report["default_degraded"] is True
    assert INSTALL_HINT in report["default_warning"]
    assert "Retrain with `scopecast train`" not in report["default_warning"]  # not here
    assert "trained with `scopecast train` where scopecast[train]" in report["default_warning"]
    for what in ("model_package", "parquet", "cli_package", "pr_curves", "figure"):
        assert report[what]["type"] == "MissingExtraError"
        assert report[what]["is_import_error"] is True
        assert INSTALL_HINT in report[what]["message"]
    assert report["console_exit"] == 1
    assert INSTALL_HINT in report["console_stderr"]
    assert "Traceback" not in report["console_stderr"]
    assert report["heavy_modules"] == []
    assert report["module_errors"] == {}  # every module imports, or names the extra


def test_the_runtime_works_and_says_what_to_install_without_the_training_stack(
    model_dir: Path, tmp_path: Path
) -> None:
    report = _drive(sys.executable, model_dir, tmp_path / "work", "--block", checkout=True)
    assert report["scopecast_file"] == str(ROOT / "scopecast" / "__init__.py")
    _check_runtime_only(report, model_dir)


def _names(requirements: list[str]) -> set[str]:
    """Distribution names of requirement strings, normalised (PEP 503)."""
    return {
        re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]).lower()
        for r in requirements
    }


def test_the_train_extra_is_the_training_stack_and_the_core_has_none_of_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    stack = _names(list(TRAINING_STACK.values()))
    assert _names(project["optional-dependencies"]["train"]) == stack
    assert not _names(project["dependencies"]) & stack
    for extra in ("dev", "notebooks", "spark"):
        assert "scopecast[train]" in project["optional-dependencies"][extra], extra


@pytest.mark.slow
def test_pip_install_without_extras_gives_a_working_runtime(
    model_dir: Path, tmp_path: Path
) -> None:
    """A real install from the registry (what an agent's Dockerfile does), no extras."""
    lean = tmp_path / "lean"
    venv.EnvBuilder(with_pip=True).create(lean)
    python = str(lean / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert install.returncode == 0, (
        "pip install of the project (no extras) failed; it needs the package registry:\n"
        + install.stderr[-3000:]
    )
    installed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = _names([p["name"] for p in json.loads(installed.stdout)])
    assert "scopecast" in names
    assert not names & _names(list(TRAINING_STACK.values()))
    _check_runtime_only(_drive(python, model_dir, tmp_path / "work"), model_dir)
    console = subprocess.run(
        [str(lean / "bin" / "scopecast"), "train", "x.jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert console.returncode == 1
    assert INSTALL_HINT in console.stderr
    assert "Traceback" not in console.stderr


def test_the_message_names_every_missing_package_of_the_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scopecast import _training_stack

    absent = {"mlflow", "matplotlib"}
    monkeypatch.setattr(_training_stack, "_absent", lambda module: module in absent)
    err = _training_stack.missing_extra(
        ModuleNotFoundError("No module named 'mlflow'", name="mlflow.pyfunc"), "Tracking"
    )
    assert err is not None
    assert str(err).startswith("Tracking needs scopecast's training stack")
    assert "(mlflow, matplotlib are missing)" in str(err)
    absent.clear()  # a module that fails to import although found: it alone is named
    err = _training_stack.missing_extra(ModuleNotFoundError(name="skops"), "Loading")
    assert err is not None
    assert "(skops is missing)" in str(err)
    # a part missing from an installed package: an old or broken install, said as such
    monkeypatch.setattr(_training_stack, "_absent", lambda module: False)
    err = _training_stack.missing_extra(
        ModuleNotFoundError("No module named 'sklearn.frozen'", name="sklearn.frozen"), "Training"
    )
    assert err is not None
    assert "although scikit-learn is installed" in str(err)
    assert "pip install --upgrade 'scopecast[train]'" in str(err)
    # a missing module outside the stack is not the extra's to explain
    assert _training_stack.missing_extra(ModuleNotFoundError(name="torch"), "x") is None
