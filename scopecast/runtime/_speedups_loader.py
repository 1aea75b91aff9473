"""The optional C speedups of the compact scorer: loading them and handing them a model.

``scopecast.runtime._speedups`` (``_speedups.c``) is compiled when the package is installed
on a machine with a C compiler and Python's headers (the build hook ``hatch_build.py``, or
``python hatch_build.py`` in a checkout); without it every feature is computed in Python,
with the same results to within rounding (tests compare the two paths on every model the
suite trains). ``SCOPECAST_NO_SPEEDUPS=1`` makes a scorer loaded afterwards ignore a built
module: to compare the paths, or to rule the C code out when hunting a problem. A module
compiled from another version of the source (an in-place build left behind after an edit) is
not used either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["API_VERSION", "speedups", "text_vocabulary"]

API_VERSION = 1
"""The ``API_VERSION`` of ``_speedups.c`` that this Python code calls."""


def speedups() -> ModuleType | None:
    """The compiled module, or ``None`` (not built, out of date, or ``SCOPECAST_NO_SPEEDUPS``).

    Read when a compact scorer is built (not at import), so the variable can be set later.
    """
    if os.environ.get("SCOPECAST_NO_SPEEDUPS", "") not in ("", "0"):
        return None
    try:
        from scopecast.runtime import _speedups
    except ImportError:  # not built here: the Python path is used
        return None
    return _speedups if getattr(_speedups, "API_VERSION", None) == API_VERSION else None


def text_vocabulary(
    module: ModuleType,
    unigrams: Mapping[str, int],
    similar: Mapping[str, int],
    bigrams: Mapping[tuple[str, ...], int],
    idf_squared: list[float],
) -> Any:
    """The rows of a model's words and word pairs as the C module's ``TextVocabulary``.

    Every word of a unigram, a similarity word or a bigram, once, with its unigram and
    similarity rows (0: none); each bigram as the positions of its two words. Words that are
    not ASCII are left out: an ASCII task (the only kind the C path reads) never has them.
    """
    position: dict[str, int] = {}
    words: list[list[Any]] = []

    def index(word: str) -> int:
        k = position.get(word)
        if k is None:
            k = position[word] = len(words)
            words.append([word.encode("ascii"), 0, 0])
        return k

    for word, row in unigrams.items():
        if word.isascii():
            words[index(word)][1] = int(row)
    for word, row in similar.items():
        if word.isascii():
            words[index(word)][2] = int(row)
    pairs = [
        (index(key[0]), index(key[1]), int(row))
        for key, row in bigrams.items()
        if len(key) == 2 and key[0].isascii() and key[1].isascii()
    ]
    make: Callable[..., Any] = module.TextVocabulary
    return make([tuple(w) for w in words], pairs, idf_squared)
