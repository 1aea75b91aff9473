"""ScopePredictor: fitting on traces, probabilities, progress, the ScopeScorer protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import Call


def test_predictor_columns_cover_catalogue_scopes(fitted, catalogue):
    assert set(catalogue.all_scopes) <= set(fitted.scopes_)
    assert list(fitted.classes_) == fitted.scopes_


def test_predictor_probabilities_rank_the_right_scope(fitted):
    inputs = [
        TaskInput("Send an email to Ada about the quarterly review", {"domain": "work"}),
        TaskInput("Post the release update in the team channel", {"domain": "chat"}),
    ]
    P = fitted.predict_proba(inputs)
    assert P.shape == (2, len(fitted.scopes_))
    assert np.all((P >= 0) & (P <= 1))
    col = {s: j for j, s in enumerate(fitted.scopes_)}
    assert P[0, col["google:gmail.send"]] > 0.5 > P[0, col["slack:chat:write"]]
    assert P[1, col["slack:chat:write"]] > 0.5 > P[1, col["google:gmail.send"]]


def test_predictor_unseen_scope_gets_small_prior_not_crash(fitted):
    (probs,) = fitted.predict_scopes([TaskInput("Share the budget file with Dana")])
    assert 0.0 < probs["google:drive.share"] < 0.05


def test_predictor_scope_used_so_far_is_certain(fitted):
    calls = (Call(tool="slack.post", scopes=("slack:chat:write",)),)
    (probs,) = fitted.predict_scopes(
        [TaskInput("Email Lee the notes", {"domain": "work"}, calls=calls)]
    )
    assert probs["slack:chat:write"] == 1.0


def test_predictor_is_a_scope_scorer(fitted):
    assert isinstance(fitted, ScopeScorer)
    out = fitted.predict_scopes([TaskInput("Pay the audit invoice from Ivan", {"domain": "money"})])
    assert set(out[0]) == set(fitted.scopes_)
    assert fitted.predict_scopes([]) == []


def test_predictor_accepts_dataframe_with_json_context(fitted):
    frame = pd.DataFrame(
        {"task": ["Email Lee the launch notes"], "context": ['{"domain": "work"}']}
    )
    from_frame = fitted.predict_proba(frame)
    from_inputs = fitted.predict_proba(
        [TaskInput("Email Lee the launch notes", {"domain": "work"})]
    )
    np.testing.assert_allclose(from_frame, from_inputs)


def test_predictor_ignores_unseen_context_values(fitted):
    base = fitted.predict_proba([TaskInput("Email Lee the launch notes", {})])
    unseen = fitted.predict_proba([TaskInput("Email Lee the launch notes", {"planet": "mars"})])
    np.testing.assert_allclose(base, unseen)


def test_predictor_records_cv_choices(fitted):
    assert fitted.C_ in (1.0, 10.0)
    assert fitted.calibration_ in ("sigmoid", "isotonic")
    assert {"brier", "ece", "mean_pr_auc"} <= set(fitted.cv_metrics_)


def test_predictor_rejects_bad_params(corpus):
    from scopecast.model import ScopePredictor

    with pytest.raises(ValueError, match="'calibration' parameter"):
        ScopePredictor(calibration="magic").fit(corpus, [t.needed_scopes for t in corpus])
    with pytest.raises(ValueError, match="'C' parameter"):
        ScopePredictor(C=-1.0).fit(corpus, [t.needed_scopes for t in corpus])


def test_predictor_sources_are_chosen_per_scope(fitted):
    assert len(fitted.sources_) == len(fitted.scopes_)
    assert set(fitted.sources_) <= {"words", "match", "blend", "fields", "pooled", "prior"}
    modelled = {fitted.scopes_[j] for j in fitted.modelled_}
    assert modelled == {
        s for s, src in zip(fitted.scopes_, fitted.sources_, strict=True) if src != "prior"
    }
    # a scope no trace needs can only have its prior
    assert fitted.sources_[fitted.scopes_.index("google:drive.share")] == "prior"


def test_predictor_fit_traces_equals_train_predictor(corpus, catalogue, fitted):
    from scopecast.model import ScopePredictor

    model = ScopePredictor(C=(1.0, 10.0), cv=3, random_state=0).fit_traces(
        corpus, catalogue, group_pattern=r"/(t-[0-9a-f]{10})/"
    )
    inputs = [TaskInput("Email Lee the launch notes", {"domain": "work"})]
    np.testing.assert_allclose(model.predict_proba(inputs), fitted.predict_proba(inputs))
