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
from scopecast._task_tokens import context_tokens, normalise_text, plan_tokens, progress_tokens
from scopecast.exceptions import ArtifactError
from scopecast.runtime._compact_tfidf import add_tfidf, strip_kind
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

_WORD = re.compile(r"\w+")  # the words of scopecast._task_tokens (maximal runs of \w)
_DIGITS = re.compile(r"\d+")  # as in normalise_text (the words do not need its spacing)
_CACHE_LIMIT = 20_000
"""Words (character n-gram columns) and context pairs (indicator columns) remembered."""


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
        words = strip_kind(self._text_vocabulary, "w:")
        self._unigrams = {t: j for t, j in words.items() if " " not in t}
        self._ngrams = {tuple(t.split(" ")): j for t, j in words.items() if " " in t}
        self._chars = strip_kind(self._text_vocabulary, "c:")
        self._char_cache: dict[str, list[int]] = {}
        self._context_cache: dict[tuple[str, str], list[int]] = {}
        n_text, n_indicators = len(self._text_vocabulary), len(self._indicator_vocabulary)
        self._similarity_offset = n_text + n_indicators
        self._similarity_words = {
            t: j + self._similarity_offset
            for t, j in strip_kind(self._similarity_vocabulary, "w:").items()
        }
        self._progress_column = self._similarity_offset + len(self._similarity_vocabulary)
        self._check_shapes()
        self._weights_by_input = self._fold_similarity()
        # the idf of each input column (text, similarity; 1 for the indicators)
        self._bag_idf: list[float] = np.concatenate(
            (self._text_idf, np.ones(n_indicators), self._similarity_idf)
        ).tolist()
        platt = self._sigmoid if self.calibration == "sigmoid" else np.zeros((0, 2))
        self._sigmoid_a = np.ascontiguousarray(platt[:, 0])
        self._sigmoid_b = np.ascontiguousarray(platt[:, 1])

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
        building their strings: a word n-gram is looked up as the tuple of its words (whose
        hashes Python has already computed), a word's character n-gram columns are cached.
        """
        low, high = self._word_range
        length = len(words)
        out: list[int] = []
        if low <= 1 <= high:
            out = [j for j in map(self._unigrams.get, words) if j is not None]
        ngrams = self._ngrams
        for n in range(max(low, 2), min(high, length) + 1):
            shifted = [words[k : length - n + 1 + k] for k in range(n)]
            out += [j for j in map(ngrams.get, zip(*shifted, strict=True)) if j is not None]
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
        """Columns (after the text block) of the context, plan and progress tokens, once each.

        The same tokens as :func:`scopecast._task_tokens.indicator_tokens`, each counted once.
        Context tokens depend on one ``key=value`` pair at a time (``context_tokens``), so
        each pair's columns are remembered: users, organisations, domains and agents repeat
        across tasks.
        """
        cache = self._context_cache
        columns: list[int] = []
        for pair in item.context.items():
            hit = cache.get(pair)
            if hit is None:
                hit = list(set(self._token_columns(context_tokens(dict((pair,))))))
                if len(cache) < _CACHE_LIMIT:
                    cache[pair] = hit
            columns.extend(hit)
        if item.plan is None and not item.calls:
            return columns  # the pairs have distinct keys, so their tokens are distinct
        if item.plan is not None:
            columns.extend(self._token_columns(plan_tokens((s.tool, s.scopes) for s in item.plan)))
        if item.calls:
            columns.extend(
                self._token_columns(progress_tokens((c.tool, c.scopes) for c in item.calls))
            )
        return list(set(columns))

    def _token_columns(self, tokens: list[str]) -> list[int]:
        vocab = self._indicator_vocabulary
        offset = len(self._text_vocabulary)
        return [vocab[t] + offset for t in tokens if t in vocab]

    def _features(self, item: TaskInput) -> Block:
        """The non-zero input columns and values of one input, as arrays."""
        columns: list[int] = []
        values: list[float] = []
        self._add_features(item, columns, values)
        return np.array(columns, dtype=np.int64), np.array(values, dtype=np.float64)

    def _add_features(self, item: TaskInput, columns: list[int], values: list[float]) -> None:
        """Append the non-zero input columns and values of one input (the featurizer's layout).

        Columns index :attr:`_weights_by_input`: text n-grams, indicators, similarity words
        (their TF-IDF, which the folded coefficients turn into the similarity features),
        progress. Each block is scaled by its weight.
        """
        text_w, ind_w, sim_w, prog_w = self._weights
        lowered = _DIGITS.sub("0", item.task.lower())
        words = _WORD.findall(lowered)
        norm = normalise_text(item.task) if self._char_range is not None else lowered
        idf = self._bag_idf
        add_tfidf(columns, values, self._text_columns(norm, words), idf, text_w)
        indicators = self._indicator_columns(item)
        columns += indicators
        values += [1.0 * ind_w] * len(indicators)
        if self._n_similarity:
            similar = [j for j in map(self._similarity_words.get, words) if j is not None]
            add_tfidf(columns, values, similar, idf, sim_w)
        if item.calls:
            columns.append(self._progress_column)
            values.append(math.log1p(len(item.calls)) * prog_w)

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
        """Linear scores of the modelled scopes, shape (n_inputs, n_modelled).

        One input at a time (:meth:`decision_row`): the featurization in Python dominates,
        and the gathered coefficient rows of one input stay in cache (scoring many inputs
        with one gather was measured slower).
        """
        Z = np.empty((len(inputs), len(self._modelled)), dtype=np.float64)
        for r, item in enumerate(inputs):
            Z[r] = self.decision_row(item)
        return Z

    def calibrate(self, Z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probabilities of the modelled scopes from their linear scores (same shape)."""
        if self.calibration == "sigmoid":
            return apply_sigmoid(Z, self._sigmoid_a, self._sigmoid_b)
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
