"""The compact scorer's inputs as rows of one coefficient matrix: a task in a few list operations.

A linear model's score is ``intercept + sum_j x_j * coef[j]``. The compact scorer lays its
coefficients out as one matrix whose rows are what a task can contribute, each already
multiplied by everything that does not depend on the task:

- row 0: the intercept (every task contributes it, with value 1);
- the text n-grams, each times its idf and the text block's weight;
- the indicators (context, plan, progress tokens), times the indicator weight;
- the words of the similarity block, each times its idf and the similarity weight: the
  block's coefficients folded into its words (``(S @ v) @ C == v @ (S.T @ C)``, ``S`` the
  scope documents by word, ``v`` the task's word TF-IDF), one row per word;
- the progress feature, times its weight.

So that a task's features are only *which rows* and a factor for each: 1 for the intercept
and the indicators, ``(1 + ln tf) / norm`` for a TF-IDF block (``norm`` its L2 norm), and
``log1p(calls)`` for progress. :meth:`InputRows.features` finds them in plain Python:
dictionary lookups mapped over the task's words in C, no token strings built, no numpy call
(numpy's per-call cost exceeds the work on tens of rows). No token has row 0, so the rows
found are filtered from the misses (``None``) with ``filter(None, ...)``.

Where the C speedups are built (:mod:`scopecast.runtime._speedups_loader`), an ASCII task's
text and similarity blocks are found in C instead, and :meth:`InputRows.linear` also sums
the rows of the matrix there, in one call; the Python path stays for every other case and
agrees with it to within rounding (``tests/runtime/test_speedups.py``). An ASCII task has no
letter of a script written without spaces, so both tokenizers
(:func:`scopecast._task_tokens.text_words`) give it the same words and the C code need not
know which one the model uses.

The features are those of :mod:`scopecast._task_tokens`, which the scikit-learn featurizer
uses too (``tests/compact_equality.py`` checks the probabilities on every trained model).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from operator import itemgetter
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from scopecast._task_tokens import (
    context_tokens,
    normalise_text,
    plan_tokens,
    progress_tokens,
    text_words,
)
from scopecast.runtime._speedups_loader import speedups, text_vocabulary
from scopecast.scoring import TaskInput

__all__ = ["Features", "InputRows", "add_tfidf", "repeats", "strip_kind", "task_words"]

_Token = TypeVar("_Token", int, str)

Features = tuple[list[int], list[float]]
"""Rows of :attr:`InputRows.matrix` and the factor of each, for one input."""

_DIGITS = re.compile(r"\d+")  # as in normalise_text (the words do not need its spacing)
_ASCII_WORDS = bytes(
    48 if 48 <= c <= 57 else c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or c == 95 else 32
    for c in range(256)
)
"""Byte translation: digits to ``0``, upper case to lower, ``[a-z_]`` kept, any other byte
a space (the ASCII ``\\w`` is ``[A-Za-z0-9_]``)."""
_CACHE_LIMIT = 20_000
"""Words (character n-gram rows) and context pairs (indicator rows) remembered."""


def strip_kind(vocabulary: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The entries of one token kind (``w:`` or ``c:``), keyed without their prefix."""
    n = len(prefix)
    return {token[n:]: i for token, i in vocabulary.items() if token.startswith(prefix)}


def task_words(task: str, tokenizer: int) -> list[str]:
    """The words of a task as the featurizer sees them: lowercased, digit runs as ``0``.

    :func:`~scopecast._task_tokens.text_words` for ``tokenizer`` over ``normalise_text``'s
    lowercasing and digit masking (its spacing does not change the words). An ASCII task
    (nearly all; both tokenizers give it the same words, maximal runs of ``\\w``) takes a
    faster way to the same words: one byte translation
    lowercases it, turns every digit into ``0`` and every character outside
    ``[a-z0-9_]`` (the ASCII ``\\w``) into a space; halving runs of ``0`` leaves one ``0``
    per run of digits, and ``split`` cuts the words.
    """
    if not task.isascii():
        return text_words(_DIGITS.sub("0", task.lower()), tokenizer)
    spaced = task.encode("ascii").translate(_ASCII_WORDS)
    while b"00" in spaced:
        spaced = spaced.replace(b"00", b"0")
    return spaced.decode("ascii").split()


