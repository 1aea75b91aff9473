"""The model directory: a skops file, its metadata and checksum, and loading against a trusted list.

The format (name, version, file names), the metadata reader, the checksum check and the
stored catalogue come from :mod:`scopecast._model_files`, the one reader the runtime uses too.
Layout of a model directory (format version :data:`~scopecast._model_files.FORMAT_VERSION`, or
:data:`~scopecast._model_files.UNSPACED_FORMAT_VERSION` when the featurizer splits the scripts
written without spaces into pairs of letters)::

    model.skops      the fitted ScopePredictor (skops.io, ZIP_DEFLATED; never pickle)
    compact.json     its compact form for the runtime (scopecast.model._export), when the
    compact.npz      model was fitted on task inputs: numpy arrays + JSON, no pickle
    metadata.json    format, versions, scopes, catalogue, training data hash, metrics,
                     params, created_at, the sha256 of every other file, and the sha256 of
                     its own canonical content (``metadata_sha256``)

Loading checks, in order: the metadata exists, names this format and version and matches
its own digest (:func:`~scopecast._model_files.read_metadata`); the model
file's sha256 equals the recorded one (else it was tampered with or damaged); the types
skops finds in the file are all in :data:`TRUSTED_TYPES` (else
:class:`~scopecast.exceptions.UntrustedArtifactError`). Only then is it deserialised.
"""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from scopecast._model_files import (
    FORMAT_NAME,
    FORMAT_VERSION,
    METADATA_FILE,
    MODEL_FILE,
    catalogue_of,
    check_tokenizer,
    checked_path,
    format_version,
    read_metadata,
    sealed_metadata,
    sha256_of,
)
from scopecast._version import __version__
from scopecast.catalogue import Catalogue
from scopecast.exceptions import ArtifactError, UntrustedArtifactError
from scopecast.model._export import can_export_compact, export_compact, text_tokenizer
from scopecast.model._predictor import ScopePredictor
from scopecast.scoring import TaskInput

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "METADATA_FILE",
    "MODEL_FILE",
    "TRUSTED_TYPES",
    "ModelBundle",
    "load_bundle",
    "load_model",
    "load_scorer",
    "read_metadata",
    "save_model",
]

TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "scopecast.features._featurizer.TaskFeaturizer",
        "scopecast.model._predictor.ScopePredictor",
    }
)
"""Types outside skops' defaults that a scopecast model file may contain (nothing else loads)."""


TRAINING_DIAGNOSTICS = ("oof_proba_",)
"""Fitted attributes that describe the training run, not the model; never saved."""


def _without_diagnostics(predictor: ScopePredictor) -> ScopePredictor:
    """A shallow copy of ``predictor`` without its :data:`TRAINING_DIAGNOSTICS`."""
    if not any(hasattr(predictor, name) for name in TRAINING_DIAGNOSTICS):
        return predictor
    slim = copy.copy(predictor)
    for name in TRAINING_DIAGNOSTICS:
        slim.__dict__.pop(name, None)
    return slim


def save_model(
    predictor: ScopePredictor,
    directory: str | Path,
    *,
    catalogue: Catalogue,
    data_hash: str | None = None,
    metrics: Mapping[str, float] | None = None,
    params: Mapping[str, object] | None = None,
    extra_files: Sequence[str] = (),
    train_files: Sequence[str | Path] = (),
) -> Path:
    """Write ``predictor`` and its metadata to ``directory`` (created if needed); return it.

    Parameters
    ----------
    predictor : ScopePredictor
        A fitted model.
    directory : path
    catalogue : Catalogue
        The catalogue the model was trained with; stored in the metadata.
    data_hash : str, optional
        sha256 of the training traces (:func:`~scopecast.model.data_hash`).
    metrics, params : mapping, optional
        Evaluation figures and training parameters to record.
    extra_files : sequence of str
        Other files already written in ``directory`` whose checksums the metadata should hold.
    train_files : sequence of path
        The trace files the model was trained on (recorded as absolute paths, so that
        ``scopecast evaluate`` can give its baselines the same training data).

    Raises
    ------
    ArtifactError
        If the model is not fitted or the directory cannot be written.
    """
    import skops.io as sio

    if not hasattr(predictor, "coef_"):
        raise ArtifactError(
            "save_model needs a fitted ScopePredictor; this one has not been fitted. "
            "Call fit() or train_predictor() first."
        )
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        sio.dump(
            _without_diagnostics(predictor), out / MODEL_FILE, compression=zipfile.ZIP_DEFLATED
        )
        _reproducible_skops(out / MODEL_FILE)
        # The numpy-only form the runtime plans with (no scikit-learn import at start-up).
        compact = export_compact(predictor, out) if can_export_compact(predictor) else ()
        files = {name: sha256_of(out / name) for name in (MODEL_FILE, *compact, *extra_files)}
        metadata = {
            "format": FORMAT_NAME,
            "format_version": format_version(text_tokenizer(predictor)),
            "scopecast_version": __version__,
            "sklearn_version": sklearn.__version__,
            "skops_version": sio.__version__ if hasattr(sio, "__version__") else _skops_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scopes": list(predictor.scopes_),
            "catalogue": catalogue.model_dump(mode="json", exclude_defaults=True),
            "data_hash": data_hash,
            "train_files": [str(Path(f).resolve()) for f in train_files],
            "metrics": dict(metrics or {}),
            "params": {k: _jsonable(v) for k, v in (params or {}).items()},
            "files": files,
        }
        sealed = sealed_metadata(metadata)
        (out / METADATA_FILE).write_text(json.dumps(sealed, indent=1, sort_keys=True) + "\n")
    except OSError as err:
        raise ArtifactError(
            f"Cannot write the model directory {str(out)!r}: {err.strerror or err}. "
            f"Check that the path is writable."
        ) from err
    return out


