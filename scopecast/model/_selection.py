"""Choosing, from out-of-fold scores, C, the calibration method and each scope's model.

Every choice minimises the Brier score of *cross-fitted* calibrated out-of-fold
probabilities (each fold calibrated by a map fitted on the other folds), weighted by the
sample weights, over the rows that train the scope:

1. ``C`` and the calibration method: summed over the one-vs-rest candidate scopes;
2. each scope's source: its one-vs-rest model (``"words"``), the match model shared by all
   scopes (``"match"``, :mod:`scopecast.model._match`), the sum of the two scores
   (``"blend"``: a product of the two experts, calibrated), its logistic regression on the
   fields alone (``"fields"``: context, plan and calls so far, no task text; a scope the
   domain announces but too rare for its words to be learned, such as a Slack scope in 40%
   of 15 Slack tasks, gets its domain's rate instead of the global one) or its smoothed base
   rate (``"prior"``, scored in-sample, a slight advantage to the prior);
3. a scope for which the prior wins, but that was needed at least once, takes the match
   score under one calibration map shared by every scope (``"pooled"``) instead of its base
   rate. Its few positives can neither fit nor judge a map of its own (the per-scope map of
   the match score comes out flat, so the prior wins), but the match model
   knows which task words name its tools ("create a file" for ``google:drive.file``), and a
   map fitted on the pairs of every scope says how far to trust that. Grouped CV on the
   AgentDojo train traces: Brier 0.0244 -> 0.0241, ECE 0.0145 -> 0.0114, mean PR-AUC 0.517 ->
   0.530, nested policy cost 0.791 -> 0.769 (training recipe 11); WorkBench runs, where few
   scopes are that rare: nested 0.4537 -> 0.4534. (Letting the Brier score choose ``"pooled"`` for any scope, as an
   option beside the others, made the nested AgentDojo cost worse, 0.821.)

The calibration maps of the chosen sources are then fitted on all out-of-fold scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from scopecast.model._calibration import crossfit_calibrated, fit_isotonic, fit_sigmoid
from scopecast.model._crossfit import OutOfFold
from scopecast.model._metrics import probability_metrics

__all__ = ["Selection", "cross_fitted_probabilities", "select_models", "selection_metrics"]


@dataclass
class Selection:
    """What :func:`select_models` chose."""

    C: float
    method: str
    sources: list[str]
    """Per scope: ``"words"``, ``"match"``, ``"blend"``, ``"fields"``, ``"pooled"`` or
    ``"prior"``."""
    modelled: list[int]
    """Scopes with a linear score (any source but ``prior``), in column order."""
    oof: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict)
    """Out-of-fold score of each modelled scope's chosen source."""
    sigmoid: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    isotonic_x: list[npt.NDArray[np.float64]] = field(default_factory=list)
    isotonic_y: list[npt.NDArray[np.float64]] = field(default_factory=list)
    results: dict[str, float] = field(default_factory=dict)
    pooled_oof: npt.NDArray[np.float64] | None = None
    """Shape (n_samples, n_scopes): the match scores under the shared map, cross-fitted (each
    fold mapped by a map fitted on the other folds' pairs); ``None`` without a match model."""


@dataclass(frozen=True)
class _Pairs:
    """Every usable (row, scope) pair of the scopes pooled under one map, scope by scope."""

    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    z: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    w: npt.NDArray[np.float64]
    fold: npt.NDArray[np.int64]


def _pairs(
    Z: npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
    pool: Sequence[int],
) -> _Pairs:
    """The score, label, weight and fold of every usable pair of the scopes in ``pool``."""
    rows = [np.flatnonzero(usable[:, j]) for j in pool]
    row = np.concatenate(rows)
    col = np.concatenate(
        [np.full(len(r), j, dtype=np.int64) for r, j in zip(rows, pool, strict=True)]
    )
    return _Pairs(row, col, Z[row, col], Y[row, col], w[row], folds[row])


def _pooled_crossfit(
    method: str,
    Z: npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
    pool: Sequence[int],
) -> npt.NDArray[np.float64]:
    """The match scores of the usable pairs of ``pool`` under the shared map, cross-fitted as
    any calibration here (each fold's by a map fitted on the other folds' pairs); 0 elsewhere."""
    pairs = _pairs(Z, Y, usable, w, folds, pool)
    P = np.zeros_like(Z)
    P[pairs.row, pairs.col] = crossfit_calibrated(method, pairs.z, pairs.y, pairs.w, pairs.fold)
    return P


def _brier(
    method: str,
    z: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
) -> tuple[float, float]:
    p = crossfit_calibrated(method, z, y, w, folds)
    return float(np.sum(w * (p - y) ** 2)), float(np.sum(w))


