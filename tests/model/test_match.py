"""The match model: shared weights on (task, scope) pairs, served as one linear model per scope."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from scopecast.catalogue import Catalogue, ToolSpec
from scopecast.features import TaskFeaturizer, scope_documents
from scopecast.model._match import (
    _STRUCTURAL,
    MatchFit,
    fit_match,
    match_design,
    match_key,
    match_scores,
    tool_verb,
)
from scopecast.model._training import training_rows
from scopecast.scoring import TaskInput


def _design_and_features(corpus, catalogue):
    scopes = sorted(catalogue.all_scopes | {s for t in corpus for s in t.needed_scopes})
    rows = training_rows(corpus, [t.trace_id for t in corpus])
    feat = TaskFeaturizer().fit(rows.inputs, scope_documents=scope_documents(catalogue, scopes))
    F = feat.transform(rows.inputs)
    Y = np.array([[s in labels for s in scopes] for labels in rows.labels], dtype=np.float64)
    return scopes, rows, feat, F, Y


def test_match_key_meets_word_forms():
    assert match_key("sending") == match_key("sends") == match_key("send")
    assert match_key("emails") == match_key("email")
    assert match_key("messages") == match_key("message")
    assert match_key("created") == match_key("create")
    assert match_key("calendar") != match_key("channel")


def test_pair_features_times_weights_equal_the_exported_linear_model(corpus, catalogue):
    scopes, _, feat, F, _ = _design_and_features(corpus, catalogue)
    design = match_design(feat, scopes, catalogue)
    rng = np.random.default_rng(0)
    fit = MatchFit(rng.normal(size=design.n_pair_features), 0.7, -0.3)
    prior_logit = rng.normal(size=len(scopes))
    Z = match_scores(design, fit, F, prior_logit)
    for j in range(len(scopes)):
        pairs = design.pairs(F, j, float(prior_logit[j]))
        by_pairs = pairs @ np.append(fit.theta, fit.prior_weight) + fit.alpha
        np.testing.assert_allclose(Z[:, j], by_pairs, rtol=0, atol=1e-12)


def test_a_task_word_in_a_scope_document_is_a_match_feature(corpus, catalogue):
    scopes, _, feat, _, _ = _design_and_features(corpus, catalogue)
    design = match_design(feat, scopes, catalogue)
    send = scopes.index("google:gmail.send")
    post = scopes.index("slack:chat:write")
    F = feat.transform([TaskInput("send the email", {})])
    on_send = sp.csr_matrix(F @ design.maps[send])
    on_post = sp.csr_matrix(F @ design.maps[post])
    # "email" and "send" are in gmail.send's tool description, not in slack.post's
    assert on_send.nnz > on_post.nnz


def test_the_plan_naming_a_scope_is_a_pair_feature(corpus, catalogue):
    from scopecast.traces import PlanStep

    scopes, rows, _, _, _ = _design_and_features(corpus, catalogue)
    with_plan = TaskInput(
        "anything", {}, plan=(PlanStep(tool="calendar.create", scopes=("google:calendar.events",)),)
    )
    feat = TaskFeaturizer().fit(
        [*rows.inputs, with_plan], scope_documents=scope_documents(catalogue, scopes)
    )
    design = match_design(feat, scopes, catalogue)
    F = feat.transform([with_plan, TaskInput("anything", {})])
    j = scopes.index("google:calendar.events")
    pairs = design.pairs(F, j, 0.0).toarray()
    assert (pairs[0] != pairs[1]).any()


def test_fit_learns_that_matching_words_raise_the_score(corpus, catalogue):
    scopes, rows, feat, F, Y = _design_and_features(corpus, catalogue)
    design = match_design(feat, scopes, catalogue)
    usable = np.ones_like(Y, dtype=bool)
    base = (Y.mean(axis=0) + 0.01) / 1.02
    prior_logit = np.log(base / (1 - base))
    fit = fit_match(design, F, Y, usable, rows.weights, prior_logit)
    assert fit is not None
    Z = match_scores(design, fit, F, prior_logit)
    # averaged over rows, a scope's score is higher on the rows that need it
    for j, scope in enumerate(scopes):
        pos, neg = Y[:, j] > 0, Y[:, j] == 0
        if pos.any() and neg.any():
            assert Z[pos, j].mean() > Z[neg, j].mean(), scope


def test_fit_returns_none_with_a_single_class(corpus, catalogue):
    scopes, rows, feat, F, Y = _design_and_features(corpus, catalogue)
    design = match_design(feat, scopes, catalogue)
    usable = np.ones_like(Y, dtype=bool)
    assert (
        fit_match(design, F, np.zeros_like(Y), usable, rows.weights, np.zeros(len(scopes))) is None
    )


def test_a_context_part_naming_a_scope_is_a_match_feature(corpus, catalogue):
    scopes, _, feat, _, _ = _design_and_features(corpus, catalogue)
    design = match_design(feat, scopes, catalogue)
    column = design.n_pair_features - len(_STRUCTURAL) + _STRUCTURAL.index("context_match")
    F = feat.transform([TaskInput("anything at all", {"domain": "chat+money"})])
    on = {s: float(sp.csr_matrix(F @ design.maps[scopes.index(s)])[0, column]) for s in scopes}
    # "chat" is a word of slack:chat:write's name, "money" of bank.pay's description
    assert on["slack:chat:write"] > 0
    assert on["bank:payments.write"] > 0
    assert on["google:gmail.send"] == 0


def test_tool_verb_is_the_leading_word_of_the_tool_s_own_name():
    assert tool_verb("create_file") == "create"
    assert tool_verb("email.send_email") == "send"
    assert tool_verb("sendMessage") == "send"
    assert tool_verb("reserve-hotel") == "reserve"
    assert tool_verb("slack.post") == "post"
    assert tool_verb("get") == "get"
    assert tool_verb("v2.123") == ""


def test_verb_match_sums_the_task_words_that_name_a_tool_s_action():
    catalogue = Catalogue(
        tools=(
            ToolSpec(name="files.create_file", scopes=("drive:file",), description="A new one."),
            ToolSpec(name="deleteFile", scopes=("drive:file",), description="Remove it."),
            ToolSpec(name="list_files", scopes=("drive:read",), description="Never delete."),
        )
    )
    scopes = ["drive:file", "drive:read"]
    feat = TaskFeaturizer(word_ngram_range=(1, 1), min_df=1).fit(
        [TaskInput("create file", {}), TaskInput("delete file", {})],
        scope_documents=scope_documents(catalogue, scopes),
    )
    design = match_design(feat, scopes, catalogue)
    column = design.n_pair_features - len(_STRUCTURAL) + _STRUCTURAL.index("verb_match")
    F = feat.transform([TaskInput("create the file, then delete it", {})])
    on = {s: float(sp.csr_matrix(F @ design.maps[j])[0, column]) for j, s in enumerate(scopes)}
    # two training tasks; "create" and "delete" in one each, "file" in both: smoothed idf
    # 1 + ln(3/2) and 1; sublinear tf 1 each; "the", "then" and "it" are not in the
    # vocabulary; unit L2 norm. create_file and deleteFile name both actions:
    idf = 1.0 + math.log(3 / 2)
    assert on["drive:file"] == pytest.approx(2 * idf / math.sqrt(2 * idf**2 + 1), rel=1e-12)
    # "delete" is a word of list_files' description (a match feature), not its action
    assert on["drive:read"] == 0.0
