"""The files of a model directory, read without scikit-learn: metadata, checksums, compact form.

Both the scikit-learn side (:mod:`scopecast.model`) and the runtime read a model directory
through these functions, so the format checks and the checksum scheme are the same on both
paths. Layout (format version :data:`FORMAT_VERSION`, or :data:`UNSPACED_FORMAT_VERSION` for a
model that splits the scripts written without spaces into pairs of letters)::

    metadata.json    format, versions, scopes, catalogue, metrics, params, created_at,
                     ``files``: the sha256 of every other file of the directory, and
                     ``metadata_sha256``: the sha256 of its own canonical content
    model.skops      the fitted ScopePredictor (skops; loaded by scopecast.model only)
    compact.json     the compact form's vocabularies and settings (optional)
    compact.npz      the compact form's arrays (numpy.savez; loaded with allow_pickle=False)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scopecast._task_tokens import TEXT_TOKENIZERS, TOKENIZER_UNSPACED_BIGRAMS, TOKENIZER_WORDS
from scopecast._version import __version__
from scopecast.catalogue import Catalogue, catalogue_from_mapping
from scopecast.exceptions import ArtifactError, DataValidationError

__all__ = [
    "COMPACT_ARRAYS",
    "COMPACT_FORMAT",
    "COMPACT_FORMAT_VERSION",
    "COMPACT_SPEC",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "METADATA_DIGEST",
    "METADATA_FILE",
    "MODEL_FILE",
    "UNSPACED_COMPACT_FORMAT_VERSION",
    "UNSPACED_FORMAT_VERSION",
    "catalogue_of",
    "check_tokenizer",
    "checked_path",
    "compact_format_version",
    "format_version",
    "metadata_digest",
    "read_metadata",
    "recorded_policy_params",
    "sealed_metadata",
    "sha256_of",
]

FORMAT_NAME = "scopecast-model"
FORMAT_VERSION = 4
"""4: ``metadata.json`` carries :data:`METADATA_DIGEST`, checked on every load (version 3
had none, so an edit of its catalogue, scopes or file checksums went unnoticed; a version-3
directory is refused, and the default model's cache key changes, so it is trained again).
3: the model keeps each domain's support (:mod:`scopecast._domain_support`), which an
older reader would ignore, serving probabilities the model does not give. 2: a context token
``key~part`` for the part of a plain value too (version 1 made them for joined values only),
so a version-1 model would be served features it was not trained on."""
MODEL_FILE = "model.skops"
UNSPACED_FORMAT_VERSION = 5
"""The format version of a model whose featurizer splits the unspaced scripts into pairs of
letters (:data:`~scopecast._task_tokens.TOKENIZER_UNSPACED_BIGRAMS`, recorded when its training
text had such letters: :func:`~scopecast._task_tokens.tokenizer_for`); otherwise the same
files as :data:`FORMAT_VERSION`. An older scopecast, which would read a Chinese task as one
word and serve such a model features it was not trained on, refuses the version; a model
trained on other text keeps :data:`FORMAT_VERSION`, byte for byte as before, since both
tokenizers read its training text alike."""
METADATA_FILE = "metadata.json"
COMPACT_SPEC = "compact.json"
COMPACT_ARRAYS = "compact.npz"
COMPACT_FORMAT = "scopecast-compact"
COMPACT_FORMAT_VERSION = 3
"""Bumped with :data:`FORMAT_VERSION` when the compact files change (3: ``domain_support``
in ``compact.json``; format 4 changed only ``metadata.json``, which is read first)."""
UNSPACED_COMPACT_FORMAT_VERSION = 4
"""The compact version of a model of :data:`UNSPACED_FORMAT_VERSION`: ``compact.json``'s
``featurizer`` records its ``text_tokenizer``, which an older scopecast would ignore."""
_VERSIONS = {
    TOKENIZER_WORDS: (FORMAT_VERSION, COMPACT_FORMAT_VERSION),
    TOKENIZER_UNSPACED_BIGRAMS: (UNSPACED_FORMAT_VERSION, UNSPACED_COMPACT_FORMAT_VERSION),
}
"""Per text tokenizer, the format and compact format versions of a model that uses it."""
METADATA_DIGEST = "metadata_sha256"
"""The key of ``metadata.json`` holding the sha256 of the file's own content (see
:func:`metadata_digest`). The other files' checksums are recorded in ``metadata.json``, so
this closes the chain: a model directory whose metadata was edited or damaged fails to load.
It detects corruption and naive edits, not an attacker who recomputes it: it is a checksum,
not a signature."""


def check_tokenizer(tokenizer: object, where: str) -> int:
    """``tokenizer`` (a model's text tokenizer, read from ``where``), if this scopecast knows it.

    Raises
    ------
    ArtifactError
        If it is not one of :data:`~scopecast._task_tokens.TEXT_TOKENIZERS`: a newer
        scopecast made the model, and this one would split its tasks into other words.
    """
    if type(tokenizer) is not int or tokenizer not in TEXT_TOKENIZERS:
        raise ArtifactError(
            f"{where} splits task text with tokenizer {tokenizer!r}, which this scopecast "
            f"({__version__}) does not know (it knows {', '.join(map(str, TEXT_TOKENIZERS))}): "
            f"the model was made by a newer scopecast, and this one would read its tasks as "
            f"other words. Upgrade scopecast, or retrain the model with this version."
        )
    return tokenizer


def format_version(tokenizer: int) -> int:
    """The ``metadata.json`` format version of a model whose featurizer uses ``tokenizer``."""
    return _VERSIONS[tokenizer][0]


def compact_format_version(tokenizer: int) -> int:
    """The ``compact.json`` format version of a model whose featurizer uses ``tokenizer``."""
    return _VERSIONS[tokenizer][1]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata_digest(metadata: Mapping[str, Any]) -> str:
    """The hex sha256 of ``metadata``'s canonical JSON, its :data:`METADATA_DIGEST` left out.

    Canonical: keys sorted, no whitespace, ASCII escapes; so the digest depends on the
    content only, not on how the file is indented. ``metadata`` must be what JSON gives back
    (see :func:`sealed_metadata`): a tuple or a non-string key would be written differently.
    """
    content = {key: value for key, value in metadata.items() if key != METADATA_DIGEST}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def sealed_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` as it reads back from JSON, with its :data:`METADATA_DIGEST` added.

    What ``save_model`` writes to ``metadata.json``; :func:`read_metadata` checks it.

    Raises
    ------
    TypeError
        If a value cannot be written as JSON.
    """
    content = {key: value for key, value in metadata.items() if key != METADATA_DIGEST}
    plain: dict[str, Any] = json.loads(json.dumps(content))
    plain[METADATA_DIGEST] = metadata_digest(plain)
    return plain


def _not_a_model_directory(directory: Path) -> str:
    """Why ``directory`` holds no ``metadata.json``: a wrong path reads otherwise than a
    directory that is not a model's."""
    shown = repr(str(directory))
    if directory.is_dir():
        try:  # the folder the models are trained into (`--out models/x`), not a model's own
            inside = sorted(
                child.name for child in directory.iterdir() if (child / METADATA_FILE).is_file()
            )
        except OSError:
            inside = []
        hint = (
            f" It holds model directories: {', '.join(inside[:5])}"
            f"{' and more' if len(inside) > 5 else ''}; pass one of them."
            if inside
            else ""
        )
        return f"{shown} is not a scopecast model directory: {METADATA_FILE} is missing.{hint}"
    if directory.exists():
        return f"{shown} is a file, not a model directory."
    where = "" if directory.is_absolute() else f" (relative to {str(Path.cwd())!r})"
    return f"{shown} does not exist{where}."


def read_metadata(directory: str | Path) -> dict[str, Any]:
    """Read and check ``metadata.json`` of a model directory (format, version, own digest).

    Raises
    ------
    ArtifactError
        If it is missing, not JSON, of another format or version, or does not match its
        :data:`METADATA_DIGEST` (it was edited or damaged after training).
    """
    path = Path(directory) / METADATA_FILE
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError) as err:
        raise ArtifactError(
            f"{_not_a_model_directory(Path(directory))} Pass the --out directory of "
            f"`scopecast train`."
        ) from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ArtifactError(
            f"Cannot read {str(path)!r}: {err}. The model directory is damaged; retrain it."
        ) from err
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ArtifactError(
            f"{str(path)!r} does not describe a scopecast model (expected format "
            f"{FORMAT_NAME!r}, got {metadata.get('format') if isinstance(metadata, dict) else None!r})."
        )
    if metadata.get("format_version") not in (FORMAT_VERSION, UNSPACED_FORMAT_VERSION):
        raise ArtifactError(
            f"The model in {str(Path(directory))!r} has format version "
            f"{metadata.get('format_version')!r} (made by scopecast "
            f"{metadata.get('scopecast_version')!r}); this scopecast ({__version__}) reads versions "
            f"{FORMAT_VERSION} and {UNSPACED_FORMAT_VERSION}. Retrain the model with this version "
            f"of scopecast."
        )
    recorded = metadata.get(METADATA_DIGEST)
    if not isinstance(recorded, str):
        raise ArtifactError(
            f"{str(path)!r} records no digest of its own content ({METADATA_DIGEST!r}), so its "
            f"catalogue, scopes and file checksums cannot be trusted. Retrain the model with "
            f"`scopecast train`."
        )
    actual = metadata_digest(metadata)
    if actual != recorded:
        raise ArtifactError(
            f"{str(path)!r} does not match its own digest (expected {METADATA_DIGEST} "
            f"{recorded}, got {actual}): it was modified or damaged after training, and its "
            f"catalogue (which scopes each tool needs, which are jit_only) and the checksums "
            f"of the other files cannot be trusted. Retrain the model or restore the original "
            f"file."
        )
    return metadata


