"""The compact scorer's fast word splitting gives the featurizer's words exactly.

:func:`scopecast.runtime._compact_rows.task_words` takes a byte-translation shortcut for
ASCII tasks; it must give the words of :func:`scopecast._task_tokens.word_ngrams` over
:func:`scopecast._task_tokens.normalise_text` for every task, ASCII or not, with either
tokenizer (:func:`scopecast._task_tokens.text_words`).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast._task_tokens import TEXT_TOKENIZERS, normalise_text, word_ngrams
from scopecast.runtime._compact_rows import repeats, task_words


def _featurizer_words(task: str, tokenizer: int) -> list[str]:
    return [token[2:] for token in word_ngrams(normalise_text(task), 1, 1, tokenizer=tokenizer)]


@pytest.mark.parametrize("tokenizer", TEXT_TOKENIZERS)
def test_task_words_equal_the_featurizer_words_on_every_ascii_pair(tokenizer: int) -> None:
    chars = [chr(c) for c in range(128)]
    for a, b in itertools.product(chars, chars):
        for task in (a + b, f"x{a}{b}9", f"{a}00{b}1"):
            assert task_words(task, tokenizer) == _featurizer_words(task, tokenizer), repr(task)


_UNSPACED = "发送邮件张三をルーｶส่งีເມ្ញ\u3099\u0e31"
"""Han, Kana (half-width too), Thai, Lao, Khmer letters and marks."""


@given(
    st.text(alphabet=st.sampled_from("aZ_09 -.,!\t\n0éÜ²٣ß３\u0301İ📧" + _UNSPACED), max_size=40)
    | st.text(),
    st.sampled_from(TEXT_TOKENIZERS),
)
def test_task_words_equal_the_featurizer_words(task: str, tokenizer: int) -> None:
    assert task_words(task, tokenizer) == _featurizer_words(task, tokenizer)


def test_repeats_counts_the_items_found_more_than_once() -> None:
    assert repeats(["the", "a", "the", "b", "the", "a"]) == {"the": 3, "a": 2}
    assert repeats([3, 1, 2]) == {}
