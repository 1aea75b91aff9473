"""The words of the scripts written without spaces: overlapping pairs of letters.

:func:`scopecast._task_tokens.text_words` with the unspaced-bigram tokenizer splits a run of
Han, Kana, Thai, Lao, Khmer or Myanmar letters into its pairs of letters (each letter with its
combining marks) and gives every other word exactly as the tokenizer of old (every run of
``\\w``) does.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast._task_tokens import (
    _UNSPACED_BLOCKS,
    TOKENIZER_UNSPACED_BIGRAMS,
    TOKENIZER_WORDS,
    normalise_text,
    text_tokens,
    text_words,
    tokenizer_for,
)

_IN_BLOCKS = re.compile(f"[{_UNSPACED_BLOCKS}]")
_WORD_CHARACTER = re.compile(r"\w")


def _bigram_words(text: str) -> list[str]:
    return text_words(normalise_text(text), TOKENIZER_UNSPACED_BIGRAMS)


def _old_words(text: str) -> list[str]:
    return text_words(normalise_text(text), TOKENIZER_WORDS)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("请把文件发送给张三", ["请把", "把文", "文件", "件发", "发送", "送给", "给张", "张三"]),
        ("发", ["发"]),
        ("发 送。邮件", ["发", "送", "邮件"]),
        # other scripts next to Han letters are words of their own
        ("请把Report.pdf发送给Bob", ["请把", "report", "pdf", "发送", "送给", "bob"]),
        # digits (full-width ones too) are masked to 0 first, and are words of their own
        ("发送３封邮件", ["发送", "0", "封邮", "邮件"]),
        ("发送2025年的报告", ["发送", "0", "年的", "的报", "报告"]),
        # Kana and Han are one run; the prolonged sound mark is a letter
        ("メールを送信する", ["メー", "ール", "ルを", "を送", "送信", "信す", "する"]),
        ("ｶﾀｶﾅ", ["ｶﾀ", "ﾀｶ", "ｶﾅ"]),  # half-width Katakana
        # a voicing mark belongs to the letter before it
        ("か\u3099き", ["か\u3099き"]),
        # Thai: a vowel sign or tone mark belongs to its consonant (\w leaves marks out)
        ("ส่งอีเมล", ["ส่ง", "งอี", "อีเ", "เม", "มล"]),
        ("ສົ່ງອີເມວ", ["ສົ່ງ", "ງອີ", "ອີເ", "ເມ", "ມວ"]),  # Lao
        ("ផ្ញើអ៊ីមែល", ["ផ្ញើ", "ញើអ៊ី", "អ៊ីមែ", "មែល"]),  # Khmer
        ("မေးလ်ပို့", ["မေးလ်", "လ်ပို့"]),  # Myanmar: three letters with their signs
        # an emoji or punctuation is a separator, as it always was
        ("发送📧邮件", ["发送", "邮件"]),
        ("「预算」和『报告』", ["预算", "和", "报告"]),
        # Korean is written with spaces: its words stay whole
        ("파일을 만들어 주세요", ["파일을", "만들어", "주세요"]),
        # a combining mark after a Latin letter still separates, as before
        ("cafe\u0301 ok", ["cafe", "ok"]),
        ("", []),
    ],
)
def test_words_of_unspaced_scripts(text: str, words: list[str]) -> None:
    assert _bigram_words(text) == words


def test_the_word_ngrams_are_pairs_of_those_words() -> None:
    assert text_tokens("发送邮件给Bob", (1, 2), None, tokenizer=TOKENIZER_UNSPACED_BIGRAMS) == [
        "w:发送",
        "w:送邮",
        "w:邮件",
        "w:件给",
        "w:bob",
        "w:发送 送邮",
        "w:送邮 邮件",
        "w:邮件 件给",
        "w:件给 bob",
    ]
    # the character n-grams do not depend on the tokenizer
    assert (
        text_tokens("发送 邮件", (1, 1), (2, 3), tokenizer=TOKENIZER_UNSPACED_BIGRAMS)[2:]
        == text_tokens("发送 邮件", (1, 1), (2, 3), tokenizer=TOKENIZER_WORDS)[2:]
    )


def test_the_old_tokenizer_reads_a_run_as_one_word() -> None:
    assert _old_words("请把文件发送给张三") == ["请把文件发送给张三"]
    assert _old_words("请把Report.pdf发送给Bob") == ["请把report", "pdf发送给bob"]


def test_an_unknown_tokenizer_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tokenizer 3"):
        text_words("发送", 3)


@pytest.mark.parametrize(
    ("texts", "tokenizer"),
    [
        (["Send the report to Bob", "Envoie le résumé à Zoë", "파일을 만들어"], TOKENIZER_WORDS),
        (["发", "送 信"], TOKENIZER_WORDS),  # single letters: the same words either way
        (["Send it", "发送邮件"], TOKENIZER_UNSPACED_BIGRAMS),
        (["ส่ง"], TOKENIZER_UNSPACED_BIGRAMS),  # the old words drop the tone mark
        (["report发"], TOKENIZER_UNSPACED_BIGRAMS),
        ([], TOKENIZER_WORDS),
    ],
)
def test_the_tokenizer_a_model_records(texts: list[str], tokenizer: int) -> None:
    assert tokenizer_for(texts) == tokenizer


_MIXED = st.text(
    alphabet=st.sampled_from(
        "ab Z_09３٣ .,\t-发送邮件张三をルーｶส่งีເມ្ញ파일\u0301\u0e31\u3099\ufe00📧👍🏽\u200b"
    ),
    max_size=40,
)


@given(st.text())
def test_text_without_unspaced_letters_gets_the_old_words(text: str) -> None:
    plain = _IN_BLOCKS.sub("", text)
    assert _bigram_words(plain) == _old_words(plain)
    assert tokenizer_for([plain]) == TOKENIZER_WORDS


def _other_letters(words: list[str]) -> list[str]:
    """The word characters of ``words`` outside the unspaced scripts, in order."""
    return [c for w in words for c in w if _WORD_CHARACTER.match(c) and not _IN_BLOCKS.match(c)]


@given(_MIXED | st.text(max_size=30))
def test_no_letter_is_lost_or_made_up(text: str) -> None:
    old, new = _old_words(text), _bigram_words(text)
    assert _other_letters(new) == _other_letters(old)
    unspaced = {c for c in normalise_text(text) if _WORD_CHARACTER.match(c) and _IN_BLOCKS.match(c)}
    assert {c for w in new for c in w if _IN_BLOCKS.match(c) and _WORD_CHARACTER.match(c)} == (
        unspaced
    )
    assert all(w and not w.isspace() for w in new)
    if new == old:
        assert tokenizer_for([text]) == TOKENIZER_WORDS
    else:
        assert tokenizer_for([text]) == TOKENIZER_UNSPACED_BIGRAMS
