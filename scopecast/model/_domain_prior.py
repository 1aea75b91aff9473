"""The ``prior`` source per domain: a scope's rate among the tasks of the input's domain.

A scope too rare to model (or whose models do no better) used to get one base rate for every
task. That rate is wrong both ways: ``slack:channels:history`` is needed by 40% of the Slack
tasks and by none of the others, and one global 7% makes the policy over-ask it outside Slack
and under-ask it inside. The prior source is now the scope's rate in the input's
``context.domain`` (the field the format note defines, the one ``all_known`` and
``frequency`` use), Beta-smoothed toward its overall rate:

``rate(s, d) = (pos(s, d) + k * rate(s)) / (n(s, d) + k)``

with the same weights and usable rows as the overall rate and ``k`` the estimator's
``prior_strength``. A domain never seen (or no domain) gets the overall rate.

It is a linear model on the featurizer's ``domain=<value>`` indicator columns: the intercept
is ``logit(rate(s))`` and each seen domain's column adds ``logit(rate(s, d)) - logit(rate(s))``;
so it is exported, served and checked exactly like the other sources, with an identity
calibration map (see :func:`identity_calibration`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scopecast.features import TaskFeaturizer

__all__ = [
    "DomainPrior",
    "DomainRates",
    "LinearModels",
    "add_domain_priors",
    "cross_fitted_domain_rates",
    "domain_columns",
    "domain_linear_model",
    "fit_domain_rates",
    "identity_calibration",
    "rates_on_rows",
    "row_domains",
]

_EPS = 1e-12


@dataclass(frozen=True)
class DomainRates:
    """Smoothed rate of every scope in every domain seen in training."""

    domains: list[str]
    """The domain values, in row order of :attr:`rates`."""
    rates: npt.NDArray[np.float64]
    """Shape (n_domains, n_scopes)."""
    overall: npt.NDArray[np.float64]
    """Shape (n_scopes,): the overall rate each domain's rate is smoothed toward."""


def fit_domain_rates(
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    domains: Sequence[str | None],
    overall: npt.NDArray[np.float64],
    strength: float,
) -> DomainRates:
    """The smoothed rates of the rows given (see the module docstring)."""
    values = sorted({d for d in domains if d is not None})
    index = {d: k for k, d in enumerate(values)}
    row_domain = np.array([index.get(d, -1) if d is not None else -1 for d in domains])
    weight = usable * w[:, None]
    rates = np.empty((len(values), Y.shape[1]))
    for k in range(len(values)):
        rows = row_domain == k
        pos = (Y[rows] * weight[rows]).sum(axis=0)
        total = weight[rows].sum(axis=0)
        rates[k] = (pos + strength * overall) / (total + strength)
    return DomainRates(values, rates, overall)


def rates_on_rows(
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    domains: Sequence[str | None],
    strength: float,
) -> DomainRates:
    """:func:`fit_domain_rates` toward the rows' own overall rates (Beta-smoothed like the
    estimator's base rates, ``(pos + k/2) / (n + k)``)."""
    weight = usable * w[:, None]
    overall = ((Y * weight).sum(axis=0) + strength / 2.0) / (weight.sum(axis=0) + strength)
    return fit_domain_rates(Y, usable, w, domains, overall, strength)


def rates_of_rows(fitted: DomainRates, domains: Sequence[str | None]) -> npt.NDArray[np.float64]:
    """Shape (n_rows, n_scopes): each row's domain rate (the overall rate for an unseen one)."""
    index = {d: k for k, d in enumerate(fitted.domains)}
    out = np.tile(fitted.overall, (len(domains), 1))
    for i, d in enumerate(domains):
        k = index.get(d) if d is not None else None
        if k is not None:
            out[i] = fitted.rates[k]
    return out


def cross_fitted_domain_rates(
    Y: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    domains: Sequence[str | None],
    folds: npt.NDArray[np.int64],
    strength: float,
) -> npt.NDArray[np.float64]:
    """Shape (n_rows, n_scopes): each row's domain rate fitted on the *other* folds' rows.

    The overall rates are those of the other folds too (Beta-smoothed like the estimator's
    base rates), so no row's own label enters its prior; the prior source is judged on
    these, like the models are on their out-of-fold scores.
    """
    out = np.empty_like(Y, dtype=np.float64)
    for fold in np.unique(folds):
        train = folds != fold
        test = np.flatnonzero(~train)
        train_domains = [d for d, t in zip(domains, train, strict=True) if t]
        fitted = rates_on_rows(Y[train], usable[train], w[train], train_domains, strength)
        out[test] = rates_of_rows(fitted, [domains[i] for i in test.tolist()])
    return out


def _logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    q = np.clip(p, _EPS, 1.0 - _EPS)
    out: npt.NDArray[np.float64] = np.log(q / (1.0 - q))
    return out


def row_domains(contexts: Sequence[Mapping[str, str]]) -> list[str | None]:
    """The ``context.domain`` of each row (``None`` without one)."""
    return [context.get("domain") for context in contexts]


def domain_columns(featurizer: TaskFeaturizer) -> dict[str, int]:
    """The feature column of each ``domain=<value>`` indicator of a fitted featurizer."""
    offset = len(featurizer.text_vocabulary_)
    return {
        token[len("domain=") :]: offset + column
        for token, column in featurizer.indicator_vocabulary_.items()
        if token.startswith("domain=")
    }


