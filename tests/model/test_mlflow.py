"""MLflow: a training run is tracked and registered, and `mlflow models serve` answers on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scopecast.cli import _commands, app  # noqa: F401  (_commands registers every command)
from scopecast.traces import write_traces

from .conftest import REGISTERED_NAME as NAME
from .conftest import make_traces

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_mlflow_run_has_metrics_hash_and_registered_version(tracking_uri, registered):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    version = client.get_model_version(NAME, registered["version"])
    run = client.get_run(version.run_id)
    assert {"cv_brier", "cv_ece", "cv_mean_pr_auc"} <= set(run.data.metrics)
    meta = json.loads((Path(registered["model_dir"]) / "metadata.json").read_text())
    assert run.data.tags["data_hash"] == meta["data_hash"]
    assert run.data.params["chosen_calibration"] in ("sigmoid", "isotonic")
    artifacts = {a.path for a in client.list_artifacts(version.run_id, "model_dir")}
    assert "model_dir/model.skops" in artifacts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_mlflow_models_serve_answers_with_upfront_plan(tracking_uri, registered):
    port = _free_port()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": tracking_uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            f"models:/{NAME}/{registered['version']}",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert server.poll() is None, "mlflow models serve exited before answering /ping"
            assert time.monotonic() < deadline, "mlflow models serve did not start in 180 s"
            time.sleep(1)
        body = {
            "dataframe_records": [
                {"task": "Send an email to Dana about the budget", "context": '{"domain": "work"}'},
                {
                    "task": "Post the launch update in the team channel",
                    "context": {"domain": "chat"},
                },
            ]
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    first, second = answer["predictions"]
    assert "google:gmail.send" in first["upfront"]["google"]
    assert "slack:chat:write" in second["upfront"]["slack"]
    assert first["probabilities"]["google:gmail.send"] > 0.5
    assert first["policy"] == "scopecast.policy.choose_upfront"


@pytest.mark.slow
def test_mlflow_run_logs_traces_seen_and_fitted(tracking_uri, registered, tmp_path):
    from mlflow.tracking import MlflowClient

    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(traces),
            "--out",
            str(tmp_path / "model"),
            "--max-traces",
            "40",
            "--tracking-uri",
            tracking_uri,
            "--experiment",
            "scopecast-tests",
            "--register-name",
            NAME + "-sample",
        ],
    )
    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri=tracking_uri)
    sampled = client.get_model_version(NAME + "-sample", "1")
    params = client.get_run(sampled.run_id).data.params
    assert (params["n_seen"], params["n_fitted"], params["max_traces"]) == ("64", "40", "40")
    whole = client.get_run(client.get_model_version(NAME, registered["version"]).run_id)
    assert (whole.data.params["n_seen"], whole.data.params["n_fitted"]) == ("64", "64")
