"""Loading a model directory for the runtime: its compact form, or scikit-learn as a fallback.

The files are read and checked through :mod:`scopecast._model_files` (format version, the
sha256 of every file) before any array is used; the arrays are loaded with
``allow_pickle=False``. :func:`load_scorer` prefers the compact form, so planning at agent
start does not import scikit-learn.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scopecast._model_files import (
    COMPACT_ARRAYS,
    COMPACT_SPEC,
    METADATA_FILE,
    catalogue_of,
    checked_path,
    format_version,
    read_metadata,
)
from scopecast.catalogue import Catalogue
from scopecast.exceptions import ArtifactError
from scopecast.runtime._compact import CompactScorer
from scopecast.scoring import TaskInput

if TYPE_CHECKING:
    from scopecast.model import ModelBundle

__all__ = ["CompactBundle", "has_compact", "load_compact", "load_scorer"]


@dataclass(frozen=True)
class CompactBundle:
    """A model directory loaded in its compact form: the scorer, its catalogue and metadata.

    A bundle is itself a :class:`~scopecast.scoring.ScopeScorer` (it delegates to ``scorer``).
    """

    scorer: CompactScorer
    catalogue: Catalogue
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """``ScopeScorer`` protocol, delegated to :attr:`scorer`."""
        return self.scorer.predict_scopes(inputs)


def has_compact(metadata: Mapping[str, Any]) -> bool:
    """Whether a model's metadata records a compact form (both of its files)."""
    files = metadata.get("files")
    return isinstance(files, dict) and COMPACT_SPEC in files and COMPACT_ARRAYS in files


def load_compact(directory: str | Path) -> CompactBundle:
    """Load a model directory's compact form, after checking the format and every checksum.

    Raises
    ------
    ArtifactError
        If the directory has no compact form, a file is missing, damaged or modified, the
        arrays are malformed, or the model splits task text in a way this scopecast does not
        know (a newer one made it) or its metadata does not record.
    """
    root = Path(directory)
    metadata = read_metadata(root)
    if not has_compact(metadata):
        raise ArtifactError(
            f"The model in {str(root)!r} has no compact form ({COMPACT_SPEC}, {COMPACT_ARRAYS}). "
            f"Retrain it with this version of scopecast, or load it with scopecast.model."
        )
    spec_path = checked_path(root, metadata, COMPACT_SPEC)
    arrays_path = checked_path(root, metadata, COMPACT_ARRAYS)
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ArtifactError(f"Cannot read the compact model in {str(root)!r}: {err}") from err
    if not isinstance(spec, dict):
        raise ArtifactError(f"{str(spec_path)!r} is not a JSON object; retrain the model.")
    scorer = CompactScorer(spec, arrays)
    expected = format_version(scorer.text_tokenizer)
    if metadata.get("format_version") != expected:
        raise ArtifactError(
            f"{str(spec_path)!r} splits task text with tokenizer {scorer.text_tokenizer}, a "
            f"model of format version {expected}, but {METADATA_FILE} records version "
            f"{metadata.get('format_version')!r}: the files do not belong together. Retrain "
            f"the model with `scopecast train`."
        )
    return CompactBundle(scorer, catalogue_of(root, metadata), metadata)


def load_scorer(directory: str | Path) -> CompactBundle | ModelBundle:
    """Load a model directory for prediction, in its compact form when it has one.

    A directory written by this version of ``scopecast train`` has a compact form and loads
    without scikit-learn; an older one (or one fitted on a feature matrix) is loaded through
    :func:`scopecast.model.load_scorer`, which imports scikit-learn.

    Raises
    ------
    ArtifactError
        If the directory, its metadata or a checksum is wrong (see :func:`load_compact`).
    """
    root = Path(directory)
    if has_compact(read_metadata(root)):
        return load_compact(root)
    bundle: ModelBundle = importlib.import_module("scopecast.model").load_scorer(root)
    return bundle
