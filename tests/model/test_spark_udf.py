"""Batch scoring on Spark: the registered model as ``mlflow.pyfunc.spark_udf`` plans what
PreAuthorizer plans, row by row (needs pyspark, a dev dependency, and a Java runtime)."""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scopecast.model import SERVED_RESULT_TYPE
from scopecast.runtime import PreAuthorizer

from .conftest import REGISTERED_NAME
from .served_plans import TASKS, upfront_by_provider

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (java on PATH); none is installed here")
    with pytest.MonkeyPatch.context() as env:
        # The workers' Python is this one, also where the environment names another (or the
        # virtualenv is not on PATH): a worker without pandas fails the UDF.
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        with warnings.catch_warnings():  # pyspark warns that it does not fully support pandas 3
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master("local[2]")
                .appName("scopecast-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.pyspark.python", sys.executable)
                .config("spark.pyspark.driver.python", sys.executable)
                .getOrCreate()
            )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def test_the_registered_model_scores_a_spark_dataframe_like_preauthorizer(
    spark: Any, tracking_uri: str, registered: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow
    from pyspark.sql.functions import struct

    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    frame = spark.createDataFrame(
        [(i, task, json.dumps(context)) for i, (task, context) in enumerate(TASKS)],
        ["row", "task", "context"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*type hint.*", category=UserWarning)
        plan_udf = mlflow.pyfunc.spark_udf(
            spark,
            f"models:/{REGISTERED_NAME}/{registered['version']}",
            env_manager="local",
            result_type=SERVED_RESULT_TYPE,
        )
        # Without a signature the UDF names its inputs by position: a struct keeps the names.
        rows = (
            frame.withColumn("plan", plan_udf(struct("task", "context")))
            .select("row", "plan.upfront", "plan.probabilities", "plan.planning_scale")
            .orderBy("row")
            .collect()
        )
    pre = PreAuthorizer(Path(registered["model_dir"]))
    assert [r["row"] for r in rows] == list(range(len(TASKS)))
    for r, (task, context) in zip(rows, TASKS, strict=True):
        plan = pre.plan(task, context)
        upfront = {k: list(v) for k, v in r["upfront"].items()}
        assert upfront == upfront_by_provider(plan), task
        assert r["planning_scale"] == pre.planning_costs.interruption
        assert plan.upfront_scopes <= set(r["probabilities"])
        assert all(0.0 <= p <= 1.0 for p in r["probabilities"].values())
    assert any(r["upfront"] for r in rows)  # the model asks something up front for some task
