"""Export a fitted ScopePredictor to its compact form: plain arrays and JSON, no pickle.

The compact form holds everything :class:`~scopecast.runtime.CompactScorer` needs to compute
the same probabilities with numpy only (see :mod:`scopecast.runtime._compact`): the
featurizer's settings and vocabularies (``compact.json``) and the idf vectors, the scope
similarity matrix, the coefficients (transposed, one row per feature, so that one task's
few non-zero features read a few contiguous rows), the intercepts, base rates and the
calibration maps (``compact.npz``, written with :func:`numpy.savez`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scopecast._model_files import (
    COMPACT_ARRAYS,
    COMPACT_FORMAT,
    COMPACT_SPEC,
    compact_format_version,
)
from scopecast._task_tokens import TOKENIZER_WORDS
from scopecast.exceptions import ArtifactError
from scopecast.model._predictor import ScopePredictor

__all__ = ["can_export_compact", "export_compact", "text_tokenizer"]


def can_export_compact(predictor: ScopePredictor) -> bool:
    """Whether ``predictor`` has a compact form (it was fitted on task inputs, not a matrix)."""
    return hasattr(predictor, "coef_") and getattr(predictor, "featurizer_", None) is not None


def text_tokenizer(predictor: ScopePredictor) -> int:
    """How ``predictor``'s featurizer splits task text into words (``TaskFeaturizer.tokenizer``).

    :data:`~scopecast._task_tokens.TOKENIZER_WORDS` when it has no featurizer (fitted on a
    feature matrix: it never reads text).
    """
    feat = getattr(predictor, "featurizer_", None)
    return TOKENIZER_WORDS if feat is None else int(feat.tokenizer)


def _tokens_in_order(vocabulary: dict[str, int]) -> list[str]:
    tokens = [""] * len(vocabulary)
    for token, i in vocabulary.items():
        tokens[i] = token
    return tokens


def export_compact(predictor: ScopePredictor, directory: str | Path) -> tuple[str, str]:
    """Write the compact form of ``predictor`` into ``directory``; return the two file names.

    Raises
    ------
    ArtifactError
        If the predictor is not fitted, was fitted on a feature matrix (``"passthrough"``:
        there is no featurizer to export), or the files cannot be written.
    """
    if not can_export_compact(predictor):
        raise ArtifactError(
            "Only a ScopePredictor fitted on task inputs (with its TaskFeaturizer) has a "
            "compact form; this one is unfitted or was fitted on a feature matrix."
        )
    feat = predictor.featurizer_
    if feat is None:  # pragma: no cover - excluded by can_export_compact; narrows the type
        raise ArtifactError("The predictor has no featurizer to export.")
    char = feat.char_ngram_range
    tokenizer = text_tokenizer(predictor)
    spec = {
        "format": COMPACT_FORMAT,
        "format_version": compact_format_version(tokenizer),
        "scopes": list(predictor.scopes_),
        "calibration": predictor.calibration_,
        "featurizer": {
            "word_ngram_range": [int(v) for v in feat.word_ngram_range],
            "char_ngram_range": None if char is None else [int(v) for v in char],
            "text_weight": float(feat.text_weight),
            "indicator_weight": float(feat.indicator_weight),
            "similarity_weight": float(feat.similarity_weight),
            "progress_weight": float(feat.progress_weight),
            # only when not the words of old: a model without it is written as before
            **({} if tokenizer == TOKENIZER_WORDS else {"text_tokenizer": tokenizer}),
        },
        "text_vocabulary": _tokens_in_order(feat.text_vocabulary_),
        "indicator_vocabulary": _tokens_in_order(feat.indicator_vocabulary_),
        "similarity_vocabulary": _tokens_in_order(feat.similarity_vocabulary_),
        "similarity_scopes": list(feat.similarity_scopes_),
        "domain_support": {
            domain: [s for s, kept in zip(predictor.scopes_, allowed.tolist(), strict=True) if kept]
            for domain, allowed in sorted(predictor.domain_support_.items())
        },
        # absent from models saved before it (getattr): their tasks are not checked for it
        "context_fields": {
            key: float(share)
            for key, share in sorted(getattr(predictor, "context_fields_", {}).items())
        },
    }
    n_modelled = len(predictor.modelled_)
    if predictor.calibration_ == "isotonic":
        xs = [np.asarray(x, dtype=np.float64) for x in predictor.isotonic_x_]
        ys = [np.asarray(y, dtype=np.float64) for y in predictor.isotonic_y_]
    else:
        xs, ys = [], []
    offsets = np.zeros(len(xs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in xs]) if xs else []
    arrays = {
        "text_idf": np.asarray(feat.text_idf_, dtype=np.float64),
        "similarity_idf": np.asarray(feat.similarity_idf_, dtype=np.float64),
        "similarity_matrix": np.asarray(feat.similarity_matrix_, dtype=np.float64),
        "coef_t": np.ascontiguousarray(np.asarray(predictor.coef_, dtype=np.float64).T),
        "intercept": np.asarray(predictor.intercept_, dtype=np.float64),
        "base_rate": np.asarray(predictor.base_rate_, dtype=np.float64),
        "modelled": np.asarray(predictor.modelled_, dtype=np.int64),
        "sigmoid": np.asarray(
            getattr(predictor, "sigmoid_", np.zeros((n_modelled, 2))), dtype=np.float64
        ),
        "isotonic_x": np.concatenate(xs) if xs else np.zeros(0),
        "isotonic_y": np.concatenate(ys) if ys else np.zeros(0),
        "isotonic_offsets": offsets,
    }
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / COMPACT_SPEC).write_text(
            json.dumps(spec, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        with open(out / COMPACT_ARRAYS, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds loosely
    except OSError as err:
        raise ArtifactError(
            f"Cannot write the compact model into {str(out)!r}: {err.strerror or err}. "
            f"Check that the directory is writable."
        ) from err
    return COMPACT_SPEC, COMPACT_ARRAYS