def checked_path(directory: str | Path, metadata: dict[str, Any], name: str) -> Path:
    """The path of file ``name`` of a model directory, after checking its recorded sha256.

    Raises
    ------
    ArtifactError
        If the file is not recorded in the metadata, cannot be read, or its checksum differs
        (it was modified or damaged after training).
    """
    path = Path(directory) / name
    files = metadata.get("files")
    expected = files.get(name) if isinstance(files, dict) else None
    if expected is None:
        raise ArtifactError(
            f"{METADATA_FILE} of {str(Path(directory))!r} records no checksum for {name!r}, so "
            f"the file cannot be trusted. Retrain the model with `scopecast train`."
        )
    try:
        actual = sha256_of(path)
    except OSError as err:
        raise ArtifactError(
            f"Cannot read the model file {str(path)!r}: {err.strerror or err}. Retrain the model."
        ) from err
    if actual != expected:
        raise ArtifactError(
            f"The model file {str(path)!r} does not match its checksum in {METADATA_FILE} "
            f"(expected sha256 {expected}, got {actual}): it was modified or damaged after "
            f"training. Retrain the model or restore the original file."
        )
    return path


def catalogue_of(directory: str | Path, metadata: dict[str, Any]) -> Catalogue:
    """The catalogue stored in a model's metadata.

    Raises
    ------
    ArtifactError
        If it is not a valid catalogue.
    """
    try:
        return catalogue_from_mapping(metadata.get("catalogue", {}), METADATA_FILE)
    except DataValidationError as err:
        raise ArtifactError(
            f"The catalogue stored in {str(Path(directory) / METADATA_FILE)!r} is invalid: {err}"
        ) from err


def recorded_policy_params(metadata: object) -> tuple[float | None, bool | None]:
    """The policy's ``(interruption scale, batching)`` that ``scopecast train`` stored.

    Read from the metadata's ``params`` (``policy_interruption_scale``, ``policy_batching``);
    each is ``None`` when it is missing or not valid (a scale must be a finite positive
    number), so that the caller falls back to its default.
    """
    params = metadata.get("params") if isinstance(metadata, Mapping) else None
    if not isinstance(params, Mapping):
        return None, None
    scale = params.get("policy_interruption_scale")
    batching = params.get("policy_batching")
    valid_scale = (
        isinstance(scale, int | float)
        and not isinstance(scale, bool)
        and math.isfinite(scale)
        and scale > 0
    )
    return (
        float(scale) if valid_scale else None,  # type: ignore[arg-type]
        batching if isinstance(batching, bool) else None,
    )
