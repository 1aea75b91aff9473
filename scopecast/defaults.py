"""The embedded default: the bundled data, and the default model trained from it on first use.

The bundled data (catalogue and synthetic traces, see ``data/README.md``) lives in the
repository's ``data/``; an installed wheel carries the same files as ``scopecast/_data/``
(``force-include`` in ``pyproject.toml``).

The default model is trained from the bundled training traces the first time it is needed
(``scopecast demo``, or ``PreAuthorizer()`` without a model) into
``$SCOPECAST_CACHE_DIR`` or ``$XDG_CACHE_HOME/scopecast`` (``~/.cache/scopecast``), in a
directory named after the hash of the bundled data (``default-<hash>``), so a new version of
the data trains a new model and nothing trained is ever committed. Training writes to a
temporary directory and renames it into place, so concurrent first uses never see half a
model.

This module is light (no scikit-learn, pandas or MLflow until training is needed) and reads
nothing at import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from scopecast._model_files import FORMAT_VERSION
from scopecast.exceptions import ConfigError, ModelError

__all__ = [
    "BUNDLED_CATALOGUE",
    "BUNDLED_TEST",
    "BUNDLED_TRAIN",
    "DEFAULT_TRAINING",
    "bundled_data_dir",
    "bundled_data_hash",
    "bundled_file",
    "cache_dir",
    "default_model_dir",
]

logger = logging.getLogger(__name__)

DEFAULT_TRAINING: Mapping[str, float | int | str] = {"C": 3.0, "cv": 3, "calibration": "sigmoid"}
"""Hyper-parameters of the default model: one ``C`` (the middle of ``ScopePredictor``'s grid)
and 3 grouped folds for the out-of-fold calibration, instead of the grid search that
``scopecast train`` runs, so that training on first use stays short. ``scopecast train``
remains the way to a model whose ``C`` and calibration are chosen by grouped CV."""

BUNDLED_CATALOGUE = "catalogue.json"
BUNDLED_TRAIN = "traces_train.jsonl"
BUNDLED_TEST = "traces_test.jsonl"


def bundled_data_dir() -> Path:
    """Return the directory of the bundled data (installed ``scopecast/_data`` or the checkout's ``data/``).

    Raises
    ------
    ConfigError
        If neither exists (a broken installation).
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "_data", package.parent / "data"):
        if (candidate / BUNDLED_CATALOGUE).is_file():
            return candidate
    raise ConfigError(
        f"The bundled data (catalogue.json, traces_train.jsonl, traces_test.jsonl) is missing: "
        f"looked in {package / '_data'} and {package.parent / 'data'}. Reinstall scopecast, "
        f"or run from a checkout of its repository."
    )


def bundled_file(name: str) -> Path:
    """Return the path of one bundled file (``catalogue.json``, ``traces_train.jsonl``, ...).

    Raises
    ------
    ConfigError
        If the file is not part of the bundled data.
    """
    path = bundled_data_dir() / name
    if not path.is_file():
        raise ConfigError(
            f"{name!r} is not part of the bundled data in {path.parent}. Expected one of "
            f"{BUNDLED_CATALOGUE!r}, {BUNDLED_TRAIN!r}, {BUNDLED_TEST!r}."
        )
    return path


TRAINING_RECIPE = 13
"""Raised whenever the way models are trained changes, so that a default model cached by an
older scopecast is trained again (2: the match model and the policy chosen at training; 3: the
``fields`` source; 4: a context token for every part of a value; 5: the match model's
``context_match`` pair feature; 6: each domain's support, model format 3; 7: rows outside
a scope's support not training it, withdrawn in 8, so that no cache of 7 is reused; 9: the
out-of-fold scores use each fold's own base rates and modelled scopes, which moves the
choices and calibration maps fitted on them; 10: a sigmoid calibration map never decreases;
11: the ``pooled`` source; 12: the text vocabulary and idf count each task once, not each of
its prefix rows; 13: the match model's ``verb_match`` pair feature)."""


def bundled_data_hash() -> str:
    """The first 16 hex digits of the SHA-256 of the bundled data and the training recipe.

    The key of the cached default model: the bundled catalogue and training traces,
    :data:`DEFAULT_TRAINING`, :data:`TRAINING_RECIPE` and the model format version (so that
    a model another format version would refuse to load is never looked up).
    """
    digest = hashlib.sha256()
    digest.update(f"recipe={TRAINING_RECIPE};{sorted(DEFAULT_TRAINING.items())!r}".encode())
    digest.update(f";format={FORMAT_VERSION}".encode())
    for name in (BUNDLED_CATALOGUE, BUNDLED_TRAIN):
        digest.update(name.encode())
        digest.update(bundled_file(name).read_bytes())
    return digest.hexdigest()[:16]


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where scopecast caches the default model: ``$SCOPECAST_CACHE_DIR``, else ``$XDG_CACHE_HOME/scopecast``, else ``~/.cache/scopecast``."""
    env = os.environ if environ is None else environ
    explicit = env.get("SCOPECAST_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scopecast"


def default_model_dir(
    *,
    train: bool = True,
    retrain: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Return the default model directory, training it from the bundled data if it is missing.

    Parameters
    ----------
    train : bool
        Train the model when it is not cached yet (otherwise raise).
    retrain : bool
        Train again even if it is cached (the old one is replaced).
    environ : Mapping[str, str], optional
        Environment to read the cache location from (default ``os.environ``).
    progress : callable, optional
        ``progress(stage, done, total)`` while training.

    Raises
    ------
    ModelError
        If the model is not cached and ``train`` is false, or training fails.
    ArtifactError
        If the model cannot be written.
    """
    target = cache_dir(environ) / f"default-{bundled_data_hash()}"
    if target.is_dir() and not retrain:
        return target
    if not train:
        raise ModelError(
            f"The default model is not trained yet (expected in {target}). Run `scopecast demo` "
            f"once, or pass a model directory from `scopecast train`."
        )
    from scopecast.catalogue import load_catalogue
    from scopecast.model import ScopePredictor, train_to_directory
    from scopecast.traces import read_traces

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    logger.info("training the default model from the bundled data into %s", target)
    try:
        train_to_directory(
            read_traces(bundled_file(BUNDLED_TRAIN)),
            staging,
            load_catalogue(bundled_file(BUNDLED_CATALOGUE)),
            predictor=ScopePredictor(
                C=float(DEFAULT_TRAINING["C"]),
                cv=int(DEFAULT_TRAINING["cv"]),
                calibration=str(DEFAULT_TRAINING["calibration"]),
            ),
            progress=progress,
        )
        if retrain and target.is_dir():
            shutil.rmtree(target)
        try:
            os.replace(staging, target)
        except OSError:
            if not target.is_dir():  # not a concurrent first use that won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