_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The date of every entry of a saved ``model.skops`` (the earliest a ZIP file can hold)."""


def _reproducible_skops(path: Path) -> None:
    """Rewrite the skops file at ``path`` so that the same model always gives the same bytes.

    skops names each array file and each object's ``__id__`` after the ``id()`` of its
    object, and dates every entry with the time of writing, so two trainings of one model
    gave two checksums. Here the ids and array files are numbered in the order the schema
    names them (a reference keeps pointing at what it pointed at) and every entry is dated
    :data:`_ZIP_EPOCH`. Only an ``__id__`` holding an integer and a ``file`` holding the
    name of an entry are renamed; the content is untouched. A file with an entry the schema
    does not name is left as skops wrote it.
    """
    with zipfile.ZipFile(path) as source:
        entries = set(source.namelist())
        schema = json.loads(source.read("schema.json"))
        ids: dict[int, int] = {}
        files: dict[str, str] = {}

        def renumber(node: object) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "__id__" and type(value) is int:
                        node[key] = ids.setdefault(value, len(ids))
                    elif key == "file" and isinstance(value, str) and value in entries:
                        suffix = Path(value).suffix
                        node[key] = files.setdefault(value, f"{len(files)}{suffix}")
                    else:
                        renumber(value)
            elif isinstance(node, list):
                for item in node:
                    renumber(item)

        renumber(schema)
        if entries != {"schema.json", *files}:
            return
        blobs = {new: source.read(old) for old, new in files.items()}
    blobs["schema.json"] = json.dumps(schema, indent=2).encode("utf-8")
    staged = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(staged, "w") as target:
        for name in sorted(blobs):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, blobs[name])
    staged.replace(path)


def _skops_version() -> str:
    from importlib.metadata import version

    return version("skops")


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


def load_model(directory: str | Path) -> ScopePredictor:
    """Load the :class:`ScopePredictor` of a model directory, after every check.

    Raises
    ------
    ArtifactError
        Missing files, another format version, or a checksum mismatch (tampered file).
    UntrustedArtifactError
        The model file holds types outside :data:`TRUSTED_TYPES`.
    """
    import skops.io as sio

    root = Path(directory)
    metadata = read_metadata(root)
    path = checked_path(root, metadata, MODEL_FILE)
    try:
        found = sio.get_untrusted_types(file=path)
    except Exception as err:  # skops raises many kinds on a broken archive
        raise ArtifactError(f"{str(path)!r} is not a readable skops file: {err}") from err
    untrusted = set(found) - TRUSTED_TYPES
    if untrusted:
        raise UntrustedArtifactError(str(path), untrusted)
    try:
        model = sio.load(path, trusted=sorted(found))
    except Exception as err:  # same: any failure to deserialise is a broken artefact
        raise ArtifactError(f"Cannot load the model file {str(path)!r}: {err}") from err
    if not isinstance(model, ScopePredictor):
        raise ArtifactError(
            f"{str(path)!r} holds a {type(model).__name__}, expected a ScopePredictor."
        )
    tokenizer = check_tokenizer(text_tokenizer(model), repr(str(path)))
    if metadata.get("format_version") != format_version(tokenizer):
        raise ArtifactError(
            f"{str(path)!r} splits task text with tokenizer {tokenizer}, a model of format "
            f"version {format_version(tokenizer)}, but {METADATA_FILE} records version "
            f"{metadata.get('format_version')!r}: the files do not belong together. Retrain "
            f"the model with `scopecast train`."
        )
    return model


@dataclass(frozen=True)
class ModelBundle:
    """A loaded model directory: the scorer, its catalogue and its metadata.

    A bundle is itself a :class:`~scopecast.scoring.ScopeScorer` (it delegates to ``scorer``).
    """

    scorer: ScopePredictor
    catalogue: Catalogue
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """``ScopeScorer`` protocol, delegated to :attr:`scorer`."""
        return self.scorer.predict_scopes(inputs)


def load_bundle(directory: str | Path) -> ModelBundle:
    """Load a model directory into a :class:`ModelBundle` (checked like :func:`load_model`)."""
    model = load_model(directory)
    metadata = read_metadata(directory)
    catalogue = catalogue_of(directory, metadata)
    return ModelBundle(model, catalogue, metadata)


def load_scorer(directory: str | Path) -> ModelBundle:
    """Load a model directory as a scorer with its catalogue (same as :func:`load_bundle`)."""
    return load_bundle(directory)
