"""Tokens and TF-IDF weights of a task input, in pure Python and numpy.

Both the scikit-learn featurizer (``scopecast.features``) and the compact runtime model
(``scopecast.runtime``) turn a task into features with *these* functions, so the two paths
see exactly the same tokens and the same floating-point weights. Nothing here imports
scikit-learn, SciPy or pandas: this module is on the path that runs before every agent start.

Token kinds (each prefixed so that the kinds never collide in one vocabulary):

- task text: word n-grams (``w:``) and character n-grams inside word boundaries (``c:``)
  of :func:`normalise_text`, the words as :func:`text_words` splits them;
- context: ``key=value`` and one ``key~part`` per part of the value (parts are joined with
  ``+``, ``,``, ``;`` or ``|``; a plain value is one part), so ``domain=calendar+email`` says
  ``domain~calendar`` and ``domain~email``, as the single domains do, and a combination
  unseen in training still gets a signal;
- plan: ``plan_tool=...`` and ``plan_scope=...``;
- progress (the calls made so far): ``done_tool=...`` and ``done_scope=...``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scopecast.scoring import TaskInput

__all__ = [
    "TEXT_TOKENIZERS",
    "TOKENIZER_UNSPACED_BIGRAMS",
    "TOKENIZER_WORDS",
    "char_ngrams",
    "context_tokens",
    "indicator_tokens",
    "normalise_text",
    "plan_tokens",
    "progress_tokens",
    "text_tokens",
    "text_words",
    "tfidf_vector",
    "tokenizer_for",
    "word_ngrams",
]

_WORD = re.compile(r"(?u)\b\w+\b")

TOKENIZER_WORDS = 1
"""Every maximal run of ``\\w`` is a word: the only tokenizer before
:data:`TOKENIZER_UNSPACED_BIGRAMS`, and the one of a model that records none."""
TOKENIZER_UNSPACED_BIGRAMS = 2
"""As :data:`TOKENIZER_WORDS`, except that a run of letters of a script written without
spaces between words becomes its overlapping pairs of characters (:func:`text_words`)."""
TEXT_TOKENIZERS = (TOKENIZER_WORDS, TOKENIZER_UNSPACED_BIGRAMS)
"""The tokenizers this scopecast knows; a model recording another was made by a newer one."""

_UNSPACED_BLOCKS = (
    # Han (radicals, CJK symbols such as the iteration mark, unified and compatibility ideographs)
    "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U000323af"
    # Hiragana, Katakana (with its phonetic extensions and half-width forms), Kana supplements
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\U0001aff0-\U0001b16f"
    # Thai, Lao, Myanmar (with extensions A and B), Khmer (with its symbols)
    "\u0e00-\u0eff\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f\u1780-\u17ff\u19e0-\u19ff"
)
"""The Unicode blocks of the scripts written without spaces between words. Hangul is not
among them: Korean puts spaces between words, so its words stay whole, as Latin ones do."""
_MARKS = (
    # the combining marks (Mn, Mc, Me) of those blocks, as Unicode 14 lists them
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd"
    "\u102b-\u103e\u1056-\u1059\u105e-\u1060\u1062-\u1064\u1067-\u106d\u1071-\u1074"
    "\u1082-\u108d\u108f\u109a-\u109d\u17b4-\u17d3\u17dd\u302a-\u302f\u3099\u309a"
    "\ua9e5\uaa7b-\uaa7d"
    # combining marks of any script, variation selectors
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\U000e0100-\U000e01ef"
)
"""The marks that belong to the letter before them (a Thai vowel sign, a Japanese voicing
mark, a variation selector): a character of an unspaced script and the marks after it are
one character for :func:`text_words`. ``\\w`` leaves marks out, so a mark elsewhere (after a
Latin letter) is a separator, as it always was."""


@cache
def _unspaced_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns of :func:`text_words`, compiled on first use (a few milliseconds that a
    process reading ASCII tasks only never spends).

    The first finds a run of unspaced-script letters (group 1; each with its marks) or a run
    of the other word characters: both kinds of word, in the order of the text. The second
    cuts such a run into its letters, each with its marks.
    """
    return (
        re.compile(rf"((?:(?=\w)[{_UNSPACED_BLOCKS}][{_MARKS}]*)+)|[^\W{_UNSPACED_BLOCKS}]+"),
        re.compile(rf"[^{_MARKS}][{_MARKS}]*"),
    )


