"""MLflow tracking and registry of a training run (imports MLflow only when called).

One run logs: the parameters, the grouped-CV metrics, the training data hash, the git
SHA and whether the checkout had uncommitted changes (tags ``data_hash``, ``git_sha``,
``git_dirty``), each training file as a dataset input (context ``training``: its path and the
sha256 of its bytes, never its content), the model directory as an artefact, and a pyfunc model (see
:mod:`scopecast.model._pyfunc`) registered in the model registry under ``register_name``.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import scopecast
from scopecast._model_files import METADATA_FILE, read_metadata
from scopecast.exceptions import ModelError
from scopecast.model._workflow import TrainingResult

__all__ = ["TrackedRun", "check_tracking_uri", "log_training_run"]

_ENTRY_SCRIPT = """\
# Written by scopecast: MLflow loads this model from code (no pickle).
import mlflow
from scopecast.model._pyfunc import ScopecastPyfunc

mlflow.models.set_model(ScopecastPyfunc())
"""

_REQUIREMENTS = ("numpy", "pandas", "scipy", "scikit-learn", "skops", "pydantic", "pyyaml")


@dataclass(frozen=True)
class TrackedRun:
    """Where a training run was logged."""

    run_id: str
    model_name: str
    model_version: str
    model_uri: str


def _git(root: Path, *args: str) -> str | None:
    """The output of ``git -C root args``; ``None`` when git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_state(root: Path) -> tuple[str | None, bool | None]:
    """The commit checked out at ``root`` and whether tracked files differ from it.

    ``(None, None)`` outside a git checkout. A run trained with local changes names a commit
    that does not hold its code; the ``git_dirty`` tag says so.
    """
    sha = (_git(root, "rev-parse", "HEAD") or "").strip() or None
    if sha is None:
        return None, None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return sha, None if status is None else bool(status.strip())


def _staged_model_files(directory: Path, staging: Path) -> Path:
    """A copy of the model directory's own files (``metadata.json`` and the files it records).

    ``--out`` may hold other things (notes, an older model): logging the folder itself
    uploaded them with the run and copied them into the registered model.
    """
    metadata = read_metadata(directory)
    files = metadata.get("files")
    names = [METADATA_FILE, *(sorted(files) if isinstance(files, dict) else ())]
    staged = staging / "model_dir"
    staged.mkdir()
    for name in names:
        shutil.copy2(directory / name, staged / name)
    return staged