def repeats(bag: list[_Token]) -> dict[_Token, int]:
    """The items of ``bag`` that occur more than once, with their counts."""
    seen: set[_Token] = set()
    add = seen.add
    again = [t for t in bag if t in seen or add(t)]  # every occurrence after the first
    return {t: again.count(t) + 1 for t in set(again)}


def add_tfidf(
    rows: list[int],
    values: list[float],
    bag: list[int],
    repeated: dict[int, int] | None,
    idf_squared: list[float],
) -> None:
    """Append the rows of a bag of tokens with their sublinear TF-IDF factors at unit norm.

    As :func:`scopecast._task_tokens.tfidf_vector`: ``(1 + ln(tf)) * idf`` divided by the
    L2 norm, where the idf is already in the rows, so that each row's factor is
    ``(1 + ln(tf)) / norm``. Every occurrence in ``bag`` is appended with factor
    ``1 / norm``; a row found ``c > 1`` times (``repeated``) is appended once more with
    ``(1 + ln(c) - c) / norm``, so that its factors add up to ``(1 + ln(c)) / norm``, and
    its ``c`` occurrences' squares in the norm are corrected the same way. Most tasks
    repeat no row, and then this is one sum and one factor for the whole bag.
    """
    square = sum(itemgetter(*bag)(idf_squared)) if len(bag) > 1 else idf_squared[bag[0]]
    rows += bag
    if not repeated:
        values += [1.0 / math.sqrt(square) if square > 0.0 else 0.0] * len(bag)
        return
    extra = []
    for r, c in repeated.items():
        tf = 1.0 + math.log(c)
        square += (tf * tf - c) * idf_squared[r]
        extra.append(tf - c)
    rows += repeated
    inverse = 1.0 / math.sqrt(square) if square > 0.0 else 0.0
    values += [inverse] * len(bag)
    values += [k * inverse for k in extra]


