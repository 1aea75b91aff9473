"""The MLflow pyfunc plans what PreAuthorizer plans for the same model directory."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from scopecast.catalogue import Catalogue
from scopecast.model import ScopePredictor, save_model
from scopecast.runtime import PreAuthorizer

from .served_plans import TASKS, upfront_by_provider


def _served(directory: Path) -> list[dict[str, object]]:
    with warnings.catch_warnings():  # MLflow's own import warns about its type hints
        warnings.filterwarnings("ignore", message=".*type hint.*", category=UserWarning)
        from mlflow.pyfunc.model import PythonModelContext

        from scopecast.model._pyfunc import ScopecastPyfunc
    pyfunc = ScopecastPyfunc()
    pyfunc.load_context(
        PythonModelContext(artifacts={"model_dir": str(directory)}, model_config={})
    )
    frame = pd.DataFrame({"task": [t for t, _ in TASKS], "context": [c for _, c in TASKS]})
    return pyfunc.predict(None, frame)  # type: ignore[arg-type]


def _planned(directory: Path) -> list[dict[str, list[str]]]:
    pre = PreAuthorizer(directory)
    plans = [pre.plan(task, context) for task, context in TASKS]
    return [upfront_by_provider(plan) for plan in plans]


def test_the_pyfunc_plans_with_the_recorded_planning_scale(
    fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    scale = 2.0
    default = save_model(fitted, tmp_path / "default", catalogue=catalogue)
    scaled = save_model(
        fitted,
        tmp_path / "scaled",
        catalogue=catalogue,
        params={"policy_interruption_scale": scale},
    )
    served = _served(scaled)
    assert [row["upfront"] for row in served] == _planned(scaled)
    assert {row["planning_scale"] for row in served} == {scale}
    # The scale changes some plan here, so the equality above is not the default's.
    unscaled = _served(default)
    assert [row["upfront"] for row in served] != [row["upfront"] for row in unscaled]
    assert [row["upfront"] for row in unscaled] == _planned(default)
    assert {row["planning_scale"] for row in unscaled} == {1.0}
