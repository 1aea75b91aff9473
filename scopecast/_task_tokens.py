"""Tokens and TF-IDF weights of a task input, in pure Python and numpy.

Both the scikit-learn featurizer (``scopecast.features``) and the compact runtime model
(``scopecast.runtime``) turn a task into features with *these* functions, so the two paths
see exactly the same tokens and the same floating-point weights. Nothing here imports
scikit-learn, SciPy or pandas: this module is on the path that runs before every agent start.

Token kinds (each prefixed so that the kinds never collide in one vocabulary):

- task text: word n-grams (``w:``) and character n-grams inside word boundaries (``c:``)
  of :func:`normalise_text`;
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
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scopecast.scoring import TaskInput

__all__ = [
    "char_ngrams",
    "context_tokens",
    "indicator_tokens",
    "normalise_text",
    "plan_tokens",
    "progress_tokens",
    "text_tokens",
    "tfidf_vector",
    "word_ngrams",
]

_WORD = re.compile(r"(?u)\b\w+\b")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PART_SEPARATORS = re.compile(r"[+,;|]")


def normalise_text(text: str) -> str:
    """Lowercase, replace every run of digits by ``0`` and collapse white space.

    Numbers (dates, amounts, ids) vary between paraphrases of one task and carry little
    about which scopes it needs; masking them makes the vocabulary generalise.
    """
    return _SPACES.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Word n-grams of ``text`` (already normalised) for n in ``[low, high]``, prefixed ``w:``."""
    words = _WORD.findall(text)
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
    text: str, word_range: tuple[int, int], char_range: tuple[int, int] | None
) -> list[str]:
    """All the text tokens of a task: word n-grams, then character n-grams if asked."""
    norm = normalise_text(text)
    tokens = word_ngrams(norm, word_range[0], word_range[1])
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
