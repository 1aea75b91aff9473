"""The compact model: a trained scope model's probabilities with numpy only (no scikit-learn).

At training time :func:`scopecast.model.export_compact` writes the fitted
:class:`~scopecast.model.ScopePredictor` as plain data: the vocabularies and settings in
``compact.json``, the idf vectors, similarity matrix, coefficients and calibration maps in
``compact.npz`` (``numpy.savez``, loaded with ``allow_pickle=False``). :class:`CompactScorer`
recomputes the same features (the tokens of :mod:`scopecast._task_tokens`, found as rows
of one coefficient matrix by :mod:`scopecast.runtime._compact_rows`, in C where the
optional speedups are built) and gives the same
probabilities (to 1e-9; a test checks it on every model the test suite trains) at a
fraction of the import and call cost, which is what a process that plans before every
agent start needs: one input is a few list operations, one gather and product of the rows
it touches, and the calibration map (with sigmoid calibration, folded into the same
product). Reading a model directory
into a :class:`CompactScorer` (checksums, fallback to scikit-learn) is
:mod:`scopecast.runtime._compact_files`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from struct import Struct
from typing import Any

import numpy as np
import numpy.typing as npt

from scopecast._calibration_maps import apply_isotonic
from scopecast._domain_support import apply_domain_support
from scopecast._model_files import (
    COMPACT_FORMAT,
    COMPACT_FORMAT_VERSION,
    UNSPACED_COMPACT_FORMAT_VERSION,
    check_tokenizer,
    compact_format_version,
)
from scopecast._task_tokens import TOKENIZER_WORDS
from scopecast.exceptions import ArtifactError
from scopecast.runtime._compact_rows import InputRows
from scopecast.scoring import TaskInput

__all__ = ["CompactScorer"]

_PACKERS_KEPT = 1024
"""Row counts whose compiled packing format is kept (longer inputs compile theirs each time)."""

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


def platt_probability(h: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``1 / (1 + exp(2 h))`` for ``h = (a * z + b) / 2`` (the Platt map), in place.

    As ``(1 - tanh(h)) / 2``, which is the same function: three operations, no overflow
    (``tanh`` is bounded), in ``[0, 1]`` exactly (NaN only if ``h`` is), and equal to
    :func:`scopecast._calibration_maps.apply_sigmoid` to within about 1e-16 (the stable
    form there takes ten operations).
    """
    np.tanh(h, out=h)
    h *= -0.5
    h += 0.5
    return h


def _read_context_fields(value: object) -> dict[str, float]:
    """``compact.json``'s ``context_fields`` (field -> share of training tasks), checked."""
    if not isinstance(value, Mapping):
        raise TypeError(f"context_fields must be an object, not {type(value).__name__}")
    shares: dict[str, float] = {}
    for key, share in value.items():
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
            raise ValueError(f"context_fields[{key!r}] must be a share in [0, 1]")
        shares[str(key)] = float(share)
    return shares


