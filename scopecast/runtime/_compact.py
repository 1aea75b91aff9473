"""The compact model: a trained scope model's probabilities with numpy only (no scikit-learn).

At training time :func:`scopecast.model.export_compact` writes the fitted
:class:`~scopecast.model.ScopePredictor` as plain data: the vocabularies and settings in
``compact.json``, the idf vectors, similarity matrix, coefficients and calibration maps in
``compact.npz`` (``numpy.savez``, loaded with ``allow_pickle=False``). :class:`CompactScorer`
recomputes the same features with the same functions (:mod:`scopecast._task_tokens`,
:mod:`scopecast._calibration_maps`) and gives the same probabilities (to 1e-9; a test checks
it on every model the test suite trains) at a fraction of the import and call cost, which
is what a process that plans before every agent start needs. Reading a model directory
into a :class:`CompactScorer` (checksums, fallback to scikit-learn) is
:mod:`scopecast.runtime._compact_files`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid
from scopecast._model_files import COMPACT_FORMAT, COMPACT_FORMAT_VERSION
from scopecast._task_tokens import (
    indicator_tokens,
    normalise_text,
    tfidf_vector,
)
from scopecast.exceptions import ArtifactError
from scopecast.scoring import TaskInput

__all__ = ["CompactScorer"]

_ARRAYS = (
    "text_idf",
    "similarity_idf",
    "similarity_matrix",
    "coef_t",
    "intercept",
    "base_rate",
    "modelled",
    "sigmoid",
    "isotonic_x",
    "isotonic_y",
    "isotonic_offsets",
)

Block = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]

_WORD = re.compile(r"(?u)\b\w+\b")  # the word pattern of scopecast._task_tokens
_CACHE_LIMIT = 100_000
"""Words whose character n-gram columns are remembered (a task's words repeat across tasks)."""


def _strip_kind(vocabulary: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The entries of one token kind (``w:`` or ``c:``), keyed without their prefix."""
    n = len(prefix)
    return {token[n:]: i for token, i in vocabulary.items() if token.startswith(prefix)}


def _tfidf(
    columns: list[int], idf: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Sublinear TF-IDF with unit L2 norm of a bag of columns (as ``tfidf_vector``).

    ``1 + ln(1)`` is exactly 1, so the logarithm is taken only when a column repeats.
    """
    if not columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    indices, counts = np.unique(np.array(columns, dtype=np.int64), return_counts=True)
    values = idf[indices]
    if len(indices) != len(columns):
        values = values * (1.0 + np.log(counts))
    norm = math.sqrt(float(np.dot(values, values)))
    if norm > 0.0:
        values = values / norm
    return indices, values


class CompactScorer:
    """A :class:`~scopecast.scoring.ScopeScorer` from a model's compact form (numpy only).

    Parameters
    ----------
    spec : mapping
        The parsed ``compact.json``: scopes, calibration method, featurizer settings and
        vocabularies (token lists in column order).
    arrays : mapping of str to ndarray
        The arrays of ``compact.npz``.

    Raises
    ------
    ArtifactError
        If the spec or the arrays are not a compact model of this version or disagree in shape.
    """

    def __init__(self, spec: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        if (
            spec.get("format") != COMPACT_FORMAT
            or spec.get("format_version") != COMPACT_FORMAT_VERSION
        ):
            raise ArtifactError(
                f"Not a compact scope model of version {COMPACT_FORMAT_VERSION} (got format "
                f"{spec.get('format')!r}, version {spec.get('format_version')!r}). Retrain the "
                f"model with this version of scopecast."
            )
        missing = [name for name in _ARRAYS if name not in arrays]
        if missing:
            raise ArtifactError(f"The compact model lacks the arrays {missing}; retrain it.")
        try:
            feat = spec["featurizer"]
            self.scopes: tuple[str, ...] = tuple(str(s) for s in spec["scopes"])
            self.calibration = str(spec["calibration"])
            self._word_range = (int(feat["word_ngram_range"][0]), int(feat["word_ngram_range"][1]))
            char = feat["char_ngram_range"]
            self._char_range = None if char is None else (int(char[0]), int(char[1]))
            self._weights = tuple(
                float(feat[k])
                for k in ("text_weight", "indicator_weight", "similarity_weight", "progress_weight")
            )
            self._text_vocabulary = {str(t): i for i, t in enumerate(spec["text_vocabulary"])}
            self._indicator_vocabulary = {
                str(t): i for i, t in enumerate(spec["indicator_vocabulary"])
            }
            self._similarity_vocabulary = {
                str(t): i for i, t in enumerate(spec["similarity_vocabulary"])
            }
            self._n_similarity = len(spec["similarity_scopes"])
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise ArtifactError(
                f"The compact model spec is malformed ({err!r}); retrain it."
            ) from err
        self._text_idf = np.asarray(arrays["text_idf"], dtype=np.float64)
        self._similarity_idf = np.asarray(arrays["similarity_idf"], dtype=np.float64)
        self._similarity_matrix = np.asarray(arrays["similarity_matrix"], dtype=np.float64)
        self._coef_t = np.ascontiguousarray(arrays["coef_t"], dtype=np.float64)
        self._intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self._base_rate = np.asarray(arrays["base_rate"], dtype=np.float64)
        self._modelled = np.asarray(arrays["modelled"], dtype=np.int64)
        self._sigmoid = np.asarray(arrays["sigmoid"], dtype=np.float64)
        offsets = np.asarray(arrays["isotonic_offsets"], dtype=np.int64)
        xs = np.asarray(arrays["isotonic_x"], dtype=np.float64)
        ys = np.asarray(arrays["isotonic_y"], dtype=np.float64)
        self._isotonic_x = [xs[a:b] for a, b in itertools.pairwise(offsets.tolist())]
        self._isotonic_y = [ys[a:b] for a, b in itertools.pairwise(offsets.tolist())]
        self._scope_index = {s: j for j, s in enumerate(self.scopes)}
        self._words = _strip_kind(self._text_vocabulary, "w:")
        self._chars = _strip_kind(self._text_vocabulary, "c:")
        self._similarity_words = _strip_kind(self._similarity_vocabulary, "w:")
        self._char_cache: dict[str, list[int]] = {}
        self._check_shapes()

    def _check_shapes(self) -> None:
        n_text = len(self._text_vocabulary)
        n_features = n_text + len(self._indicator_vocabulary) + self._n_similarity + 1
        n_modelled = len(self._modelled)
        expected = {
            "text_idf": (n_text,),
            "similarity_idf": (len(self._similarity_vocabulary),),
            "coef_t": (n_features, n_modelled),
            "intercept": (n_modelled,),
            "base_rate": (len(self.scopes),),
        }
        got = {
            "text_idf": self._text_idf.shape,
            "similarity_idf": self._similarity_idf.shape,
            "coef_t": self._coef_t.shape,
            "intercept": self._intercept.shape,
            "base_rate": self._base_rate.shape,
        }
        wrong: dict[str, tuple[object, object]] = {
            k: (v, got[k]) for k, v in expected.items() if got[k] != v
        }
        if self._n_similarity and self._similarity_matrix.shape != (
            self._n_similarity,
            len(self._similarity_vocabulary),
        ):
            wrong["similarity_matrix"] = (
                (self._n_similarity, len(self._similarity_vocabulary)),
                self._similarity_matrix.shape,
            )
        if self.calibration == "sigmoid" and self._sigmoid.shape != (n_modelled, 2):
            wrong["sigmoid"] = ((n_modelled, 2), self._sigmoid.shape)
        if self.calibration == "isotonic" and len(self._isotonic_x) != n_modelled:
            wrong["isotonic_offsets"] = ((n_modelled + 1,), (len(self._isotonic_x) + 1,))
        if self.calibration not in ("sigmoid", "isotonic"):
            wrong["calibration"] = (("sigmoid or isotonic",), (self.calibration,))
        if wrong:
            details = "; ".join(f"{k}: expected {e}, got {g}" for k, (e, g) in wrong.items())
            raise ArtifactError(f"The compact model's arrays disagree with its spec ({details}).")

    def __repr__(self) -> str:
        return (
            f"CompactScorer(scopes={len(self.scopes)}, modelled={len(self._modelled)}, "
            f"calibration={self.calibration!r})"
        )

    def _char_columns(self, word: str) -> list[int]:
        """Columns of the character n-grams of one word (padded with spaces), with repeats."""
        low, high = self._char_range or (1, 0)
        padded = f" {word} "
        length = len(padded)
        chars = self._chars
        out = []
        for n in range(low, min(high, length) + 1):
            for start in range(length - n + 1):
                j = chars.get(padded[start : start + n])
                if j is not None:
                    out.append(j)
        return out

    def _text_columns(self, norm: str, words: list[str]) -> list[int]:
        """Columns of the word and character n-grams of a normalised task, with repeats.

        The same tokens as :func:`scopecast._task_tokens.text_tokens`, looked up without
        building their prefixed strings; a word's character n-gram columns are cached.
        """
        vocab = self._words
        out = []
        low, high = self._word_range
        for n in range(low, high + 1):
            for start in range(len(words) - n + 1):
                j = vocab.get(words[start] if n == 1 else " ".join(words[start : start + n]))
                if j is not None:
                    out.append(j)
        if self._char_range is not None:
            cache = self._char_cache
            for word in norm.split():
                hit = cache.get(word)
                if hit is None:
                    hit = self._char_columns(word)
                    if len(cache) < _CACHE_LIMIT:
                        cache[word] = hit
                out.extend(hit)
        return out

    def _blocks(self, item: TaskInput) -> list[Block]:
        """The non-zero feature columns and values of one input (the featurizer's layout)."""
        text_w, ind_w, sim_w, prog_w = self._weights
        n_text = len(self._text_vocabulary)
        n_ind = len(self._indicator_vocabulary)
        norm = normalise_text(item.task)
        words = _WORD.findall(norm)
        idx, val = _tfidf(self._text_columns(norm, words), self._text_idf)
        blocks: list[Block] = [(idx, val * text_w)]
        idx, val = tfidf_vector(
            indicator_tokens(item),
            self._indicator_vocabulary,
            None,
            sublinear=False,
            normalise=False,
        )
        blocks.append((idx + n_text, val * ind_w))
        if self._n_similarity:
            sim_words = self._similarity_words
            idx, val = _tfidf(
                [j for j in map(sim_words.get, words) if j is not None], self._similarity_idf
            )
            sims = self._similarity_matrix[:, idx] @ val
            nz = np.flatnonzero(sims)
            blocks.append((nz + n_text + n_ind, sims[nz] * sim_w))
        if item.calls:
            column = n_text + n_ind + self._n_similarity
            blocks.append(
                (
                    np.array([column], dtype=np.int64),
                    np.array([math.log1p(len(item.calls)) * prog_w], dtype=np.float64),
                )
            )
        return blocks

    def decision_function(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Linear scores of the modelled scopes, shape (n_inputs, n_modelled)."""
        Z = np.empty((len(inputs), len(self._modelled)), dtype=np.float64)
        for r, item in enumerate(inputs):
            blocks = self._blocks(item)
            idx = np.concatenate([b[0] for b in blocks])
            val = np.concatenate([b[1] for b in blocks])
            Z[r] = val @ self._coef_t[idx] + self._intercept
        return Z

    def predict_proba(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Shape (n_inputs, n_scopes); column ``j`` is P(``scopes[j]`` is needed)."""
        Z = self.decision_function(inputs)
        P = np.tile(self._base_rate, (len(inputs), 1))
        if len(self._modelled):
            if self.calibration == "sigmoid":
                P[:, self._modelled] = apply_sigmoid(Z, self._sigmoid[:, 0], self._sigmoid[:, 1])
            else:
                P[:, self._modelled] = apply_isotonic(Z, self._isotonic_x, self._isotonic_y)
        index = self._scope_index
        for r, item in enumerate(inputs):
            for call in item.calls:
                for scope in call.scopes:
                    j = index.get(scope)
                    if j is not None:
                        P[r, j] = 1.0
        return P

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """``ScopeScorer`` protocol: ``[{scope: P(needed)}, ...]``, one mapping per input."""
        if len(inputs) == 0:
            return []
        P = self.predict_proba(inputs)
        return [dict(zip(self.scopes, row, strict=True)) for row in P.tolist()]