def select_models(
    oof: OutOfFold,
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
    candidates: Sequence[int],
    base_rate: npt.NDArray[np.float64],
    calibration: str,
    scopes: Sequence[str],
) -> Selection:
    """Choose C, the calibration method and each scope's source (see the module docstring)."""
    methods = ["sigmoid", "isotonic"] if calibration == "auto" else [calibration]
    results: dict[str, float] = {}
    best: tuple[float, float, str] | None = None
    for C, Z in oof.scores.items():
        for method in methods if candidates else methods[:1]:
            loss = weight = 0.0
            for k, j in enumerate(candidates):
                rows = usable[:, j]
                dl, dw = _brier(method, Z[rows, k], Y[rows, j], w[rows], folds[rows])
                loss += dl
                weight += dw
            brier = loss / weight if weight else 0.0
            results[f"brier[C={C:g},{method}]"] = brier
            if best is None or brier < best[0]:
                best = (brier, C, method)
    assert best is not None
    _, C_best, method = best
    sources: list[str] = []
    chosen: dict[int, npt.NDArray[np.float64]] = {}
    column = {j: k for k, j in enumerate(candidates)}
    pool = [j for j in range(len(scopes)) if np.any(Y[usable[:, j], j] > 0)]
    pooled_oof = (
        _pooled_crossfit(method, oof.match, Y, usable, w, folds, pool)
        if oof.match is not None and pool
        else None
    )
    for j, scope in enumerate(scopes):
        rows = usable[:, j]
        y, wj, fj = Y[rows, j], w[rows], folds[rows]
        total = float(np.sum(wj))
        options = {"prior": float(np.sum(wj * (base_rate[j] - y) ** 2)) / total if total else 0.0}
        scores_of: dict[str, npt.NDArray[np.float64]] = {}
        if j in column:
            scores_of["words"] = oof.scores[C_best][:, column[j]]
            if oof.fields is not None:
                scores_of["fields"] = oof.fields[C_best][:, column[j]]
        if oof.match is not None and y.size and y.max() > 0:
            scores_of["match"] = oof.match[:, j]
            if "words" in scores_of:
                scores_of["blend"] = scores_of["words"] + scores_of["match"]
        for name, z in scores_of.items():
            loss, weight = _brier(method, z[rows], y, wj, fj)
            options[name] = loss / weight if weight else float("inf")
        source = min(options, key=lambda name: (options[name], name != "words"))
        if source == "prior" and pooled_oof is not None and "match" in scores_of:
            source = "pooled"
            scores_of["pooled"] = scores_of["match"]
            results[f"brier[{scope},pooled]"] = (
                float(np.sum(wj * (pooled_oof[rows, j] - y) ** 2)) / total
            )
        for name, value in options.items():
            results[f"brier[{scope},{name}]"] = value
        sources.append(source)
        if source != "prior":
            chosen[j] = scores_of[source]
    modelled = sorted(chosen)
    selection = Selection(
        C_best, method, sources, modelled, chosen, results=results, pooled_oof=pooled_oof
    )
    shared = None
    if "pooled" in sources:
        assert oof.match is not None
        pairs = _pairs(oof.match, Y, usable, w, folds, pool)
        shared = pairs.z, pairs.y, pairs.w
    sig = np.zeros((len(modelled), 2))
    for k, j in enumerate(modelled):
        rows = usable[:, j]
        z, y, wj = chosen[j][rows], Y[rows, j], w[rows]
        if sources[j] == "pooled":
            assert shared is not None
            z, y, wj = shared  # the map shared by every scope: the same for each pooled one
        if method == "sigmoid":
            sig[k] = fit_sigmoid(z, y, wj)
        else:
            xs, ys = fit_isotonic(z, y, wj)
            selection.isotonic_x.append(xs)
            selection.isotonic_y.append(ys)
    selection.sigmoid = sig
    return selection


def cross_fitted_probabilities(
    selection: Selection,
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    folds: npt.NDArray[np.int64],
    base_rate: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Grouped-CV probabilities of every training row and scope (a scope already used: 1).

    Modelled scopes use their cross-fitted calibrated out-of-fold probabilities (``pooled``
    ones under the shared map, cross-fitted too); the others ``base_rate`` (shape (n_samples,
    n_scopes): :attr:`OutOfFold.base_rate`, each row's rates fitted without its fold).
    """
    P = base_rate.copy()
    for j in selection.modelled:
        rows = usable[:, j]
        if selection.sources[j] == "pooled":
            assert selection.pooled_oof is not None
            P[rows, j] = selection.pooled_oof[rows, j]
            continue
        P[rows, j] = crossfit_calibrated(
            selection.method, selection.oof[j][rows], Y[rows, j], w[rows], folds[rows]
        )
    P[~usable] = 1.0
    return P


def selection_metrics(
    P: npt.NDArray[np.float64],
    Y: npt.NDArray[np.float64],
    upfront: npt.NDArray[np.bool_],
    scopes: Sequence[str],
) -> dict[str, float]:
    """Brier, ECE and PR-AUC of the cross-fitted probabilities ``P`` on the rows before the start."""
    if not upfront.any():
        return {}
    return probability_metrics(P[upfront], Y[upfront], list(scopes))
