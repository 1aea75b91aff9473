"""The featurizer: from task inputs to one sparse feature matrix.

Layout of the output columns, in this order (each block scaled by its weight):

1. task text: TF-IDF (sublinear tf, smoothed idf, unit L2 norm) over word n-grams and
   character n-grams of the normalised task (:mod:`scopecast._task_tokens`; in the scripts
   written without spaces, such as Chinese, Japanese or Thai, a word is a pair of letters:
   :func:`~scopecast._task_tokens.text_words`);
2. indicators: context fields (``key=value``, and ``key~part`` for each part of the value),
   the plan's tools and scopes with ``has_plan``, and the progress so far (tools and scopes
   of the calls made, with ``has_calls``); values unseen in training are ignored;
3. similarity: for each scope, the cosine similarity between the task and the scope's
   document (the descriptions and names of the catalogue tools that need it, and the
   scope's own description), so a rare or new tool still gives a signal;
4. ``log(1 + number of calls so far)``.

Every weight is computed with :func:`scopecast._task_tokens.tfidf_vector`, the function the
numpy-only runtime export uses too, so both paths give identical features.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from scopecast._task_tokens import (
    TOKENIZER_WORDS,
    indicator_tokens,
    text_tokens,
    tfidf_vector,
    tokenizer_for,
)
from scopecast.catalogue import Catalogue
from scopecast.features._inputs import as_task_inputs
from scopecast.scoring import TaskInput

__all__ = ["TaskFeaturizer", "indicator_tokens", "scope_documents"]

_TextBlocks = list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


def scope_documents(catalogue: Catalogue, scopes: Iterable[str]) -> dict[str, str]:
    """Describe each scope in words: its tools' names and descriptions and its own description."""
    docs: dict[str, list[str]] = {scope: [] for scope in scopes}
    for tool in catalogue.tools:
        words = tool.name.replace(".", " ").replace("_", " ")
        text = f"{words}. {tool.description or ''}"
        for scope in tool.scopes:
            if scope in docs:
                docs[scope].append(text)
    for scope, parts in docs.items():
        spec = catalogue.scope(scope)
        name = scope.split(":", 1)[-1].replace(".", " ").replace("_", " ").replace(":", " ")
        parts.append(name)
        if spec.description:
            parts.append(spec.description)
    return {scope: " ".join(parts) for scope, parts in docs.items()}


