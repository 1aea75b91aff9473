"""The match model: one logistic regression shared by every scope, on (task, scope) pairs.

A scope with few training examples cannot learn on its own which words announce it, and a
task unlike any seen in training shares few words with the tasks of its scopes. What does
carry over from scope to scope is how a task's words relate to a scope's *description*:
"send ... an email" names the tool ``send_email`` of ``google:gmail.send``; "post ... to the
channel" names ``slack:chat:write``'s tools. The match model learns, from the (row, scope)
pairs of every scope at once, weights that are shared by all scopes:

- ``match:<word>``: the task's word also appears in the scope's document (its tools' names
  and descriptions and its own name and description), compared by a short prefix so that
  "sends", "sending" and "send" meet; one weight per word, so informative words count more;
- structural pair features: the plan names this scope, the plan names one of its tools, the
  plan or the calls so far use another scope of its provider; a part of a context value
  (``domain~calendar``) names the scope's provider or a word of its document, so that a
  domain announces its scopes even when it is new or the scope is rare; the task-document
  cosine similarity (the featurizer's ``sim:<scope>`` column); the number of calls so far;
- ``verb_match``: the task's words that are the leading verb of one of the scope's tools'
  names (``create_file`` -> "create", ``email.send_email`` -> "send"), compared by the same
  key, summed (their TF-IDF values) under one weight shared by every verb: ``match:create``
  learns what "create" says of the scopes whose documents contain it, ``verb_match`` what
  naming a scope's action says of any scope, so a verb that training tasks rarely used, or a
  new tool's, still counts;
- the log-odds of the scope's base rate, and an intercept.

(Crossing every task word and indicator with the tokens of the scope's name was tried too: by
grouped CV on the WorkBench train runs it cost more per task, 0.62 against 0.55, and took five
times as long to fit.)

Every pair feature is a row feature times something that depends on the scope only, so for
scope ``j`` the model is a linear model on the featurizer's columns,
``z_ij = F_i . c_j + b_j`` with ``c_j = E_j theta`` (:meth:`MatchDesign.coefficients`): it is
exported, calibrated and served exactly like the one-vs-rest models.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.features import TaskFeaturizer, scope_documents

__all__ = ["MatchDesign", "MatchFit", "fit_match", "match_design", "tool_verb"]

_WORD = re.compile(r"[a-z]+")
KEY_LENGTH = 5
"""Words are compared by the first ``KEY_LENGTH`` letters of their stem (see :func:`match_key`)."""
MAX_PAIRS = 400_000
"""Negative pairs beyond this many are sub-sampled (weighted up) when fitting."""
_STRUCTURAL = (
    "sim",
    "plan_scope",
    "plan_tool",
    "plan_provider",
    "done_provider",
    "n_calls",
    "context_match",
    "verb_match",
)
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def match_key(word: str) -> str:
    """The key two words are compared by: a crude stem, cut to ``KEY_LENGTH`` letters.

    A plural ``s`` and then one of ``ing``, ``ed``, ``es`` are stripped (keeping at least
    three letters), so "sending", "sends" and "send" meet, and so do "messages" and
    "message" or "created" and "create".
    """
    stem = word
    if stem.endswith("s") and not stem.endswith("ss") and len(stem) > 3:
        stem = stem[:-1]
    for suffix in ("ing", "ed", "es"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stem = stem[: -len(suffix)]
            break
    return stem[:KEY_LENGTH]


def tool_verb(tool: str) -> str:
    """The leading word of a tool's own name, lowercased: its action, by naming convention.

    A ``module.`` prefix is dropped and the name is split at underscores, hyphens, digits and
    camelCase boundaries: ``create_file``, ``email.send_email`` and ``sendMessage`` give
    "create", "send" and "send". Empty if the name has no letters.
    """
    words = _NAME_WORD.findall(tool.rsplit(".", 1)[-1])
    return words[0].lower() if words else ""


def _keys(text: str) -> set[str]:
    return {match_key(w) for w in _WORD.findall(text.lower()) if len(w) >= 3}


def _context_part_keys(indicators: dict[str, int]) -> dict[int, set[str]]:
    """The word keys of each context part token (``key~part``), by its indicator index."""
    parts = {}
    for token, g in indicators.items():
        key, tilde, part = token.partition("~")
        if tilde and "=" not in key:
            parts[g] = _keys(part)
    return parts


@dataclass(frozen=True)
class MatchDesign:
    """For each scope ``j``, the sparse map ``E_j`` from row features to pair features."""

    maps: list[sp.csr_matrix]
    """``maps[j]`` of shape (n_row_features, n_pair_features)."""
    n_pair_features: int
    field_columns: npt.NDArray[np.int64]
    """The row features that are not task text: context, plan and progress indicators and
    the number of calls so far (the ``fields`` source of :mod:`scopecast.model._selection`)."""

    def pairs(self, F: sp.csr_matrix, scope: int, prior_logit: float) -> sp.csr_matrix:
        """Pair features of every row of ``F`` with scope ``scope`` (last column: prior logit)."""
        block = sp.csr_matrix(F @ self.maps[scope])
        prior = sp.csr_matrix(np.full((F.shape[0], 1), prior_logit))
        return sp.hstack([block, prior], format="csr")

    def coefficients(self, fit: MatchFit, scopes: Sequence[int]) -> npt.NDArray[np.float64]:
        """Shape (len(scopes), n_row_features): ``c_j = E_j theta`` of each scope."""
        return np.vstack([np.asarray(self.maps[j] @ fit.theta).ravel() for j in scopes])

    def intercepts(
        self, fit: MatchFit, prior_logit: npt.NDArray[np.float64], scopes: Sequence[int]
    ) -> npt.NDArray[np.float64]:
        """``b_j = theta_prior * logit(base_rate_j) + alpha`` of each scope."""
        return fit.prior_weight * prior_logit[list(scopes)] + fit.alpha


@dataclass(frozen=True)
class MatchFit:
    """Weights of the match model."""

    theta: npt.NDArray[np.float64]
    """One weight per pair feature."""
    prior_weight: float
    alpha: float


def match_design(
    featurizer: TaskFeaturizer, scopes: Sequence[str], catalogue: Catalogue | None
) -> MatchDesign:
    """The maps ``E_j`` of every scope for the columns of a fitted ``featurizer``."""
    docs = (
        scope_documents(catalogue, scopes)
        if catalogue is not None
        else {s: s.replace(":", " ").replace(".", " ") for s in scopes}
    )
    n_text = len(featurizer.text_vocabulary_)
    n_ind = len(featurizer.indicator_vocabulary_)
    sim_at = {
        s: n_text + n_ind + i for i, s in enumerate(getattr(featurizer, "similarity_scopes_", []))
    }
    n_calls_col = featurizer.n_features_out_ - 1
    unigrams = {
        col: word[2:]
        for word, col in featurizer.text_vocabulary_.items()
        if word.startswith("w:") and " " not in word and len(word) >= 5
    }
    indicators = featurizer.indicator_vocabulary_
    context_parts = _context_part_keys(indicators)
    # pair-feature layout: one match feature per text column, then the structural features
    struct_base = n_text
    struct = {name: struct_base + i for i, name in enumerate(_STRUCTURAL)}
    n_pair = struct_base + len(_STRUCTURAL)
    tools_of: dict[str, set[str]] = {}
    if catalogue is not None:
        for tool in catalogue.tools:
            for s in tool.scopes:
                tools_of.setdefault(s, set()).add(tool.name)
    maps: list[sp.csr_matrix] = []
    for scope in scopes:
        rows: list[int] = []
        cols: list[int] = []
        keys = _keys(docs.get(scope, ""))
        provider = provider_of(scope)
        named = keys | _keys(provider)
        verbs = {match_key(v) for v in map(tool_verb, tools_of.get(scope, ())) if len(v) >= 3}
        for col, word in unigrams.items():
            key = match_key(word)
            if key in keys:
                rows.append(col)
                cols.append(col)
            if key in verbs:
                rows.append(col)
                cols.append(struct["verb_match"])
        for token, g in indicators.items():
            col = n_text + g
            kind, _, value = token.partition("=")
            if kind == "plan_scope" and value == scope:
                rows.append(col)
                cols.append(struct["plan_scope"])
            elif kind == "plan_scope" and provider_of(value) == provider:
                rows.append(col)
                cols.append(struct["plan_provider"])
            elif kind == "plan_tool" and value in tools_of.get(scope, ()):
                rows.append(col)
                cols.append(struct["plan_tool"])
            elif kind == "done_scope" and value != scope and provider_of(value) == provider:
                rows.append(col)
                cols.append(struct["done_provider"])
            elif g in context_parts and context_parts[g] & named:
                rows.append(col)
                cols.append(struct["context_match"])
        if scope in sim_at:
            rows.append(sim_at[scope])
            cols.append(struct["sim"])
        rows.append(n_calls_col)
        cols.append(struct["n_calls"])
        maps.append(
            sp.csr_matrix(
                (
                    np.ones(len(rows)),
                    (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)),
                ),
                shape=(featurizer.n_features_out_, n_pair),
            )
        )
    fields = np.append(np.arange(n_text, n_text + len(indicators)), n_calls_col)
    return MatchDesign(maps, n_pair, fields.astype(np.int64))


def fit_match(
    design: MatchDesign,
    F: sp.csr_matrix,
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    prior_logit: npt.NDArray[np.float64],
    *,
    C: float = 1.0,
    max_iter: int = 1000,
    seed: int = 0,
) -> MatchFit | None:
    """Fit the shared weights on every usable (row, scope) pair; ``None`` if one class only.

    Positive pairs are all kept; when there are more than :data:`MAX_PAIRS` pairs, negative
    pairs are sampled at a rate that keeps about that many, and weighted up by its inverse,
    so the loss stays unbiased.
    """
    n_pos = int(np.sum(Y * usable))
    n_neg = int(np.sum((1.0 - Y) * usable))
    if n_pos == 0 or n_neg == 0:
        return None
    rate = min(1.0, max(MAX_PAIRS - n_pos, 1) / n_neg)
    rng = np.random.default_rng(seed)
    blocks: list[sp.csr_matrix] = []
    labels: list[npt.NDArray[np.float64]] = []
    weights: list[npt.NDArray[np.float64]] = []
    Fc = sp.csr_matrix(F)
    for j in range(Y.shape[1]):
        rows = usable[:, j].copy()
        if rate < 1.0:
            rows &= (Y[:, j] > 0) | (rng.random(len(rows)) < rate)
        idx = np.flatnonzero(rows)
        if idx.size == 0:
            continue
        y = Y[idx, j]
        blocks.append(design.pairs(Fc[idx], j, float(prior_logit[j])))
        labels.append(y)
        weights.append(w[idx] * np.where(y > 0, 1.0, 1.0 / rate))
    X = sp.vstack(blocks, format="csr")
    model = LogisticRegression(C=C, solver="liblinear", max_iter=max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, np.concatenate(labels).astype(np.int64), sample_weight=np.concatenate(weights))
    coef = np.asarray(model.coef_[0], dtype=np.float64)
    return MatchFit(coef[:-1].copy(), float(coef[-1]), float(model.intercept_[0]))


def match_scores(
    design: MatchDesign,
    fit: MatchFit,
    F: sp.csr_matrix,
    prior_logit: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Shape (n_rows, n_scopes): the match model's linear score of every row and scope."""
    scopes = list(range(len(design.maps)))
    coef = design.coefficients(fit, scopes)
    return np.asarray(F @ coef.T) + design.intercepts(fit, prior_logit, scopes)
