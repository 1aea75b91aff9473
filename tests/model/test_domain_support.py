"""Each domain's support: the scopes its training traces needed; outside it, probability 0."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scopecast._domain_support import apply_domain_support, support_mask
from scopecast.exceptions import ArtifactError
from scopecast.model import ScopePredictor, export_compact, save_model, train_predictor
from scopecast.model._domain_support_fit import fit_domain_support
from scopecast.policy import CostModel
from scopecast.runtime import CompactScorer, PreAuthorizer, load_scorer
from scopecast.runtime._compact_layout import CompactLayout
from scopecast.scoring import TaskInput
from scopecast.traces import Call, PlanStep
from tests.model.conftest import make_traces

GROUPS = r"/(t-[0-9a-f]{10})/"
SCOPES = ["a:x", "a:y", "b:z"]


def test_support_is_the_union_of_what_a_domain_needed_once_it_has_enough_groups():
    Y = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.float64)
    domains = ["one", "one", "one", "two"]
    support = fit_domain_support(domains, ["g1", "g2", "g2", "g3"], Y, min_groups=2)
    assert set(support) == {"one"}  # "two" has one group
    assert support["one"].tolist() == [True, True, False]
    assert fit_domain_support(domains, ["g1", "g1", "g1", "g3"], Y, min_groups=2) == {}
    assert fit_domain_support(domains, ["g1", "g2", "g3", "g4"], Y, min_groups=0) == {}
    # a row without a domain counts for no domain
    assert set(fit_domain_support([None, None, "one", "one"], [1, 2, 3, 4], Y, 2)) == {"one"}


def test_the_mask_spares_unknown_domains_and_what_the_plan_names():
    support = {"one": np.array([True, False, False]), "all": np.array([True, True, True])}
    inputs = [
        TaskInput("t", {"domain": "one"}),
        TaskInput("t", {"domain": "unseen"}),
        TaskInput("t", {}),
        TaskInput("t", {"domain": "one"}, plan=(PlanStep(tool="z", scopes=("b:z", "c:w")),)),
        TaskInput("t", {"domain": "all"}),
    ]
    mask = support_mask(inputs, SCOPES, support)
    assert mask is not None
    assert mask.tolist() == [
        [False, True, True],
        [False, False, False],
        [False, False, False],
        [False, True, False],  # the plan names b:z (and c:w, which is no column)
        [False, False, False],
    ]
    assert support_mask(inputs[1:3], SCOPES, support) is None
    assert support_mask(inputs, SCOPES, {}) is None
    P = np.full((len(inputs), 3), 0.5)
    assert apply_domain_support(P, inputs, SCOPES, support)[0].tolist() == [0.5, 0.0, 0.0]


@pytest.fixture(scope="module")
def trained(catalogue):
    # domain "work" has 5 templates, "chat" 2 and "money" 1: only "work" has a support at 3.
    # Sigmoid maps, never exactly 0, so that every 0 below is the support's.
    model, merged = train_predictor(
        make_traces(),
        catalogue,
        predictor=ScopePredictor(C=(1.0,), calibration="sigmoid", cv=3, random_state=0),
        group_pattern=GROUPS,
    )
    return model, merged


def test_a_trained_model_gives_zero_outside_its_domains_support(trained):
    model, _ = trained
    assert set(model.domain_support_) == {"work"}
    allowed = dict(zip(model.scopes_, model.domain_support_["work"].tolist(), strict=True))
    assert allowed["google:gmail.send"]
    assert allowed["google:calendar.events"]
    assert not allowed["slack:chat:write"]
    assert not allowed["bank:payments.write"]
    work, chat, planned, used = model.predict_scopes(
        [
            TaskInput("Post the budget update in the team channel", {"domain": "work"}),
            TaskInput("Post the budget update in the team channel", {"domain": "chat"}),
            TaskInput(
                "Post the budget update in the team channel",
                {"domain": "work"},
                plan=(PlanStep(tool="slack.post", scopes=("slack:chat:write",)),),
            ),
            TaskInput(
                "Post the budget update in the team channel",
                {"domain": "work"},
                calls=(Call(tool="slack.post", scopes=("slack:chat:write",)),),
            ),
        ]
    )
    assert work["slack:chat:write"] == 0.0
    assert work["bank:payments.write"] == 0.0
    assert work["google:gmail.send"] > 0.0
    assert chat["slack:chat:write"] > 0.5  # "chat" has too few groups for a support
    assert planned["slack:chat:write"] > 0.0  # the plan names it
    assert used["slack:chat:write"] == 1.0  # the calls so far used it


def test_the_cross_fitted_probabilities_use_each_folds_own_support():
    """A scope that only one group of a domain needed is outside the support fitted without
    that group, so its cross-fitted probability is 0 on that group's rows."""
    traces = make_traces()
    rare = [t for t in traces if "t-0000000007" in t.trace_id]  # "What is on my calendar"
    model, _ = train_predictor(
        traces,
        predictor=ScopePredictor(C=(1.0,), cv=3, random_state=0, support_min_groups=2),
        group_pattern=GROUPS,
    )
    assert rare
    off, _ = train_predictor(
        traces,
        predictor=ScopePredictor(C=(1.0,), cv=3, random_state=0, support_min_groups=0),
        group_pattern=GROUPS,
    )
    assert off.domain_support_ == {}
    changed = model.oof_proba_ != off.oof_proba_
    assert changed.any()
    assert np.all(model.oof_proba_[changed] == 0.0)  # the support only ever sets zeros