def _document_frequencies(docs: Iterable[Iterable[str]]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for tokens in docs:
        df.update(set(tokens))
        n += 1
    return df, n


def _vocabulary(df: Counter[str], min_df: int, max_features: int | None) -> dict[str, int]:
    kept = [(token, count) for token, count in df.items() if count >= min_df]
    if max_features is not None and len(kept) > max_features:
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
        kept = kept[:max_features]
    return {token: i for i, token in enumerate(sorted(t for t, _ in kept))}


def _smoothed_idf(
    df: Counter[str], n: int, vocabulary: Mapping[str, int]
) -> npt.NDArray[np.float64]:
    idf = np.zeros(len(vocabulary), dtype=np.float64)
    for token, i in vocabulary.items():
        idf[i] = math.log((1.0 + n) / (1.0 + df[token])) + 1.0
    return idf


class TaskFeaturizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Feature matrix of task inputs: text TF-IDF, context/plan/progress indicators, similarity.

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes of the task text.
    char_ngram_range : tuple of int or None, default=None
        Character n-gram sizes (inside word boundaries); ``None`` for none.
    min_df : int, default=2
        Text tokens seen in fewer training tasks are dropped. The tasks (for this and the
        idf) are those of the inputs without calls, one per run, when there are any: the
        inputs after a run's first calls repeat its task.
    max_text_features : int or None, default=50000
        Keep at most this many text tokens (the most frequent).
    text_weight, indicator_weight, similarity_weight, progress_weight : float
        Scale of each block (the model's regularisation is shared across blocks).

    Attributes
    ----------
    text_vocabulary_ : dict of str to int
    text_idf_ : ndarray of shape (n_text_features,)
    indicator_vocabulary_ : dict of str to int
    similarity_vocabulary_ : dict of str to int
    similarity_idf_ : ndarray
    similarity_matrix_ : ndarray of shape (n_scopes, n_similarity_vocabulary)
        Unit-norm TF-IDF rows of the scope documents.
    similarity_scopes_ : list of str
    n_features_out_ : int
    text_tokenizer_ : int
        How the task text is split into words (:func:`scopecast._task_tokens.text_words`):
        :data:`~scopecast._task_tokens.TOKENIZER_UNSPACED_BIGRAMS` when the training text
        needs it (:func:`~scopecast._task_tokens.tokenizer_for`: it has letters of a script
        written without spaces). Set only then: without it (a model fitted on other text,
        or by a scopecast before version 2 of the tokenizer) the words are those of
        :data:`~scopecast._task_tokens.TOKENIZER_WORDS`, so such a model is saved byte for
        byte as before.
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = None,
        min_df: int = 2,
        max_text_features: int | None = 50000,
        text_weight: float = 1.0,
        indicator_weight: float = 1.0,
        similarity_weight: float = 1.0,
        progress_weight: float = 1.0,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_text_features = max_text_features
        self.text_weight = text_weight
        self.indicator_weight = indicator_weight
        self.similarity_weight = similarity_weight
        self.progress_weight = progress_weight

    @property
    def tokenizer(self) -> int:
        """How this featurizer splits text into words (see ``text_tokenizer_``)."""
        tokenizer: int = getattr(self, "text_tokenizer_", TOKENIZER_WORDS)
        return tokenizer

    def _text_tokens(self, task: str) -> list[str]:
        return text_tokens(
            task,
            tuple(self.word_ngram_range),  # type: ignore[arg-type]
            self.char_ngram_range,
            tokenizer=self.tokenizer,
        )

    def fit(
        self,
        X: object,
        y: object = None,
        *,
        scope_documents: Mapping[str, str] | None = None,
    ) -> Self:
        """Learn the vocabularies from ``X`` and the scope documents.

        Parameters
        ----------
        X : list of TaskInput or Trace, or DataFrame
        y : ignored
        scope_documents : mapping of scope to text, optional
            One document per scope (see :func:`scope_documents`); none means no similarity block.
        """
        inputs = as_task_inputs(X)
        # One document per task: the rows of a run after its first calls (the prefix rows
        # the model trains on) repeat its task, and counting them kept a word of a single
        # task whose run made two calls (``min_df``) and weighed the idf by calls made.
        tasks = [item.task for item in inputs if not item.calls] or [item.task for item in inputs]
        docs = dict(scope_documents or {})
        tokenizer = tokenizer_for([*tasks, *docs.values()])
        if tokenizer == TOKENIZER_WORDS:
            self.__dict__.pop("text_tokenizer_", None)  # refitted: not what the last fit set
        else:
            self.text_tokenizer_ = tokenizer
        df, n = _document_frequencies(self._text_tokens(task) for task in tasks)
        self.text_vocabulary_ = _vocabulary(df, self.min_df, self.max_text_features)
        self.text_idf_ = _smoothed_idf(df, n, self.text_vocabulary_)
        ind_df, _ = _document_frequencies(indicator_tokens(item) for item in inputs)
        self.indicator_vocabulary_ = _vocabulary(ind_df, 1, None)
        self.similarity_scopes_ = sorted(docs)
        sim_docs = [self._similarity_tokens(task) for task in tasks]
        sim_docs += [self._similarity_tokens(docs[s]) for s in self.similarity_scopes_]
        sim_df, sim_n = _document_frequencies(sim_docs)
        self.similarity_vocabulary_ = _vocabulary(sim_df, 1, None)
        self.similarity_idf_ = _smoothed_idf(sim_df, sim_n, self.similarity_vocabulary_)
        matrix = np.zeros(
            (len(self.similarity_scopes_), len(self.similarity_vocabulary_)), dtype=np.float64
        )
        for row, scope in enumerate(self.similarity_scopes_):
            idx, val = tfidf_vector(
                self._similarity_tokens(docs[scope]),
                self.similarity_vocabulary_,
                self.similarity_idf_,
            )
            matrix[row, idx] = val
        self.similarity_matrix_ = matrix
        self.n_features_out_ = (
            len(self.text_vocabulary_)
            + len(self.indicator_vocabulary_)
            + len(self.similarity_scopes_)
            + 1
        )
        return self

    def _similarity_tokens(self, text: str) -> list[str]:
        return text_tokens(text, (1, 1), None, tokenizer=self.tokenizer)

    def transform(self, X: object) -> sp.csr_matrix:
        """Return the sparse feature matrix of ``X`` (one row per input)."""
        check_is_fitted(self, "text_vocabulary_")
        inputs = as_task_inputs(X)
        n_text = len(self.text_vocabulary_)
        n_ind = len(self.indicator_vocabulary_)
        n_sim = len(self.similarity_scopes_)
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        vals: list[npt.NDArray[np.float64]] = []
        cache: dict[str, _TextBlocks] = {}
        for r, item in enumerate(inputs):
            for c, v in self.feature_row(item, cache):
                rows.append(np.full(len(c), r, dtype=np.int64))
                cols.append(c)
                vals.append(v)
        data = np.concatenate(vals) if vals else np.zeros(0)
        matrix = sp.csr_matrix(
            (
                data,
                (
                    np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
                    np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
                ),
            ),
            shape=(len(inputs), n_text + n_ind + n_sim + 1),
            dtype=np.float64,
        )
        matrix.sort_indices()
        return matrix

    def _text_blocks(self, task: str) -> _TextBlocks:
        n_text = len(self.text_vocabulary_)
        n_ind = len(self.indicator_vocabulary_)
        blocks: _TextBlocks = []
        idx, val = tfidf_vector(self._text_tokens(task), self.text_vocabulary_, self.text_idf_)
        blocks.append((idx, val * self.text_weight))
        if self.similarity_scopes_:
            idx, val = tfidf_vector(
                self._similarity_tokens(task),
                self.similarity_vocabulary_,
                self.similarity_idf_,
            )
            sims = self.similarity_matrix_[:, idx] @ val
            nz = np.flatnonzero(sims)
            blocks.append((nz + n_text + n_ind, sims[nz] * self.similarity_weight))
        return blocks

    def feature_row(
        self, item: TaskInput, cache: dict[str, _TextBlocks] | None = None
    ) -> _TextBlocks:
        """The non-zero columns and values of one input, block by block.

        ``cache`` (task text -> its text blocks) saves the text work for inputs that share
        a task, such as the prefixes of one trace.
        """
        n_text = len(self.text_vocabulary_)
        n_ind = len(self.indicator_vocabulary_)
        if cache is None:
            text = self._text_blocks(item.task)
        elif item.task in cache:
            text = cache[item.task]
        else:
            text = cache[item.task] = self._text_blocks(item.task)
        blocks = list(text)
        idx, val = tfidf_vector(
            indicator_tokens(item),
            self.indicator_vocabulary_,
            None,
            sublinear=False,
            normalise=False,
        )
        blocks.append((idx + n_text, val * self.indicator_weight))
        if item.calls:
            progress = math.log1p(len(item.calls)) * self.progress_weight
            blocks.append(
                (
                    np.array([n_text + n_ind + len(self.similarity_scopes_)], dtype=np.int64),
                    np.array([progress], dtype=np.float64),
                )
            )
        return blocks

    def get_feature_names_out(
        self, input_features: Sequence[str] | None = None
    ) -> npt.NDArray[np.str_]:
        """Names of the output columns (text tokens, indicators, ``sim:<scope>``, ``n_calls``)."""
        check_is_fitted(self, "text_vocabulary_")
        names = sorted(self.text_vocabulary_, key=self.text_vocabulary_.__getitem__)
        names += sorted(self.indicator_vocabulary_, key=self.indicator_vocabulary_.__getitem__)
        names += [f"sim:{s}" for s in self.similarity_scopes_]
        names.append("n_calls")
        return np.asarray(names, dtype=object)
