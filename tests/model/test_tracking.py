"""What ``log_training_run`` puts in MLflow: the model's files only, and nothing beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scopecast.catalogue import Catalogue
from scopecast.model import ScopePredictor, save_model
from scopecast.model._workflow import TrainingResult

MODEL_FILES = {"metadata.json", "model.skops", "compact.json", "compact.npz"}


def _result(
    directory: Path,
    fitted: ScopePredictor,
    catalogue: Catalogue,
    metrics: dict[str, float] | None = None,
    params: dict[str, object] | None = None,
) -> TrainingResult:
    save_model(fitted, directory, catalogue=catalogue, data_hash="0" * 64)
    return TrainingResult(
        directory=directory,
        predictor=fitted,
        catalogue=catalogue,
        data_hash="0" * 64,
        params=params or {"n_seen": 64},
        metrics=metrics or {"cv_brier": 0.1},
        n_traces=64,
        n_seen=64,
    )


@pytest.mark.slow
def test_only_the_model_files_of_the_out_directory_are_logged(
    tracking_uri: str, fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    # `--out` may be a folder that holds other things (notes, an older model): they were
    # uploaded to the tracking server with the run and copied into the registered model.
    from mlflow.tracking import MlflowClient

    from scopecast.model.tracking import log_training_run

    out = tmp_path / "models"
    (out / "older").mkdir(parents=True)
    (out / "older" / "model.skops").write_bytes(b"not this one")
    (out / "notes.txt").write_text("private notes\n")
    tracked = log_training_run(
        _result(out, fitted, catalogue),
        tracking_uri=tracking_uri,
        experiment="scopecast-tracking-tests",
        register_name="scopecast-tracking-test",
    )
    client = MlflowClient(tracking_uri=tracking_uri)
    logged = {a.path for a in client.list_artifacts(tracked.run_id, "model_dir")}
    assert logged == {f"model_dir/{name}" for name in MODEL_FILES}
    import mlflow

    served = Path(mlflow.artifacts.download_artifacts(tracked.model_uri, tracking_uri=tracking_uri))
    copied = {p.name for p in served.rglob("*") if p.is_file() and "code" not in p.parts}
    assert "notes.txt" not in copied
    assert not any(p.name == "older" for p in served.rglob("*"))
    assert copied >= MODEL_FILES


@pytest.mark.slow
def test_a_local_store_keeps_the_artifacts_beside_it_not_in_the_working_directory(
    tracking_uri: str,
    fitted: ScopePredictor,
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With --tracking-uri sqlite:////tmp/x/mlflow.db, MLflow put a new experiment's artifacts
    # (the model directory, the pyfunc and a copy of scopecast's code) in ./mlruns of
    # whatever directory `scopecast train` ran in (a repository checkout).
    from mlflow.tracking import MlflowClient

    from scopecast.model.tracking import log_training_run

    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    tracked = log_training_run(
        _result(tmp_path / "model", fitted, catalogue),
        tracking_uri=tracking_uri,
        experiment="scopecast-artifact-root-test",
        register_name="scopecast-artifact-root-test",
    )
    assert list(elsewhere.iterdir()) == []
    store = Path(tracking_uri.removeprefix("sqlite:///"))
    run = MlflowClient(tracking_uri=tracking_uri).get_run(tracked.run_id)
    experiment = run.info.experiment_id
    assert run.info.artifact_uri.startswith(f"{(store.parent / 'mlruns').as_uri()}/{experiment}/")


def test_git_state_says_when_the_checkout_has_uncommitted_changes(tmp_path: Path) -> None:
    # The run's git_sha named the last commit even when the code that trained had local
    # changes: the run then claimed a commit that does not hold its code.
    import subprocess

    from scopecast.model.tracking import _git_state

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("commit", "-qm", "one")
    sha, dirty = _git_state(tmp_path)
    assert sha is not None
    assert len(sha) == 40
    assert dirty is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert _git_state(tmp_path) == (sha, True)
    assert _git_state(tmp_path / "not-a-repo") == (None, None)


@pytest.mark.slow
def test_every_per_scope_metric_is_logged_under_its_own_valid_name(
    tracking_uri: str, fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    # Google's scopes are URLs ("https://www.googleapis.com/auth/gmail.send" is a valid scope
    # string): its metric name held "//", which MLflow refuses as a path, so the whole run
    # failed to log after training; and "a:b_c" and "a_b:c" both became "..._a_b_c", one
    # figure silently replacing the other.
    from mlflow.tracking import MlflowClient

    from scopecast.model.tracking import log_training_run

    metrics = {
        "cv_brier": 0.1,
        "cv_pr_auc[https://www.googleapis.com/auth/gmail.send]": 0.5,
        "cv_pr_auc[github:repo/admin]": 0.4,
        "cv_pr_auc[a:b_c]": 0.25,
        "cv_pr_auc[a_b:c]": 0.75,
        # any OAuth scope-token is a scope name (SMART on FHIR's patient/*.read): MLflow
        # refused '*', '%', '#', ',', '+', quotes... and the run failed to log after training
        "cv_pr_auc[fhir:patient/*.read]": 0.125,
        "cv_pr_auc[g:a%b#c,d+e'f!g]": 0.375,
        "cv_pr_auc[g:a_b_c_d_e_f_g]": 0.625,
    }
    tracked = log_training_run(
        _result(tmp_path / "model", fitted, catalogue, metrics),
        tracking_uri=tracking_uri,
        experiment="scopecast-metric-names-test",
        register_name="scopecast-metric-names-test",
    )
    logged = MlflowClient(tracking_uri=tracking_uri).get_run(tracked.run_id).data.metrics
    assert len(logged) == len(metrics)
    assert sorted(logged.values()) == sorted(metrics.values())
    assert logged["cv_brier"] == 0.1
    assert logged["cv_pr_auc_github_repo/admin"] == 0.4  # the name it always had


@pytest.mark.slow
def test_a_long_parameter_is_logged_whole_up_to_mlflows_limit_and_says_when_cut(
    tracking_uri: str, fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    # Every parameter was cut to 500 characters without a word: train_files of a history of
    # 20 files lost most of its names, though MLflow keeps 6000.
    from mlflow.tracking import MlflowClient

    from scopecast.model.tracking import log_training_run

    files = [
        f"/data/history/agent-runs-2026-{m:02d}-{d:02d}.jsonl" for m in (1, 2) for d in range(1, 11)
    ]
    huge = "x" * 7000
    tracked = log_training_run(
        _result(tmp_path / "model", fitted, catalogue, params={"train_files": files, "huge": huge}),
        tracking_uri=tracking_uri,
        experiment="scopecast-long-params-test",
        register_name="scopecast-long-params-test",
    )
    logged = MlflowClient(tracking_uri=tracking_uri).get_run(tracked.run_id).data.params
    assert logged["train_files"] == str(files)
    assert len(logged["huge"]) <= 6000
    assert logged["huge"].endswith("(cut; whole in model_dir/metadata.json)")


@pytest.mark.slow
def test_logging_the_pyfunc_does_not_warn_of_a_signature_left_out_on_purpose(
    tracking_uri: str, fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    # The pyfunc has no signature by design (context is a dict or its JSON text); the
    # warnings filter meant to hush MLflow's complaint missed it (MLflow logs it), so every
    # `scopecast train` printed "WARNING mlflow.pyfunc: Failed to infer model signature".
    import logging

    from scopecast.model.tracking import log_training_run

    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep(level=logging.WARNING)
    logger = logging.getLogger("mlflow.pyfunc")
    logger.addHandler(handler)
    try:
        log_training_run(
            _result(tmp_path / "model", fitted, catalogue),
            tracking_uri=tracking_uri,
            experiment="scopecast-signature-test",
            register_name="scopecast-signature-test",
        )
    finally:
        logger.removeHandler(handler)
    assert not [m for m in seen if "signature" in m]


@pytest.mark.slow
def test_each_training_file_is_a_dataset_input_named_with_its_digest_not_its_content(
    tracking_uri: str, fitted: ScopePredictor, catalogue: Catalogue, tmp_path: Path
) -> None:
    import hashlib

    from mlflow.tracking import MlflowClient

    from scopecast.model.tracking import log_training_run

    kept, gone = tmp_path / "history.jsonl", tmp_path / "moved.jsonl"
    kept.write_text('{"trace_id": "secret task text stays out"}\n')
    gone.write_text("{}\n")
    out = tmp_path / "model"
    save_model(fitted, out, catalogue=catalogue, data_hash="0" * 64, train_files=[kept, gone])
    gone.unlink()  # a file moved since training is left out, not an error
    result = TrainingResult(
        directory=out,
        predictor=fitted,
        catalogue=catalogue,
        data_hash="0" * 64,
        params={"n_seen": 64},
        metrics={"cv_brier": 0.1},
        n_traces=64,
        n_seen=64,
    )
    tracked = log_training_run(
        result,
        tracking_uri=tracking_uri,
        experiment="scopecast-tracking-tests",
        register_name="scopecast-tracking-test",
    )
    inputs = MlflowClient(tracking_uri=tracking_uri).get_run(tracked.run_id).inputs
    [logged] = inputs.dataset_inputs
    assert logged.dataset.name == "history.jsonl"
    assert logged.dataset.digest == hashlib.sha256(kept.read_bytes()).hexdigest()[:32]
    assert str(kept.resolve()) in logged.dataset.source
    assert logged.dataset.source_type == "local"
    assert {t.key: t.value for t in logged.tags}["mlflow.data.context"] == "training"
    assert "secret" not in repr(logged)