_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PART_SEPARATORS = re.compile(r"[+,;|]")


def normalise_text(text: str) -> str:
    """Lowercase, replace every run of digits by ``0`` and collapse white space.

    Numbers (dates, amounts, ids) vary between paraphrases of one task and carry little
    about which scopes it needs; masking them makes the vocabulary generalise.
    """
    return _SPACES.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def text_words(text: str, tokenizer: int) -> list[str]:
    """The words of ``text`` (normalised: :func:`normalise_text`) for a model's ``tokenizer``.

    :data:`TOKENIZER_WORDS`: every maximal run of ``\\w`` (letters, digits, ``_``).

    :data:`TOKENIZER_UNSPACED_BIGRAMS`: the same words, except for the scripts written without
    spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar), in which a run
    of ``\\w`` is a phrase or a sentence: "请把文件发送给张三" would be one word that never
    recurs. A run of letters of those scripts (each with its combining marks) becomes its
    overlapping pairs of letters, a single letter stays a word of its own, and the letters of
    other scripts next to it are words of their own: "请把report发送" gives "请把", "report",
    "发送". As Lucene's CJK bigram filter (Elasticsearch's ``cjk_bigram``) does, without a
    dictionary. Text without a letter of those scripts (ASCII text always) gets exactly the
    words of :data:`TOKENIZER_WORDS`.
    """
    if tokenizer == TOKENIZER_WORDS or text.isascii():
        words: list[str] = _WORD.findall(text)
        return words
    if tokenizer != TOKENIZER_UNSPACED_BIGRAMS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; expected one of {TEXT_TOKENIZERS}")
    words = []
    runs, letters_of = _unspaced_patterns()
    for match in runs.finditer(text):
        run = match.group(1)
        if run is None:
            words.append(match.group())
            continue
        letters = letters_of.findall(run)
        if len(letters) == 1:
            words.append(run)
        else:
            words.extend(a + b for a, b in pairwise(letters))
    return words


def tokenizer_for(texts: Iterable[str]) -> int:
    """The tokenizer a model trained on ``texts`` (normalised or not) records.

    :data:`TOKENIZER_UNSPACED_BIGRAMS` if it splits one of them otherwise than
    :data:`TOKENIZER_WORDS` does (a text with letters of an unspaced script), else
    :data:`TOKENIZER_WORDS`: on such texts the two give the same words, so the model is the
    same, and it is saved as before, in the format an older scopecast reads.
    """
    for text in texts:
        if not text.isascii():
            norm = normalise_text(text)
            if text_words(norm, TOKENIZER_WORDS) != text_words(norm, TOKENIZER_UNSPACED_BIGRAMS):
                return TOKENIZER_UNSPACED_BIGRAMS
    return TOKENIZER_WORDS