def test_support_min_groups_is_checked():
    with pytest.raises(ValueError, match="support_min_groups"):
        train_predictor(make_traces(), predictor=ScopePredictor(support_min_groups=-1))


def test_the_compact_plan_path_applies_the_support(trained, tmp_path):
    model, merged = trained
    directory = save_model(model, tmp_path / "m", catalogue=merged)
    bundle = load_scorer(directory)
    layout = CompactLayout(bundle.scorer, merged)
    index = layout.tables.index
    task = TaskInput("Post the roadmap update in the team channel", {"domain": "work"})
    fast, _ = layout.predict(task)
    (slow,) = model.predict_scopes([task])
    for scope, j in index.items():
        assert fast[j] == pytest.approx(slow.get(scope, 0.0), abs=1e-9)
    assert fast[index["slack:chat:write"]] == 0.0
    planned = TaskInput(
        task.task, task.context, plan=(PlanStep(tool="slack.post", scopes=("slack:chat:write",)),)
    )
    with_plan, _ = layout.predict(planned)
    assert with_plan[index["slack:chat:write"]] > 0.0
    dear = PreAuthorizer(directory, costs=CostModel(interruption=1000.0))
    asked = dear.plan(task.task, task.context).upfront_scopes
    assert "slack:chat:write" not in asked  # probability 0: never worth asking
    assert "google:gmail.readonly" in asked  # in the support: asked when interruptions are dear


