"""Helpers of the compact scorer's features: vocabulary kinds and TF-IDF of a bag of columns.

Plain Python over tens of columns per task (numpy's per-call cost would dominate), with the
definitions of :func:`scopecast._task_tokens.tfidf_vector`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["add_tfidf", "strip_kind"]


def strip_kind(vocabulary: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The entries of one token kind (``w:`` or ``c:``), keyed without their prefix."""
    n = len(prefix)
    return {token[n:]: i for token, i in vocabulary.items() if token.startswith(prefix)}


def add_tfidf(
    columns: list[int], values: list[float], bag: list[int], idf: list[float], weight: float
) -> None:
    """Append the sublinear TF-IDF of a bag of columns, at unit L2 norm, times ``weight``.

    As ``tfidf_vector``: ``(1 + ln(tf)) * idf`` divided by the norm, the columns in any
    order (they only index coefficient rows). A task has tens of columns, so plain Python
    floats beat numpy's per-call cost here; ``1 + ln(1)`` is exactly 1, so the counts are
    taken only when a column repeats.
    """
    if not bag:
        return
    if len(set(bag)) == len(bag):
        unique = bag
        tfidf = [idf[c] for c in bag]
    else:
        counts: dict[int, int] = {}
        for c in bag:
            counts[c] = counts.get(c, 0) + 1
        unique = list(counts)
        tfidf = [idf[c] * (1.0 + math.log(n)) if n > 1 else idf[c] for c, n in counts.items()]
    norm = math.hypot(*tfidf)
    if norm > 0.0:
        tfidf = [v / norm for v in tfidf]
    if weight != 1.0:
        tfidf = [v * weight for v in tfidf]
    columns += unique
    values += tfidf
