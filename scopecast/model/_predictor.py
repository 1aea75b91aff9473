"""The scope model: one calibrated probability per scope that a task will need it.

Design (chosen to be exportable to a numpy-only runtime form, issue 7):

- features from :class:`~scopecast.features.TaskFeaturizer` (sparse, linear-friendly);
- one L2 logistic regression per scope (one-vs-rest), ``C`` chosen from a grid by grouped
  cross-validation (the Brier score of cross-fitted calibrated out-of-fold probabilities);
- a calibration map per scope (Platt sigmoid or isotonic, one method for all scopes chosen
  the same way), fitted on out-of-fold scores of the final ``C``;
- scopes with fewer than ``min_positive`` positive groups (or negatives) are not modelled:
  they get a Beta-smoothed base rate ``(n_pos + prior_strength/2) / (n + prior_strength)``,
  so a scope seen once or never still has a sensible probability;
- a scope already used by the calls made so far (``TaskInput.calls``) has probability 1,
  and rows where it was used do not train it: the model learns ``P(needed | progress)``
  for the scopes still to come, which is what batching at an interruption needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid
from scopecast._domain_support import apply_domain_support
from scopecast.catalogue import Catalogue
from scopecast.exceptions import DataValidationError
from scopecast.features import TaskFeaturizer, as_task_inputs, scope_documents
from scopecast.model._context_fields import context_field_shares
from scopecast.model._crossfit import (
    ProgressCallback,
    featurized_folds,
    grouped_folds,
    matrix_folds,
    out_of_fold_scores,
)
from scopecast.model._domain_support_fit import cross_fit_domain_support, fit_inputs_support
from scopecast.model._match import match_design
from scopecast.model._params import check_params, check_rows
from scopecast.model._priors import fit_priors, unobserved_mask
from scopecast.model._selection import (
    cross_fitted_probabilities,
    select_models,
    selection_metrics,
)
from scopecast.model._sources import fit_sources, needs_design
from scopecast.model._targets import read_targets
from scopecast.scoring import TaskInput
from scopecast.traces import Trace

__all__ = ["ScopePredictor"]


class ScopePredictor(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Calibrated multi-label model: P(scope needed | task, context, plan, calls so far).

    Parameters
    ----------
    featurizer : TaskFeaturizer, "passthrough" or None, default=None
        Turns task inputs into features (``None``: a default :class:`TaskFeaturizer`).
        ``"passthrough"``: ``X`` is already a numeric feature matrix.
    C : float or sequence of float, default=(0.3, 3.0, 30.0, 300.0, 3000.0)
        Inverse L2 regularisation; a sequence is a grid chosen by grouped CV.
    calibration : {"auto", "sigmoid", "isotonic"}, default="auto"
        Calibration map; ``"auto"`` picks the one with the lower cross-fitted Brier score.
    cv : int, default=5
        Grouped folds for the out-of-fold scores (fewer if there are fewer groups).
    min_positive : int, default=2
        A scope needs this many groups with it and this many without it to be modelled;
        otherwise it gets its smoothed base rate.
    prior_strength : float, default=1.0
        Pseudo-count of the Beta prior of the base rate (half of it positive).
    support_min_groups : int, default=3
        A ``context.domain`` whose training traces come from at least this many groups
        keeps its support, the scopes its traces needed; any other scope gets probability 0
        on its tasks unless their plan names it (:mod:`scopecast._domain_support`). 0: off.
    max_iter : int, default=1000
    random_state : int or None, default=None

    Attributes
    ----------
    sources_ : list of str
        Per scope, what gives its probability: ``"words"`` (its one-vs-rest model),
        ``"match"`` (the match model shared by every scope, :mod:`scopecast.model._match`),
        ``"blend"`` (the sum of both scores), ``"fields"`` (its logistic regression on the
        context, plan and progress columns only, no task text), ``"pooled"`` (the match
        model under a calibration map shared by every scope, for a scope too rare to judge a
        map of its own) or ``"prior"`` (its base rate), chosen by grouped CV.
    scopes_ : list of str
        Column order of :meth:`predict_proba`.
    classes_ : ndarray
        ``scopes_`` as an array (or the class labels when ``Y`` was a 1-D vector).
    featurizer_ : TaskFeaturizer or None
    modelled_ : ndarray of int
        Columns with a fitted linear model; the others use ``base_rate_``.
    coef_ : ndarray of shape (n_modelled, n_features)
    intercept_ : ndarray of shape (n_modelled,)
    n_iter_ : ndarray of shape (n_modelled,)
        Solver iterations of each final per-scope model.
    base_rate_ : ndarray of shape (n_scopes,)
        Beta-smoothed rate of each scope in the training rows.
    C_ : float
    calibration_ : str
        ``"sigmoid"`` or ``"isotonic"``.
    sigmoid_ : ndarray of shape (n_modelled, 2)
        Platt ``(a, b)`` per modelled scope (when ``calibration_ == "sigmoid"``).
    isotonic_x_, isotonic_y_ : list of ndarray
        Isotonic map points per modelled scope (when ``calibration_ == "isotonic"``).
    cv_results_ : dict
        Cross-fitted Brier score per ``C`` and per calibration method.
    oof_proba_ : ndarray of shape (n_samples, n_scopes)
        Grouped-CV probabilities of the training rows (each from models that did not see
        the row's group; a scope already used: 1). A training diagnostic, used to choose
        the policy's parameters; :func:`~scopecast.model.save_model` does not store it.
    cv_metrics_ : dict
        Brier, ECE and PR-AUC of the cross-fitted probabilities on the rows without calls.
    domain_support_ : dict of str to ndarray of bool
        Per ``context.domain`` value with enough groups, which of ``scopes_`` its training
        traces needed (empty when fitted on a feature matrix).
    context_fields_ : dict of str to float
        Per context field, the share of training tasks that had it (empty when fitted on a
        feature matrix): :class:`~scopecast.runtime.PreAuthorizer` says when a task lacks a
        field that nearly all of them had.
    """

    def __init__(
        self,
        featurizer: TaskFeaturizer | str | None = None,
        *,
        C: float | Sequence[float] = (0.3, 3.0, 30.0, 300.0, 3000.0),
        calibration: str = "auto",
        cv: int = 5,
        min_positive: int = 2,
        prior_strength: float = 1.0,
        support_min_groups: int = 3,
        max_iter: int = 1000,
        random_state: int | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.min_positive = min_positive
        self.prior_strength = prior_strength
        self.support_min_groups = support_min_groups
        self.max_iter = max_iter
        self.random_state = random_state

    def fit_traces(
        self,
        traces: Sequence[Trace],
        catalogue: Catalogue | None = None,
        *,
        group_pattern: str | None = None,
        prefix_weight: float = 1.0,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """Fit on traces (before-start rows plus call prefixes); see :func:`train_predictor`."""
        from scopecast.model._training import train_predictor

        train_predictor(
            traces,
            catalogue,
            predictor=self,
            group_pattern=group_pattern,
            prefix_weight=prefix_weight,
            progress=progress,
        )
        return self

    def __sklearn_tags__(self) -> Tags:
        """Multi-label output; sparse numeric input is accepted in passthrough mode."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        if not self._is_passthrough():
            tags.input_tags.two_d_array = False
            tags.input_tags.string = True
        return tags

    # -- fitting ---------------------------------------------------------------------------

    def _is_passthrough(self) -> bool:
        return isinstance(self.featurizer, str) and self.featurizer == "passthrough"

    def fit(
        self,
        X: object,
        y: object,
        *,
        groups: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
        catalogue: Catalogue | None = None,
        scopes: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : list of TaskInput or Trace, DataFrame, or (passthrough) a numeric matrix
        y : 0/1 matrix (n_samples, n_scopes), list of scope sets, or 1-D class labels
            The labels ``Y`` (named ``y`` for scikit-learn's keyword calls).
        groups : array-like of shape (n_samples,), optional
            Rows of one group never straddle a CV fold (paraphrases of one task, prefixes
            of one trace). Default: every row is its own group.
        sample_weight : array-like of shape (n_samples,), optional
        catalogue : Catalogue, optional
            Adds its scopes as columns (at their prior) and gives the similarity features
            their scope documents.
        scopes : sequence of str, optional
            Names of the columns of a matrix ``Y``, or extra scopes for scope sets.
        progress : callable, optional
            ``progress(stage, done, total)``.
        """
        Cs = check_params(self)
        inputs: list[TaskInput] | None = None
        if self._is_passthrough():
            matrix = validate_data(self, X, accept_sparse="csr", dtype=np.float64)
            n = matrix.shape[0]
        else:
            inputs = as_task_inputs(X)
            n = len(inputs)
        if n == 0:
            raise DataValidationError("ScopePredictor cannot be fitted on 0 samples; X is empty.")
        extra = list(scopes or ())
        if catalogue is not None:
            extra += sorted(catalogue.all_scopes)
        targets = read_targets(y, n, extra if extra else None)
        Ymat = targets.matrix
        n_with = Ymat.sum(axis=0)
        if int(np.count_nonzero(n_with)) < 2:
            raise DataValidationError(
                f"ScopePredictor needs at least 2 scopes (classes) that some sample needs; "
                f"got {int(np.count_nonzero(n_with))} (one class or none). Train on traces whose "
                f"calls use more than one scope."
            )
        w, g = check_rows(sample_weight, groups, n)
        self.scopes_ = targets.scopes
        self.classes_ = targets.classes if targets.classes is not None else np.asarray(self.scopes_)
        self._single_label = targets.classes is not None
        usable = unobserved_mask(inputs, self.scopes_, n)
        priors = fit_priors(
            Ymat,
            usable,
            w,
            g,
            prior_strength=self.prior_strength,
            min_positive=self.min_positive,
        )
        self.base_rate_ = priors.base_rate
        candidates, prior_logit = priors.candidates, priors.prior_logit

        docs = None
        if catalogue is not None:
            docs = scope_documents(catalogue, self.scopes_)
        base = TaskFeaturizer() if self.featurizer is None else self.featurizer
        if inputs is not None:
            assert isinstance(base, TaskFeaturizer)
            features = featurized_folds(base, inputs, docs, self.scopes_, catalogue)
        else:
            dense = sp.csr_matrix(matrix)
            features = matrix_folds(dense)

        if len(candidates) and len(np.unique(g)) < 2:
            raise DataValidationError(
                "ScopePredictor needs at least 2 distinct groups to calibrate by grouped "
                "cross-validation; all samples are in one group. Pass finer groups or more data."
            )
        folds = grouped_folds(g, self.cv) if len(np.unique(g)) >= 2 else np.zeros(n, dtype=np.int64)
        oof = out_of_fold_scores(
            features,
            Ymat,
            usable,
            w,
            folds,
            candidates,
            Cs,
            groups=g,
            prior_strength=self.prior_strength,
            min_positive=self.min_positive,
            max_iter=self.max_iter,
            random_state=self.random_state,
            progress=progress,
        )
        upfront = (
            np.ones(n, dtype=bool)
            if inputs is None
            else np.array([not item.calls for item in inputs], dtype=bool)
        )
        chosen = select_models(
            oof, Ymat, usable, w, folds, candidates, self.base_rate_, self.calibration, self.scopes_
        )
        self.C_ = chosen.C
        self.calibration_ = chosen.method
        self.sources_ = chosen.sources
        self.modelled_ = np.asarray(chosen.modelled, dtype=np.int64)
        self.sigmoid_ = chosen.sigmoid
        self.isotonic_x_ = chosen.isotonic_x
        self.isotonic_y_ = chosen.isotonic_y
        self.cv_results_ = chosen.results
        self.oof_proba_ = cross_fitted_probabilities(chosen, Ymat, usable, w, folds, oof.base_rate)
        self.domain_support_ = {}
        self.context_fields_ = {} if inputs is None else context_field_shares(inputs)
        if inputs is not None:
            self.domain_support_ = fit_inputs_support(inputs, g, Ymat, self.support_min_groups)
            cross_fit_domain_support(
                self.oof_proba_,
                inputs,
                g,
                Ymat,
                usable,
                folds,
                self.scopes_,
                self.support_min_groups,
            )
        self.cv_metrics_ = selection_metrics(self.oof_proba_, Ymat, upfront, self.scopes_)
        if progress is not None:
            progress("final fit", 0, 1)
        if inputs is not None:
            assert isinstance(base, TaskFeaturizer)
            self.featurizer_: TaskFeaturizer | None = clone(base).fit(inputs, scope_documents=docs)
            F = self.featurizer_.transform(inputs)
        else:
            self.featurizer_ = None
            F = dense
        design = (
            match_design(self.featurizer_, self.scopes_, catalogue)
            if self.featurizer_ is not None and needs_design(self.sources_)
            else None
        )
        weights = fit_sources(
            F,
            Ymat,
            usable,
            w,
            prior_logit,
            self.sources_,
            self.modelled_.tolist(),
            design=design,
            C=self.C_,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )
        self.coef_, self.intercept_, self.n_iter_ = weights.coef, weights.intercept, weights.n_iter
        if progress is not None:
            progress("final fit", 1, 1)
        return self

    # -- prediction ------------------------------------------------------------------------

    def _features_and_observed(
        self, X: object
    ) -> tuple[
        sp.csr_matrix | npt.NDArray[np.float64], npt.NDArray[np.bool_], list[TaskInput] | None
    ]:
        """The features of ``X``, which scopes its calls used, and its inputs (``None`` in
        passthrough mode)."""
        check_is_fitted(self, "coef_")
        if self.featurizer_ is None:
            matrix = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
            return matrix, np.zeros((matrix.shape[0], len(self.scopes_)), dtype=bool), None
        inputs = as_task_inputs(X)
        observed = ~unobserved_mask(inputs, self.scopes_, len(inputs))
        return self.featurizer_.transform(inputs), observed, inputs

    def decision_function(self, X: object) -> npt.NDArray[np.float64]:
        """Uncalibrated scores, shape (n_samples, n_scopes).

        Column ``j`` is the linear score of scope ``j``'s model (before its calibration map)
        when it has one (``modelled_``), else the logit of its base rate.
        """
        F, _, _ = self._features_and_observed(X)
        out = np.tile(np.log(self.base_rate_ / (1.0 - self.base_rate_)), (F.shape[0], 1))
        out[:, self.modelled_] = np.asarray(F @ self.coef_.T) + self.intercept_
        return out

    def predict_proba(self, X: object) -> npt.NDArray[np.float64]:
        """Return shape (n_samples, n_scopes); column j is P(``scopes_[j]`` is needed)."""
        F, observed, inputs = self._features_and_observed(X)
        Z = np.asarray(F @ self.coef_.T, dtype=np.float64) + self.intercept_
        P = np.tile(self.base_rate_, (F.shape[0], 1))
        if len(self.modelled_):
            if self.calibration_ == "sigmoid":
                P[:, self.modelled_] = apply_sigmoid(Z, self.sigmoid_[:, 0], self.sigmoid_[:, 1])
            else:
                P[:, self.modelled_] = apply_isotonic(Z, self.isotonic_x_, self.isotonic_y_)
        if inputs is not None:
            apply_domain_support(P, inputs, self.scopes_, self.domain_support_)
        P[observed] = 1.0
        return P

    def predict(self, X: object) -> npt.NDArray[np.generic]:
        """Scopes with probability at least 0.5 (0/1 matrix); one class per sample for 1-D ``y``."""
        P = self.predict_proba(X)
        if self._single_label:
            labels: npt.NDArray[np.generic] = np.asarray(self.classes_)[np.argmax(P, axis=1)]
            return labels
        return (P >= 0.5).astype(np.int64)

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """``ScopeScorer`` protocol: ``[{scope: P(needed)}, ...]``, one mapping per input."""
        if len(inputs) == 0:
            return []
        P = self.predict_proba(list(inputs))
        return [dict(zip(self.scopes_, row.tolist(), strict=True)) for row in P]