@pytest.mark.parametrize(
    "broken",
    [
        {"work": ["google:gmail.send", "nowhere:scope"]},  # a scope the model lacks
        None,
        ["work"],
        "work",
        3,
        {"work": {"google:gmail.send": 1}},  # an object where a list belongs
        {"work": "google:gmail.send"},
        {"": ["google:gmail.send"]},  # no domain is named ""
        {"work": [1]},
    ],
)
def test_a_malformed_compact_support_is_refused(trained, tmp_path, broken):
    model, _ = trained
    spec_name, arrays_name = export_compact(model, tmp_path)
    spec = json.loads((tmp_path / spec_name).read_text(encoding="utf-8"))
    assert spec["domain_support"]["work"]  # scope names, readable in the file
    spec["domain_support"] = broken
    with np.load(tmp_path / arrays_name, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    with pytest.raises(ArtifactError, match="malformed"):
        CompactScorer(spec, arrays)


def test_an_empty_domain_is_no_domain(catalogue):
    """``"domain": ""`` neither trains a support of its own nor picks one up at prediction."""
    traces = [
        t.model_copy(update={"context": {"domain": ""} if t.context["domain"] == "work" else {}})
        for t in make_traces()
    ]
    model, _ = train_predictor(
        traces,
        catalogue,
        predictor=ScopePredictor(C=(1.0,), cv=3, random_state=0, support_min_groups=1),
        group_pattern=GROUPS,
    )
    assert model.domain_support_ == {}
    (empty, absent) = model.predict_scopes(
        [TaskInput("Post the budget update in the team channel", c) for c in ({"domain": ""}, {})]
    )
    assert empty["slack:chat:write"] > 0.0
    # "domain=" is an indicator like any other (the model may use it), but no support is
    # ever looked up for it: even one stored under "" changes nothing
    assert set(empty) == set(absent)
    model.domain_support_ = {"": np.zeros(len(model.scopes_), dtype=bool)}
    (forced,) = model.predict_scopes(
        [TaskInput("Post the budget update in the team channel", {"domain": ""})]
    )
    assert forced == empty


def test_a_nan_in_a_masked_scope_stays_nan():
    """A broken model is refused whoever checks it: the mask does not hide a NaN."""
    support = {"one": np.array([True, False, False])}
    P = np.array([[0.5, np.nan, 0.2]])
    out = apply_domain_support(P, [TaskInput("t", {"domain": "one"})], SCOPES, support)
    assert np.isnan(out[0, 1])
    assert out[0, 2] == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
def test_the_plan_path_the_compact_model_and_scikit_learn_agree(calibration, catalogue, tmp_path):
    """``CompactLayout.predict`` (the plan path), the compact ``predict_proba`` and
    scikit-learn's on every mix of domain (with and without a support, unknown, empty,
    absent), plan (none, empty, naming a scope outside the support or unknown) and calls."""
    model, merged = train_predictor(
        make_traces(),
        catalogue,
        predictor=ScopePredictor(
            C=(1.0,), cv=3, random_state=0, calibration=calibration, support_min_groups=2
        ),
        group_pattern=GROUPS,
    )
    assert set(model.domain_support_) == {"work", "chat"}
    layout = CompactLayout(
        load_scorer(save_model(model, tmp_path / "m", catalogue=merged)).scorer, merged
    )
    contexts = [{"domain": d} for d in ("work", "chat", "money", "elsewhere", "")] + [{}]
    plans = [
        None,
        (),
        (PlanStep(tool="bank.pay", scopes=("bank:payments.write",)),),
        (PlanStep(tool="x.y", scopes=("nowhere:scope",)),),
    ]
    calls = [(), (Call(tool="slack.post", scopes=("slack:chat:write",)),)]
    inputs = [
        TaskInput("Pay the audit invoice and post it in the team channel", c, plan=p, calls=k)
        for c in contexts
        for p in plans
        for k in calls
    ]
    expected = model.predict_proba(inputs)
    compact = layout.scorer.predict_proba(inputs)
    assert np.max(np.abs(compact - expected)) <= 1e-9
    index = layout.tables.index
    for item, row in zip(inputs, expected, strict=True):
        fast, extras = layout.predict(item)
        assert not extras
        for j, scope in enumerate(model.scopes_):
            assert fast[index[scope]] == pytest.approx(row[j], abs=1e-9)


def test_a_task_without_a_supported_domain_gets_unconditional_probabilities(trained):
    """The support only ever zeroes: a task with no domain, or an unknown one, gets the
    model's own probabilities, which on the training tasks add up to about the number of
    scopes those tasks needed (not the rates within each domain's support, summed)."""
    model, _ = trained
    traces = make_traces()
    needed = np.mean([len(t.needed_scopes) for t in traces])
    for context in ({}, {"domain": "unseen"}):
        P = model.predict_proba([TaskInput(t.task, context) for t in traces])
        assert P.sum(axis=1).mean() == pytest.approx(needed, rel=0.35)