def _file_digest(path: Path) -> str:
    """The first 32 hex digits of ``path``'s sha256 (MLflow keeps at most 36 characters)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def _log_training_files(mlflow: Any, directory: Path) -> None:
    """Log each training file the metadata records as a dataset input of the run.

    A reference only (MLflow's ``MetaDataset``: path, name, digest), so the run's page lists
    the data it was trained on without uploading traces, which may hold users' tasks. A file
    that is gone since training is skipped: the ``data_hash`` tag still identifies the data.
    """
    # by module: MLflow makes the source class at import time (mypy cannot see it) and
    # MetaDataset's stubs call it abstract
    meta_dataset = importlib.import_module("mlflow.data.meta_dataset")
    sources = importlib.import_module("mlflow.data.sources")
    files = read_metadata(directory).get("train_files")
    for name in files if isinstance(files, list) else ():
        path = Path(str(name))
        if not path.is_file():
            continue
        dataset = meta_dataset.MetaDataset(
            source=sources.LocalArtifactDatasetSource(str(path)),
            name=path.name,
            digest=_file_digest(path),
        )
        mlflow.log_input(dataset, context="training")


def _local_artifact_root(tracking_uri: str) -> str | None:
    """``mlruns`` beside a local SQLite store (as a file URI); ``None`` for any other store.

    MLflow gives a new experiment of a SQLite store the artifact root ``./mlruns`` of the
    working directory, wherever the database is: a store in /tmp filled the checkout that
    ``scopecast train`` ran in. With the default ``sqlite:///mlflow.db`` both are the same.
    """
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    database = tracking_uri[len(prefix) :].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return (Path(database).resolve().parent / "mlruns").as_uri()


def _use_experiment(mlflow: Any, experiment: str, tracking_uri: str) -> None:
    """Make ``experiment`` active, creating it with :func:`_local_artifact_root` if needed."""
    root = _local_artifact_root(tracking_uri)
    if root is not None and mlflow.get_experiment_by_name(experiment) is None:
        # the store MLflow would make, with that root: artifacts in <root>/<experiment id>/,
        # MLflow's own layout
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        store = SqlAlchemyStore(tracking_uri, root)  # type: ignore[no-untyped-call]
        store.create_experiment(experiment)  # type: ignore[no-untyped-call]
    mlflow.set_experiment(experiment)


_NOT_IN_METRIC_NAMES = re.compile(r"[^A-Za-z0-9_.\-/]")
"""What no MLflow metric name of scopecast holds: MLflow's own set (letters, digits and
``_-. :/``) less the space and the colon."""


def _metric_names(keys: Iterable[str]) -> dict[str, str]:
    """An MLflow metric name for each key, each name used once.

    ``cv_pr_auc[slack:chat:write]`` becomes ``cv_pr_auc_slack_chat_write`` (brackets and
    colons are refused on some platforms), and any other character MLflow refuses (a scope
    name is any OAuth scope-token: ``fhir:patient/*.read``) becomes ``_``. A scope holding
    ``//``, ``/./`` or a final ``/`` (Google's scopes are URLs) gives a name MLflow refuses
    as a path: its slashes become ``_`` too. A name already taken (``a:b_c`` and ``a_b:c``)
    gets a digest of its key.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        name = _NOT_IN_METRIC_NAMES.sub("_", key.replace("]", ""))
        if posixpath.normpath(name) != name:
            name = name.replace("/", "_")
        if name in used:
            name = f"{name}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"
        used.add(name)
        names[key] = name
    return names


_CUT = "... (cut; whole in model_dir/metadata.json)"


def _param_value(value: object) -> str:
    """``value`` as an MLflow parameter: whole up to MLflow's limit, else cut and saying so."""
    from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

    text = str(value)
    if len(text) <= MAX_PARAM_VAL_LENGTH:
        return text
    return text[: MAX_PARAM_VAL_LENGTH - len(_CUT)] + _CUT


class _NoSignatureNotice(logging.Filter):
    """Drops MLflow's warning that it found no signature: the pyfunc has none on purpose
    (``context`` is a dict or its JSON text; the wrapper checks its input itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "infer model signature" not in record.getMessage()


@contextmanager
def _hushed_signature_notice() -> Iterator[None]:
    """:class:`_NoSignatureNotice` on MLflow's pyfunc logger while the model is logged."""
    logger = logging.getLogger("mlflow.pyfunc")
    hush = _NoSignatureNotice()
    logger.addFilter(hush)
    try:
        yield
    finally:
        logger.removeFilter(hush)


def _pinned(name: str) -> str:
    try:
        return f"{name}=={version(name)}"
    except PackageNotFoundError:
        return name


def _said(err: Exception) -> str:
    """MLflow's message, without the space it may start with or its final full stop."""
    return str(getattr(err, "message", err)).strip().rstrip(".")


def check_tracking_uri(
    tracking_uri: str, *, experiment: str | None = None, register_name: str | None = None
) -> None:
    """Fail now if MLflow cannot track or register runs at ``tracking_uri`` (and, when given,
    under the names ``experiment`` and ``register_name``).

    ``scopecast train`` calls it before training, so that a wrong ``--tracking-uri``,
    ``--experiment`` or ``--register-name`` costs seconds, not a training (a SQLite store
    is created here, as logging would).

    Raises
    ------
    ModelError
        If MLflow refuses the URI or a name, cannot reach its tracking store or model
        registry, or the experiment was deleted.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow.tracking import MlflowClient
    from mlflow.utils import validation

    # MLflow's own checks of these names (private, so they stay what its calls enforce)
    names: list[tuple[str, str | None, Callable[[str], None]]] = [
        ("--experiment", experiment, validation._validate_experiment_name),
        ("--register-name", register_name, validation._validate_model_name),
    ]
    for option, name, validate in names:
        try:
            if name is not None:
                validate(name)
        except mlflow.exceptions.MlflowException as err:
            raise ModelError(
                f"MLflow refuses {option} {name!r}: {_said(err)}. Check {option} (nothing was "
                f"trained)."
            ) from err
    # MLflow retries an unreachable server 7 times with backoff (4 minutes of silence);
    # a check needs fewer, unless the user chose the number
    retries = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
    chosen = os.environ.get(retries)
    os.environ[retries] = chosen if chosen is not None else "1"
    try:
        client = MlflowClient(tracking_uri=tracking_uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)
        found = None if experiment is None else client.get_experiment_by_name(experiment)
    except mlflow.exceptions.MlflowException as err:
        raise ModelError(
            f"MLflow cannot use the tracking URI {tracking_uri!r}: {_said(err)}. Check "
            f"--tracking-uri, or pass --no-mlflow (nothing was trained)."
        ) from err
    finally:
        if chosen is None:
            del os.environ[retries]
    if found is not None and found.lifecycle_stage == "deleted":
        raise ModelError(
            f"The MLflow experiment {experiment!r} in {tracking_uri!r} was deleted: restore it "
            f"(`mlflow experiments restore --experiment-id {found.experiment_id}`) or pass "
            f"another --experiment (nothing was trained)."
        )


def log_training_run(
    result: TrainingResult,
    *,
    tracking_uri: str = "sqlite:///mlflow.db",
    experiment: str = "scopecast",
    register_name: str = "scopecast-scopes",
) -> TrackedRun:
    """Log ``result`` to MLflow and register its pyfunc model; return the run and version.

    Raises
    ------
    ModelError
        If MLflow cannot log or register the run (its message is included).
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    try:
        mlflow.set_tracking_uri(tracking_uri)
        _use_experiment(mlflow, experiment, tracking_uri)
        with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
            mlflow.log_params({k: _param_value(v) for k, v in result.params.items()})
            mlflow.log_param("n_traces", result.n_traces)
            names = _metric_names(result.metrics)
            mlflow.log_metrics({names[k]: v for k, v in result.metrics.items()})
            mlflow.set_tag("data_hash", result.data_hash)
            mlflow.set_tag("scopecast_version", scopecast.__version__)
            sha, dirty = _git_state(Path(scopecast.__file__).resolve().parent.parent)
            if sha:
                mlflow.set_tag("git_sha", sha)
            if dirty is not None:
                mlflow.set_tag("git_dirty", str(dirty).lower())
            _log_training_files(mlflow, Path(result.directory))
            model_dir = _staged_model_files(Path(result.directory), Path(tmp))
            mlflow.log_artifacts(str(model_dir), artifact_path="model_dir")
            entry = Path(tmp) / "scopecast_pyfunc.py"
            entry.write_text(_ENTRY_SCRIPT)
            with warnings.catch_warnings(), _hushed_signature_notice():
                # MLflow warns that the wrapper's type hints (a DataFrame in, records out)
                # do not give it a schema to validate; the wrapper validates its input itself.
                warnings.filterwarnings("ignore", message=".*type hint.*", category=UserWarning)
                info = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=str(entry),
                    artifacts={"model_dir": str(model_dir)},
                    code_paths=[str(Path(scopecast.__file__).resolve().parent)],
                    pip_requirements=[_pinned(n) for n in _REQUIREMENTS],
                    registered_model_name=register_name,
                )
    except mlflow.exceptions.MlflowException as err:
        raise ModelError(
            f"MLflow could not log the training run to {tracking_uri!r}: {_said(err)}. "
            f"Check --tracking-uri, or pass --no-mlflow."
        ) from err
    return TrackedRun(
        run_id=run.info.run_id,
        model_name=register_name,
        model_version=str(info.registered_model_version),
        model_uri=f"models:/{register_name}/{info.registered_model_version}",
    )
