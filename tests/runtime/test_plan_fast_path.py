"""PreAuthorizer's compact fast path plans exactly as the policy does on the scorer's output.

A small real model (word 1-3-grams and character 2-4-grams, weighted blocks, similarity) is
trained on bundled traces; its compact form must equal scikit-learn (checked by the session
fixture of ``tests/compact_equality.py`` when it is fitted), and every plan ``PreAuthorizer``
makes from it must equal the plan made from the scorer's probabilities by the scope-by-scope
reference policy (``tests/policy_reference.py``): same upfront scopes, same probabilities,
costs and reasons, for the model's catalogue and for another one (whose unknown scopes the
PreAuthorizer leaves out before the policy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scopecast import Catalogue, ScopeSpec, read_traces
from scopecast.defaults import BUNDLED_TEST, BUNDLED_TRAIN, bundled_file
from scopecast.generator import default_catalogue
from scopecast.policy import CostModel
from scopecast.runtime import AuthorizationPlan, PreAuthorizer, load_compact
from scopecast.scoring import TaskInput
from tests.policy_reference import reference_choose_upfront

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scopecast.features import TaskFeaturizer
    from scopecast.model import ScopePredictor, train_to_directory

    featurizer = TaskFeaturizer(
        word_ngram_range=(1, 3), char_ngram_range=(2, 4), text_weight=0.7, similarity_weight=1.3
    )
    out = tmp_path_factory.mktemp("model") / "chars"
    traces = read_traces(bundled_file(BUNDLED_TRAIN))[:200]
    small = ScopePredictor(featurizer, C=1.0, cv=2, random_state=0)
    train_to_directory(traces, out, default_catalogue(), predictor=small)
    return out


def _tasks() -> list[TaskInput]:
    tests = read_traces(bundled_file(BUNDLED_TEST))[:60]
    extra = [TaskInput("a"), TaskInput("Wire 2,500 EUR to Zoë — ünïcode", {"domain": "x+y"})]
    return [TaskInput.from_trace(t) for t in tests] + extra


@pytest.mark.parametrize("override", [False, True])
def test_fast_plan_equals_the_reference_policy_on_the_scorer_output(
    model_dir: Path, override: bool
) -> None:
    scorer = load_compact(model_dir).scorer
    catalogue = load_compact(model_dir).catalogue
    costs = CostModel()
    if override:  # a catalogue without some model scopes, with others, and consent costs
        kept = [s for s in catalogue.scopes if not s.name.startswith("google:")]
        catalogue = Catalogue(
            scopes=(*kept, ScopeSpec(name="new:scope", risk=0.2)), tools=catalogue.tools[:0]
        )
        costs = CostModel(interruption=1.5, consent_screen=0.2, risk_weight=0.8)
    pre = PreAuthorizer(model_dir, catalogue=catalogue if override else None, costs=costs)
    assert not pre.is_degraded
    assert pre.planning_costs.consent_screen == costs.consent_screen
    n_upfront = 0
    for item in _tasks():
        plan = pre.plan(item.task, item.context, item.plan)
        (probabilities,) = scorer.predict_scopes([item])
        # model scopes outside the catalogue (unknown risk) are never asked up front
        known = {s: p for s, p in probabilities.items() if catalogue.has_scope(s)}
        assert override or known == probabilities
        # the plan minimises the costs with the interruption scaled as chosen at training
        reference = reference_choose_upfront(known, catalogue, pre.planning_costs)
        assert plan.upfront_scopes == reference.upfront
        expected = AuthorizationPlan.from_decision(item.task, reference, catalogue)
        assert plan == expected  # every planned scope: probability and reason
        assert plan.model_dump_json() == expected.model_dump_json()
        n_upfront += len(plan.upfront_scopes)
    assert n_upfront > 0


def test_compact_rows_equal_one_by_one_and_in_batch(model_dir: Path) -> None:
    scorer = load_compact(model_dir).scorer
    items = [*_tasks(), TaskInput("")]  # and one without any feature
    batch = scorer.predict_proba(items)
    for row, item in zip(batch, items, strict=True):
        assert np.array_equal(row, scorer.predict_proba([item])[0])