def word_ngrams(text: str, low: int, high: int, *, tokenizer: int) -> list[str]:
    """Word n-grams of ``text`` (already normalised) for n in ``[low, high]``, prefixed ``w:``.

    The words are those of :func:`text_words` for ``tokenizer``.
    """
    words = text_words(text, tokenizer)
    tokens: list[str] = []
    for n in range(low, high + 1):
        for start in range(len(words) - n + 1):
            tokens.append("w:" + " ".join(words[start : start + n]))
    return tokens


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries (each word padded with spaces), prefixed ``c:``.

    The same scheme as scikit-learn's ``analyzer="char_wb"``.
    """
    tokens: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if n > length:
                break
            for start in range(length - n + 1):
                tokens.append("c:" + padded[start : start + n])
    return tokens


def text_tokens(
    text: str,
    word_range: tuple[int, int],
    char_range: tuple[int, int] | None,
    *,
    tokenizer: int,
) -> list[str]:
    """All the text tokens of a task: word n-grams, then character n-grams if asked.

    ``tokenizer`` (:func:`text_words`) splits the words; the character n-grams are taken
    inside the white-space separated parts of the text whatever it is.
    """
    norm = normalise_text(text)
    tokens = word_ngrams(norm, word_range[0], word_range[1], tokenizer=tokenizer)
    if char_range is not None:
        tokens.extend(char_ngrams(norm, char_range[0], char_range[1]))
    return tokens


def context_tokens(context: Mapping[str, str]) -> list[str]:
    """``key=value`` for each context field, plus ``key~part`` for each part of its value.

    A plain value is its own only part, so ``domain=calendar`` also gives ``domain~calendar``,
    as ``domain=calendar+email`` does: a value keeps a weight of its own, and its parts share
    one between the value alone and every combination, so a combination never seen in
    training is read from parts the other tasks taught. (By grouped CV on the WorkBench
    train runs with whole domain combinations held out, this took the policy's cost per task
    from 1.07 to 0.81; with templates held out it was 0.458 before and 0.467 after.)
    """
    tokens: list[str] = []
    for key in sorted(context):
        value = context[key]
        tokens.append(f"{key}={value}")
        parts = [p.strip() for p in _PART_SEPARATORS.split(value) if p.strip()]
        tokens.extend(f"{key}~{part}" for part in parts)
    return tokens


def plan_tokens(plan: Iterable[tuple[str, Sequence[str]]] | None) -> list[str]:
    """``has_plan`` and the plan's tools and scopes; nothing when there is no plan."""
    if plan is None:
        return []
    tokens = ["has_plan"]
    for tool, scopes in plan:
        tokens.append(f"plan_tool={tool}")
        tokens.extend(f"plan_scope={scope}" for scope in scopes)
    return tokens


def progress_tokens(calls: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """The tools and scopes of the calls made so far (``has_calls`` when there is any)."""
    tokens: list[str] = []
    for tool, scopes in calls:
        tokens.append(f"done_tool={tool}")
        tokens.extend(f"done_scope={scope}" for scope in scopes)
    if tokens:
        tokens.append("has_calls")
    return tokens


def indicator_tokens(item: TaskInput) -> list[str]:
    """The indicator tokens (context, plan, progress) of one input, sorted, without duplicates.

    Shared by the scikit-learn featurizer and the numpy-only compact scorer, so that both
    build exactly the same columns.
    """
    plan = None if item.plan is None else ((s.tool, s.scopes) for s in item.plan)
    tokens = context_tokens(item.context)
    tokens += plan_tokens(plan)
    tokens += progress_tokens((c.tool, c.scopes) for c in item.calls)
    return sorted(set(tokens))


def tfidf_vector(
    tokens: Iterable[str],
    vocabulary: Mapping[str, int],
    idf: npt.NDArray[np.float64] | None,
    *,
    sublinear: bool = True,
    normalise: bool = True,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Sparse TF-IDF vector of ``tokens``: sorted column indices and their values.

    Tokens outside ``vocabulary`` are ignored. The term frequency is ``1 + ln(tf)`` when
    ``sublinear`` (else ``tf``), multiplied by ``idf`` (or 1 when ``idf`` is ``None``:
    binary-style counts) and scaled to unit L2 norm when ``normalise``.
    """
    counts = Counter(vocabulary[t] for t in tokens if t in vocabulary)
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    indices = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
    if sublinear:
        values = np.array([1.0 + math.log(counts[i]) for i in indices.tolist()], dtype=np.float64)
    else:
        values = np.array([float(counts[i]) for i in indices.tolist()], dtype=np.float64)
    if idf is not None:
        values = values * idf[indices]
    if normalise:
        norm = math.sqrt(float(np.dot(values, values)))
        if norm > 0.0:
            values = values / norm
    return indices, values