def _read_support(value: object, scopes: Sequence[str]) -> dict[str, npt.NDArray[np.bool_]]:
    """``compact.json``'s ``domain_support`` (domain -> the names of its scopes) as masks.

    Raises ``TypeError`` or ``KeyError`` (reported as a malformed spec) unless it maps
    non-empty strings to lists of the model's scopes.
    """
    if not isinstance(value, dict):
        raise TypeError(f"domain_support must be an object, not {type(value).__name__}")
    position = {scope: j for j, scope in enumerate(scopes)}
    support: dict[str, npt.NDArray[np.bool_]] = {}
    for domain, kept in value.items():
        if not domain or not isinstance(kept, list) or not all(isinstance(s, str) for s in kept):
            raise TypeError(f"domain_support[{domain!r}] must be a list of scope names")
        allowed = np.zeros(len(scopes), dtype=bool)
        allowed[[position[scope] for scope in kept]] = True
        support[domain] = allowed
    return support


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
        If the spec or the arrays are not a compact model of a version this scopecast reads,
        disagree in shape, or split task text with a tokenizer this scopecast does not know.
    """

    def __init__(self, spec: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        versions = (COMPACT_FORMAT_VERSION, UNSPACED_COMPACT_FORMAT_VERSION)
        if spec.get("format") != COMPACT_FORMAT or spec.get("format_version") not in versions:
            raise ArtifactError(
                f"Not a compact scope model of version {COMPACT_FORMAT_VERSION} or "
                f"{UNSPACED_COMPACT_FORMAT_VERSION} (got format {spec.get('format')!r}, version "
                f"{spec.get('format_version')!r}). Retrain the model with this version of "
                f"scopecast."
            )
        feat = spec.get("featurizer")  # none: reported below, as a malformed spec
        tokenizer = check_tokenizer(
            feat.get("text_tokenizer", TOKENIZER_WORDS)
            if isinstance(feat, Mapping)
            else TOKENIZER_WORDS,
            "The compact model",
        )
        if spec["format_version"] != compact_format_version(tokenizer):
            raise ArtifactError(
                f"The compact model splits task text with tokenizer {tokenizer}, which its "
                f"version {spec['format_version']!r} does not have (version "
                f"{compact_format_version(tokenizer)} has it); the spec is malformed. Retrain "
                f"the model with this version of scopecast."
            )
        self.text_tokenizer = tokenizer
        """How the task text is split into words (:func:`scopecast._task_tokens.text_words`)."""
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
            text_w, ind_w, sim_w, prog_w = (
                float(feat[k])
                for k in ("text_weight", "indicator_weight", "similarity_weight", "progress_weight")
            )
            self._weights = (text_w, ind_w, sim_w, prog_w)
            self._text_vocabulary = {str(t): i for i, t in enumerate(spec["text_vocabulary"])}
            self._indicator_vocabulary = {
                str(t): i for i, t in enumerate(spec["indicator_vocabulary"])
            }
            self._similarity_vocabulary = {
                str(t): i for i, t in enumerate(spec["similarity_vocabulary"])
            }
            self._n_similarity = len(spec["similarity_scopes"])
            self._support = _read_support(spec["domain_support"], self.scopes)
            self._context_fields = _read_context_fields(spec.get("context_fields", {}))
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
        self._check_shapes()
        self._packers: dict[int, Callable[..., bytes]] = {}
        """A compiled ``struct`` format per number of rows (``struct.pack`` would parse or
        look up its format string on every call)."""
        self._inputs = InputRows(
            (self._text_vocabulary, self._indicator_vocabulary, self._similarity_vocabulary),
            self._word_range,
            self._char_range,
            self._weights,
            tokenizer,
            self._text_idf,
            self._similarity_idf,
            self._coef_t,
            self._similarity_matrix,
            self._intercept,
        )
        self._linear = self._inputs.matrix
        self._is_platt = self.calibration == "sigmoid"
        self.is_bounded = self._is_platt or bool(
            len(ys) == 0 or (np.minimum.reduce(ys) >= 0.0 and np.maximum.reduce(ys) <= 1.0)
        )
        """Whether :meth:`probability_row` gives values in [0, 1] or NaN, never others: the
        Platt map always does, an isotonic map does when its points are in [0, 1]."""
        if self._is_platt:
            # half the Platt map's ``a * z + b`` folded into the rows (row 0: the intercept's)
            a, b = self._sigmoid[:, 0], self._sigmoid[:, 1]
            self._platt = np.ascontiguousarray(self._linear * a[None, :])
            self._platt[0] += b
            self._platt *= 0.5

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

    @property
    def modelled(self) -> npt.NDArray[np.int64]:
        """Positions (in :attr:`scopes`) of the scopes with a fitted model; the others get
        their training base rate (:attr:`base_rate`)."""
        return self._modelled

    @property
    def indicator_vocabulary(self) -> Mapping[str, int]:
        """The indicator tokens the model has a column for (context, plan, progress)."""
        return self._indicator_vocabulary

    @property
    def context_fields(self) -> Mapping[str, float]:
        """Per context field, the share of training tasks that had it (empty for models saved
        before scopecast recorded it): see :mod:`scopecast.model._context_fields`."""
        return self._context_fields

    @property
    def domain_support(self) -> dict[str, npt.NDArray[np.bool_]]:
        """Per ``context.domain`` value, which of :attr:`scopes` its training traces needed;
        outside them a scope's probability is 0 (:mod:`scopecast._domain_support`)."""
        return self._support

    @property
    def base_rate(self) -> npt.NDArray[np.float64]:
        """Training base rate of each scope (the probability of the scopes not modelled)."""
        return self._base_rate

    def _linear_row(
        self, matrix: npt.NDArray[np.float64], item: TaskInput
    ) -> npt.NDArray[np.float64]:
        """One input's rows of ``matrix`` (:class:`InputRows` layout) times their factors."""
        fused = self._inputs.linear(item, matrix)  # in C, when the speedups can
        if fused is not None:
            return fused
        rows, values = self._inputs.features(item)
        n = len(rows)
        # one C pass packs both lists (numpy converting a list costs ~250 instructions an item)
        packer = self._packers.get(n)
        if packer is None:
            packer = Struct(f"{n}q{n}d").pack
            if n <= _PACKERS_KEPT:
                self._packers[n] = packer
        packed = packer(*rows, *values)
        index = np.frombuffer(packed, np.int64, n)
        out: npt.NDArray[np.float64] = np.dot(
            np.frombuffer(packed, np.float64, n, 8 * n), matrix.take(index, 0)
        )
        return out

    def _linear_rows(
        self, matrix: npt.NDArray[np.float64], inputs: Sequence[TaskInput]
    ) -> npt.NDArray[np.float64]:
        """:meth:`_linear_row` of each input, shape (n_inputs, n_modelled).

        One input at a time: the featurization in Python dominates, and the gathered rows
        of one input stay in cache (scoring many inputs with one gather was measured
        slower).
        """
        Z = np.empty((len(inputs), len(self._modelled)), dtype=np.float64)
        for r, item in enumerate(inputs):
            Z[r] = self._linear_row(matrix, item)
        return Z

    def decision_row(self, item: TaskInput) -> npt.NDArray[np.float64]:
        """Linear scores of the modelled scopes for one input, shape (n_modelled,)."""
        return self._linear_row(self._linear, item)

    def decision_function(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Linear scores of the modelled scopes, shape (n_inputs, n_modelled)."""
        return self._linear_rows(self._linear, inputs)

    def calibrate(self, Z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probabilities of the modelled scopes from their linear scores (same shape)."""
        if self._is_platt:
            return platt_probability((Z * self._sigmoid[:, 0] + self._sigmoid[:, 1]) * 0.5)
        flat = Z.ndim == 1
        P = apply_isotonic(Z[None, :] if flat else Z, self._isotonic_x, self._isotonic_y)
        return P[0] if flat else P

    def probability_row(self, item: TaskInput) -> npt.NDArray[np.float64]:
        """Probabilities of the modelled scopes for one input, shape (n_modelled,).

        Equal, element for element, to the row of :meth:`predict_proba`'s modelled scopes
        (the same operations). With sigmoid calibration the Platt map's ``a * z + b`` is
        folded into the coefficients: one product, then :func:`platt_probability`.
        """
        if self._is_platt:
            return platt_probability(self._linear_row(self._platt, item))
        return self.calibrate(self.decision_row(item))

    def probability_rows(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """:meth:`probability_row` of each input, shape (n_inputs, n_modelled)."""
        if self._is_platt:
            return platt_probability(self._linear_rows(self._platt, inputs))
        return self.calibrate(self.decision_function(inputs))

    def predict_proba(self, inputs: Sequence[TaskInput]) -> npt.NDArray[np.float64]:
        """Shape (n_inputs, n_scopes); column ``j`` is P(``scopes[j]`` is needed)."""
        P = np.tile(self._base_rate, (len(inputs), 1))
        if len(self._modelled):
            P[:, self._modelled] = self.probability_rows(inputs)
        apply_domain_support(P, inputs, self.scopes, self._support)
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