def domain_linear_model(
    fitted: DomainRates,
    scope: int,
    columns: Mapping[str, int],
    n_features: int,
    column_value: float = 1.0,
) -> tuple[npt.NDArray[np.float64], float]:
    """``(coef, intercept)`` whose logistic is the scope's domain rate, on the feature columns.

    ``columns`` maps a domain value to its ``domain=<value>`` column, whose value in a row
    is ``column_value`` (the featurizer's indicator weight); a domain without a column (not
    in the featurizer's vocabulary) keeps the overall rate.
    """
    coef = np.zeros(n_features)
    base = float(_logit(fitted.overall[scope : scope + 1])[0])
    shifts = _logit(fitted.rates[:, scope]) - base
    for k, domain in enumerate(fitted.domains):
        column = columns.get(domain)
        if column is not None:
            coef[column] = shifts[k] / column_value
    return coef, base


def identity_calibration(
    coef: npt.NDArray[np.float64], intercept: float, column_value: float = 1.0
) -> tuple[tuple[float, float], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Calibration maps that give ``logistic(z)`` on every score the linear model can take.

    Returns the Platt ``(a, b)`` of ``1 / (1 + exp(a z + b))`` with that effect, ``(-1, 0)``,
    and isotonic points ``(x, logistic(x))`` at every score a row can have (the intercept,
    alone or plus one domain's coefficient: a row has one ``domain=`` column at most), at
    which linear interpolation is exact.
    """
    xs = np.unique(np.append(intercept + coef[np.flatnonzero(coef)] * column_value, intercept))
    ys = 1.0 / (1.0 + np.exp(-xs))
    return (-1.0, 0.0), xs, ys


@dataclass(frozen=True)
class LinearModels:
    """The modelled scopes' linear models and calibration maps, in the order of ``modelled``."""

    modelled: list[int]
    coef: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    n_iter: npt.NDArray[np.int64]
    sigmoid: npt.NDArray[np.float64]
    isotonic_x: list[npt.NDArray[np.float64]]
    isotonic_y: list[npt.NDArray[np.float64]]


def add_domain_priors(
    models: LinearModels,
    fitted: DomainRates,
    scopes: Sequence[int],
    columns: Mapping[str, int],
    column_value: float,
    method: str,
) -> LinearModels:
    """``models`` with the domain prior of each of ``scopes`` added, kept in column order."""
    new = {
        j: domain_linear_model(fitted, j, columns, models.coef.shape[1], column_value)
        for j in scopes
    }
    new = {j: m for j, m in new.items() if np.any(m[0])}  # no seen domain: stays a base rate
    if not new:
        return models
    modelled = sorted([*models.modelled, *new])
    old = {j: k for k, j in enumerate(models.modelled)}
    coef = np.zeros((len(modelled), models.coef.shape[1]))
    intercept = np.zeros(len(modelled))
    n_iter = np.zeros(len(modelled), dtype=np.int64)
    sigmoid = np.zeros((len(modelled), 2))
    xs: list[npt.NDArray[np.float64]] = []
    ys: list[npt.NDArray[np.float64]] = []
    for r, j in enumerate(modelled):
        if j in old:
            k = old[j]
            coef[r], intercept[r], n_iter[r] = models.coef[k], models.intercept[k], models.n_iter[k]
            sigmoid[r] = models.sigmoid[k]
            if method == "isotonic":
                xs.append(models.isotonic_x[k])
                ys.append(models.isotonic_y[k])
            continue
        coef[r], intercept[r] = new[j]
        platt, x, y = identity_calibration(coef[r], float(intercept[r]), column_value)
        sigmoid[r] = platt
        if method == "isotonic":
            xs.append(x)
            ys.append(y)
    return LinearModels(modelled, coef, intercept, n_iter, sigmoid, xs, ys)


@dataclass(frozen=True)
class DomainPrior:
    """The training rows' labels and domains, from which each domain prior is fitted."""

    Y: npt.NDArray[np.float64]
    usable: npt.NDArray[np.bool_]
    w: npt.NDArray[np.float64]
    domains: list[str | None]
    strength: float

    @classmethod
    def of_rows(
        cls,
        contexts: Sequence[Mapping[str, str]],
        Y: npt.NDArray[np.float64],
        usable: npt.NDArray[np.bool_],
        w: npt.NDArray[np.float64],
        strength: float,
    ) -> DomainPrior | None:
        """The prior of these rows, or ``None`` when no row has a ``context.domain``."""
        domains = row_domains(contexts)
        return cls(Y, usable, w, domains, strength) if any(domains) else None

    def rates(self, rows: npt.NDArray[np.int64] | None = None) -> DomainRates:
        """The rates fitted on ``rows`` (default: all)."""
        if rows is None:
            return rates_on_rows(self.Y, self.usable, self.w, self.domains, self.strength)
        return rates_on_rows(
            self.Y[rows],
            self.usable[rows],
            self.w[rows],
            [self.domains[i] for i in rows.tolist()],
            self.strength,
        )

    def cross_fitted(self, folds: npt.NDArray[np.int64]) -> npt.NDArray[np.float64] | None:
        """:func:`cross_fitted_domain_rates` on ``folds`` (``None`` with a single fold)."""
        if len(np.unique(folds)) < 2:
            return None
        return cross_fitted_domain_rates(
            self.Y, self.usable, self.w, self.domains, folds, self.strength
        )

    def add_to(
        self,
        models: LinearModels,
        sources: Sequence[str],
        featurizer: TaskFeaturizer,
        method: str,
    ) -> LinearModels:
        """``models`` with the domain prior of every ``prior`` scope added (see module)."""
        return add_domain_priors(
            models,
            self.rates(),
            [j for j, source in enumerate(sources) if source == "prior"],
            domain_columns(featurizer),
            featurizer.indicator_weight,
            method,
        )
