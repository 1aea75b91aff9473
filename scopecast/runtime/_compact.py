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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid
from scopecast._model_files import COMPACT_FORMAT, COMPACT_FORMAT_VERSION
from scopecast._task_tokens import indicator_tokens, normalise_text
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
_DIGITS = re.compile(r"\d+")  # as in normalise_text (the words do not need its spacing)
_CACHE_LIMIT = 100_000
"""Words whose character n-gram columns are remembered (a task's words repeat across tasks)."""


def _strip_kind(vocabulary: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The entries of one token kind (``w:`` or ``c:``), keyed without their prefix."""
    n = len(prefix)
    return {token[n:]: i for token, i in vocabulary.items() if token.startswith(prefix)}


def _add_tfidf(
    indices: list[int],
    values: list[float],
    columns: list[int],
    idf: list[float],
    weight: float,
    offset: int,
) -> None:
    """Append the sublinear TF-IDF of a bag of columns, unit L2 norm, times ``weight``.

    As ``tfidf_vector``: sorted columns, ``(1 + ln(tf)) * idf``, divided by the norm. A
    task has tens of columns, so plain Python floats beat numpy's per-call cost here;
    ``1 + ln(1)`` is exactly 1, so the counts are taken only when a column repeats.
    """
    if not columns:
        return
    unique = sorted(set(columns))
    if len(unique) == len(columns):
        tfidf = [idf[c] for c in unique]
    else:
        counts = Counter(columns)
        tfidf = [idf[c] * (1.0 + math.log(counts[c])) for c in unique]
    norm = math.hypot(*tfidf)
    scale = norm if norm > 0.0 else 1.0
    tfidf = [v / scale * weight for v in tfidf]
    indices.extend([c + offset for c in unique] if offset else unique)
    values.extend(tfidf)


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
        self._indicator_cache: dict[frozenset[tuple[str, str]], list[int]] = {}
        self._text_idf_list: list[float] = self._text_idf.tolist()
        self._similarity_idf_list: list[float] = self._similarity_idf.tolist()
        self._similarity_offset = len(self._text_vocabulary) + len(self._indicator_vocabulary)
        self._progress_column = self._similarity_offset + len(self._similarity_vocabulary)
        self._check_shapes()
        self._weights_by_input = self._fold_similarity()

    def _fold_similarity(self) -> npt.NDArray[np.float64]:
        """Coefficients per *input* column: the similarity block folded into its words.

        The model's similarity features are ``S @ v`` (``S``: scope documents by word, ``v``:
        the task's word TF-IDF), so their contribution ``(S @ v) @ C`` equals
        ``v @ (S.T @ C)``: one row per similarity word instead of one per scope, computed
        once here. Rows: text columns, indicator columns, similarity words, progress.
        """
        start = self._similarity_offset
        end = start + self._n_similarity
        coef = self._coef_t
        if not self._n_similarity:
            folded = np.zeros((len(self._similarity_vocabulary), coef.shape[1]))
        else:
            folded = self._similarity_matrix.T @ coef[start:end]
        return np.ascontiguousarray(np.vstack((coef[:start], folded, coef[end:])))

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
        low, high = self._word_range
        out: list[int] = []
        length = len(words)
        for n in range(low, min(high, length) + 1):
            if n == 1:
                grams: Iterable[str] = words
            else:  # the n-grams, as n shifted views of the words zipped together
                shifted = (words[k : length - n + 1 + k] for k in range(n))
                grams = map(" ".join, zip(*shifted, strict=True))
            out.extend(j for j in map(vocab.get, grams) if j is not None)
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

    def _indicator_columns(self, item: TaskInput) -> list[int]:
        """Columns (after the text block) of the context, plan and progress tokens.

        The tokens are unique (``indicator_tokens``), so each present column counts once.
        Inputs without a plan or calls are remembered by their context, which repeats across
        the tasks of one user, organisation or agent.
        """
        key = None
        if item.plan is None and not item.calls:
            key = frozenset(item.context.items())
            hit = self._indicator_cache.get(key)
            if hit is not None:
                return hit
        vocab = self._indicator_vocabulary
        offset = len(self._text_vocabulary)
        columns = sorted(vocab[t] + offset for t in indicator_tokens(item) if t in vocab)
        if key is not None and len(self._indicator_cache) < _CACHE_LIMIT:
            self._indicator_cache[key] = columns
        return columns

    def _features(self, item: TaskInput) -> Block:
        """The non-zero input columns and values of one input (the featurizer's layout).

        Columns index :attr:`_weights_by_input`: text n-grams, indicators, similarity words
        (their TF-IDF, which the folded coefficients turn into the similarity features),
        progress.
        """
        text_w, ind_w, sim_w, prog_w = self._weights
        lowered = _DIGITS.sub("0", item.task.lower())
        words = _WORD.findall(lowered)
        indices: list[int] = []
        values: list[float] = []
        norm = normalise_text(item.task) if self._char_range is not None else lowered
        _add_tfidf(indices, values, self._text_columns(norm, words), self._text_idf_list, text_w, 0)
        indicators = self._indicator_columns(item)
        indices.extend(indicators)
        values.extend([1.0 * ind_w] * len(indicators))
        if self._n_similarity:
            sim_words = self._similarity_words
            _add_tfidf(
                indices,
                values,
                [j for j in map(sim_words.get, words) if j is not None],
                self._similarity_idf_list,
                sim_w,
                self._similarity_offset,
            )
        if item.calls:
            indices.append(self._progress_column)
            values.append(math.log1p(len(item.calls)) * prog_w)
        return np.array(indices, dtype=np.int64), np.array(values, dtype=np.float64)

    @property
    def modelled(self) -> npt.NDArray[np.int64]:
        """Positions (in :attr:`scopes`) of the scopes with a fitted model; the others get
        their training base rate (:attr:`base_rate`)."""
        return self._modelled

    @property
    def base_rate(self) -> npt.NDArray[np.float64]:
        """Training base rate of each scope (the probability of the scopes not modelled)."""
        return self._base_rate

    def decision_row(self, item: TaskInput) -> npt.NDArray[np.float64]:
        """Linear scores of the modelled scopes for one input, shape (n_modelled,)."""
        idx, val = self._features(item)
        scores: npt.NDArray[np.float64] = val @ self._weights_by_input[idx] + self._intercept
        return scores

    def decision_function(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Linear scores of the modelled scopes, shape (n_inputs, n_modelled)."""
        Z = np.empty((len(inputs), len(self._modelled)), dtype=np.float64)
        for r, item in enumerate(inputs):
            Z[r] = self.decision_row(item)
        return Z

    def calibrate(self, Z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probabilities of the modelled scopes from their linear scores (same shape)."""
        if self.calibration == "sigmoid":
            return apply_sigmoid(Z, self._sigmoid[:, 0], self._sigmoid[:, 1])
        flat = Z.ndim == 1
        P = apply_isotonic(Z[None, :] if flat else Z, self._isotonic_x, self._isotonic_y)
        return P[0] if flat else P

    def predict_proba(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Shape (n_inputs, n_scopes); column ``j`` is P(``scopes[j]`` is needed)."""
        P = np.tile(self._base_rate, (len(inputs), 1))
        if len(self._modelled):
            P[:, self._modelled] = self.calibrate(self.decision_function(inputs))
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