class InputRows:
    """The rows of a compact model's inputs, and the rows and factors of one input.

    Parameters
    ----------
    vocabularies : sequence of three mappings
        Token to column of the text, indicator and similarity blocks (the featurizer's).
    word_range, char_range : tuple of int
        The word and character n-gram ranges (``char_range`` ``None``: no character n-grams).
    weights : tuple of four floats
        The text, indicator, similarity and progress blocks' weights.
    tokenizer : int
        How the task text is split into words (:func:`scopecast._task_tokens.text_words`).
    text_idf, similarity_idf : ndarray of float
        The idf of each text and similarity column.
    coef : ndarray of float, shape (n_features, n_modelled)
        The coefficients of the featurizer's columns (text, indicators, similarity
        features, progress), transposed.
    similarity_matrix : ndarray of float, shape (n_similarity, n_similarity_words)
        The scope documents by word (ignored when there are no similarity features).
    intercept : ndarray of float, shape (n_modelled,)
        The intercepts.
    """

    def __init__(
        self,
        vocabularies: Sequence[Mapping[str, int]],
        word_range: tuple[int, int],
        char_range: tuple[int, int] | None,
        weights: tuple[float, float, float, float],
        tokenizer: int,
        text_idf: npt.NDArray[np.float64],
        similarity_idf: npt.NDArray[np.float64],
        coef: npt.NDArray[np.float64],
        similarity_matrix: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
    ) -> None:
        text, indicators, similarity = vocabularies
        n_text, n_indicators, n_words = len(text), len(indicators), len(similarity)
        n_similarity = coef.shape[0] - n_text - n_indicators - 1
        self._word_range = word_range
        self._char_range = char_range
        self._tokenizer = tokenizer
        words = strip_kind(text, "w:")
        self._unigrams = {t: j + 1 for t, j in words.items() if " " not in t}
        self._ngrams = {tuple(t.split(" ")): j + 1 for t, j in words.items() if " " in t}
        self._chars = {t: j + 1 for t, j in strip_kind(text, "c:").items()}
        self._indicators = {t: j + 1 + n_text for t, j in indicators.items()}
        start = 1 + n_text + n_indicators
        self._similar = (
            {t: j + start for t, j in strip_kind(similarity, "w:").items()} if n_similarity else {}
        )
        self._progress = start + n_words
        self._idf2: list[float] = np.square(
            np.concatenate(([0.0], text_idf, np.ones(n_indicators), similarity_idf, [1.0]))
        ).tolist()
        text_w, ind_w, sim_w, prog_w = weights
        end = n_text + n_indicators
        if n_similarity:
            folded = similarity_matrix.T @ coef[end : end + n_similarity]
        else:
            folded = np.zeros((n_words, coef.shape[1]))
        scale = np.concatenate(
            (
                [1.0],
                text_idf * text_w,
                np.full(n_indicators, ind_w),
                similarity_idf * sim_w,
                [prog_w],
            )
        )
        self.matrix: npt.NDArray[np.float64] = np.ascontiguousarray(
            np.vstack((intercept[None, :], coef[:end], folded, coef[-1:])) * scale[:, None]
        )
        """Row 0 the intercept, then one row per text, indicator and similarity-word column
        and the progress row, each times its idf and block weight."""
        self._char_cache: dict[str, list[int]] = {}
        self._context_cache: dict[tuple[str, str], list[int]] = {}
        low, high = word_range
        self._is_plain = char_range is None and high <= 2
        if low > 1:
            self._unigrams = {}
        self._has_bigrams = low <= 2 <= high
        self._fast_text: Callable[[str], Features | None] | None = None
        """The C speedups' rows of an ASCII task's text and similarity blocks (``None``:
        the settings are not the usual ones, or the speedups are not built)."""
        self._fast_linear: Callable[..., bool] | None = None
        """The same rows times the matrix, summed in C (see :meth:`linear`)."""
        module = speedups() if self._is_plain else None
        if module is not None:
            bigrams = self._ngrams if self._has_bigrams else {}
            vocabulary = text_vocabulary(module, self._unigrams, self._similar, bigrams, self._idf2)
            self._fast_text = vocabulary.rows
            self._fast_linear = vocabulary.linear

    def features(self, item: TaskInput) -> Features:
        """The rows of :attr:`matrix` that ``item`` contributes, and the factor of each.

        With the usual settings and an ASCII task, the text and similarity blocks come
        from the C speedups (:mod:`scopecast.runtime._speedups`, when built); otherwise,
        and whenever they return ``None``, from :meth:`_python_features`.
        """
        fast = self._fast_text
        found = None if fast is None else fast(item.task)
        if found is None:
            return self._python_features(item)
        rows, values = found
        n = len(rows)
        self._add_indicators(rows, item)
        values += [1.0] * (len(rows) - n)
        if item.calls:
            rows.append(self._progress)
            values.append(math.log1p(len(item.calls)))
        return rows, values

    def linear(
        self, item: TaskInput, matrix: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64] | None:
        """``factors @ matrix[rows]`` for ``item``'s :meth:`features`, summed in C, or ``None``.

        ``None`` when the C speedups cannot do it (not built, other settings, a task that
        is not ASCII): the caller then gathers and multiplies :meth:`features` itself. The
        C loop adds the rows in another order than numpy's product, so the two agree to
        within rounding (about 1e-16), not bit for bit.
        """
        fast = self._fast_linear
        if fast is None or not item.task.isascii():
            return None
        indicators: list[int] = []
        self._add_indicators(indicators, item)
        calls = item.calls
        progress = (self._progress, math.log1p(len(calls))) if calls else (0, 0.0)
        out = np.empty(matrix.shape[1])
        return out if fast(item.task, indicators, *progress, matrix, out) else None

    def _python_features(self, item: TaskInput) -> Features:
        """:meth:`features` in Python, for any settings and any task."""
        words = task_words(item.task, self._tokenizer)
        rows = [0]
        values = [1.0]
        # the repeated words (most tasks have none), from which the repeated rows follow
        again = repeats(words) if len(set(words)) != len(words) else None
        if self._is_plain:  # word unigrams and bigrams only, inline (the usual settings)
            unigrams = self._unigrams
            bag = [*filter(None, map(unigrams.get, words))] if unigrams else []
            repeated = None
            if again and bag:  # distinct words have distinct rows
                repeated = {unigrams[w]: c for w, c in again.items() if w in unigrams}
            if self._has_bigrams:
                pairs = [*filter(None, map(self._ngrams.get, pairwise(words)))]
                if again and len(set(pairs)) != len(pairs):  # a bigram repeats only if words do
                    repeated = {**(repeated or {}), **repeats(pairs)}
                bag += pairs
        else:
            bag, repeated = self._text_rows(item.task, words, again)
        if bag:
            add_tfidf(rows, values, bag, repeated, self._idf2)
        n = len(rows)
        self._add_indicators(rows, item)
        values += [1.0] * (len(rows) - n)
        similar_words = self._similar
        if similar_words:
            similar = [*filter(None, map(similar_words.get, words))]
            if similar:
                repeated = None
                if again:  # distinct words have distinct rows
                    repeated = {similar_words[w]: c for w, c in again.items() if w in similar_words}
                add_tfidf(rows, values, similar, repeated, self._idf2)
        if item.calls:
            rows.append(self._progress)
            values.append(math.log1p(len(item.calls)))
        return rows, values

    def _add_indicators(self, rows: list[int], item: TaskInput) -> None:
        """Append the rows of the context, plan and progress tokens, once each."""
        n = len(rows)
        cache = self._context_cache
        for pair in item.context.items():
            hit = cache.get(pair)
            rows += self._context_rows(pair) if hit is None else hit
        if item.plan is not None or item.calls:
            self._add_plan_and_calls(rows, n, item)
        # else: the context pairs have distinct keys, so their tokens are distinct

    def _text_rows(
        self, task: str, words: list[str], again: dict[str, int] | None
    ) -> tuple[list[int], dict[int, int] | None]:
        """Rows of the word and character n-grams of a task (with repeats), and the repeated.

        The same tokens as :func:`scopecast._task_tokens.text_tokens`, looked up without
        building their strings: a word n-gram is looked up as the tuple of its words, a
        word's character n-gram rows are cached. ``again`` are the repeated words: a word
        n-gram can repeat only if its words do.
        """
        low, high = self._word_range
        length = len(words)
        out: list[int] = []
        repeated: dict[int, int] | None = None
        if low <= 1 <= high:
            unigrams = self._unigrams
            out = [*filter(None, map(unigrams.get, words))]
            if again:  # distinct words have distinct rows
                repeated = {unigrams[w]: c for w, c in again.items() if w in unigrams}
        for n in range(max(low, 2), min(high, length) + 1):
            shifted = [words[k:] for k in range(n)]  # zip stops at the shortest, words[n-1:]
            ngrams = [*filter(None, map(self._ngrams.get, zip(*shifted, strict=False)))]
            if again and len(set(ngrams)) != len(ngrams):
                repeated = {**(repeated or {}), **repeats(ngrams)}
            out += ngrams
        if self._char_range is not None:
            cache = self._char_cache
            for word in normalise_text(task).split():
                hit = cache.get(word)
                if hit is None:
                    hit = self._char_rows(word)
                    if len(cache) < _CACHE_LIMIT:
                        cache[word] = hit
                out += hit
            repeated = repeats(out)
        return out, repeated

    def _char_rows(self, word: str) -> list[int]:
        """Rows of the character n-grams of one word (padded with spaces), with repeats."""
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

    def _context_rows(self, pair: tuple[str, str]) -> list[int]:
        """Rows of the tokens of one context ``key=value`` pair, once each (remembered).

        Context tokens depend on one pair at a time (``context_tokens``), so each pair's
        rows are model constants, like the vocabulary: users, organisations, domains and
        agents repeat across tasks.
        """
        hit = self._token_rows(context_tokens(dict((pair,))))
        if len(self._context_cache) < _CACHE_LIMIT:
            self._context_cache[pair] = hit
        return hit

    def _add_plan_and_calls(self, rows: list[int], start: int, item: TaskInput) -> None:
        """Append the rows of the plan and progress tokens, keeping ``rows[start:]`` (the
        indicators) once each, as :func:`scopecast._task_tokens.indicator_tokens` does."""
        found = rows[start:]
        if item.plan is not None:
            found += self._token_rows(plan_tokens((s.tool, s.scopes) for s in item.plan))
        if item.calls:
            found += self._token_rows(progress_tokens((c.tool, c.scopes) for c in item.calls))
        rows[start:] = set(found)

    def _token_rows(self, tokens: list[str]) -> list[int]:
        """Rows of the indicator tokens in the vocabulary, once each."""
        return list(set(filter(None, map(self._indicators.get, tokens))))
