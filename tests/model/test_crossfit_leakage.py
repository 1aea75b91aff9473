"""The out-of-fold scores see nothing of their own fold's labels.

Every estimate made at training time (the CV metrics, the policy's settings and their
``cv_policy_cost_per_task``) is computed on the out-of-fold scores, so a fold's labels must
not reach its own scores by any path: not through the base rates (the match model's prior
feature and intercept, the probability of a scope left to its prior), nor through the choice
of which scopes have enough groups to be modelled.
"""

from __future__ import annotations

import numpy as np
import pytest

from scopecast.features import TaskFeaturizer, scope_documents
from scopecast.model import ScopePredictor, train_predictor
from scopecast.model._crossfit import featurized_folds, grouped_folds, out_of_fold_scores
from scopecast.model._grouping import groups_for
from scopecast.model._priors import fit_priors, unobserved_mask
from scopecast.model._selection import _pooled_crossfit
from scopecast.model._targets import read_targets
from scopecast.model._training import training_rows
from tests.model.conftest import make_catalogue, make_traces

GROUPS = r"/(t-[0-9a-f]{10})/"


def _oof(Y, setup):
    rows, usable, folds, candidates, features = setup
    return out_of_fold_scores(
        features,
        Y,
        usable,
        rows.weights,
        folds,
        candidates,
        [1.0],
        groups=rows.groups,
        prior_strength=1.0,
        min_positive=2,
        max_iter=1000,
        random_state=0,
    )


@pytest.fixture(scope="module")
def setup():
    traces = make_traces()
    catalogue = make_catalogue()
    rows = training_rows(traces, groups_for(traces, GROUPS))
    targets = read_targets(rows.labels, len(rows.inputs), sorted(catalogue.all_scopes))
    usable = unobserved_mask(rows.inputs, targets.scopes, len(rows.inputs))
    folds = grouped_folds(rows.groups, 3)
    priors = fit_priors(
        targets.matrix, usable, rows.weights, rows.groups, prior_strength=1.0, min_positive=2
    )
    docs = scope_documents(catalogue, targets.scopes)
    features = featurized_folds(TaskFeaturizer(), rows.inputs, docs, targets.scopes, catalogue)
    return targets.matrix, (rows, usable, folds, priors.candidates, features)


def test_a_folds_scores_do_not_move_with_its_own_labels(setup):
    Y, parts = setup
    folds = parts[2]
    held = folds == 0
    flipped = Y.copy()
    flipped[held] = 1.0 - flipped[held]  # every label of fold 0 changed
    before, after = _oof(Y, parts), _oof(flipped, parts)
    assert before.match is not None
    assert after.match is not None
    assert before.fields is not None
    assert after.fields is not None
    np.testing.assert_array_equal(before.match[held], after.match[held])
    np.testing.assert_array_equal(before.scores[1.0][held], after.scores[1.0][held])
    np.testing.assert_array_equal(before.fields[1.0][held], after.fields[1.0][held])
    np.testing.assert_array_equal(before.base_rate[held], after.base_rate[held])
    # the other folds trained on fold 0, so theirs did move: the check above has power
    assert not np.array_equal(before.match[~held], after.match[~held])


def test_a_scope_of_one_template_is_pooled_under_maps_that_never_saw_its_fold():
    """``bank:payments.write`` is needed by one template (domain "money", no support): too
    rare for a map of its own, it takes the match score under the map shared by every scope
    (``pooled``). Each fold's scores are mapped by a map fitted on the other folds' pairs, so
    changing every label of a fold leaves that fold's probabilities where they were."""
    traces = make_traces()
    model, _ = train_predictor(
        traces,
        make_catalogue(),
        predictor=ScopePredictor(C=(1.0,), cv=3, random_state=0),
        group_pattern=GROUPS,
    )
    assert model.sources_[model.scopes_.index("bank:payments.write")] == "pooled"


def test_the_shared_map_of_a_fold_is_fitted_without_that_folds_labels(setup):
    Y, parts = setup
    rows, usable, folds = parts[0], parts[1], parts[2]
    scores = _oof(Y, parts).match
    assert scores is not None
    held = folds == 0
    flipped = Y.copy()
    flipped[held] = 1.0 - flipped[held]
    pool = list(range(Y.shape[1]))
    for method in ("sigmoid", "isotonic"):
        before = _pooled_crossfit(method, scores, Y, usable, rows.weights, folds, pool)
        after = _pooled_crossfit(method, scores, flipped, usable, rows.weights, folds, pool)
        np.testing.assert_array_equal(before[held], after[held])
        # the other folds' maps were fitted on fold 0's pairs, so theirs moved: power
        assert not np.array_equal(before[~held], after[~held])
