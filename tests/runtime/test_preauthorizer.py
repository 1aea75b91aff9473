"""PreAuthorizer: the upfront plan by provider, and degradation (never to "allow")."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast import Catalogue, ConfigError
from scopecast.exceptions import ModelUnavailableWarning
from scopecast.runtime import (
    START_TOOL,
    AuthorizationPlan,
    CallbackAuthorizer,
    PreAuthorizer,
    RunStore,
    ScopeGuard,
)
from scopecast.scoring import TaskInput
from tests.runtime.conftest import CATALOGUE, ScriptedConsent


class FixedScorer:
    """A ScopeScorer returning fixed probabilities (the model's output, not the unit tested)."""

    def __init__(self, probabilities: dict[str, float]) -> None:
        self.probabilities = probabilities
        self.inputs: list[TaskInput] = []

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        self.inputs.extend(inputs)
        return [dict(self.probabilities) for _ in inputs]


class BrokenScorer:
    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        raise ValueError("feature mismatch")


def test_preauthorizer_groups_upfront_scopes_by_provider(catalogue: Catalogue) -> None:
    scorer = FixedScorer(
        {
            "google:gmail.send": 0.95,
            "google:calendar.events": 0.9,
            "slack:chat:write": 0.97,
            "google:gmail.readonly": 0.05,
            "bank:payments.write": 0.99,
        }
    )
    pre = PreAuthorizer(scorer, catalogue=catalogue)
    plan = pre.plan("Email Carlos, book a meeting, tell the team", context={"domain": "work"})
    assert plan.providers == ("google", "slack")
    assert plan.upfront_scopes == {
        "google:gmail.send",
        "google:calendar.events",
        "slack:chat:write",
    }
    deferred = {s.scope: s for s in plan.deferred}
    assert "bank:payments.write" in deferred  # jit_only: never before the start
    assert "google:gmail.readonly" in deferred
    for consent in plan.upfront:
        for scope in consent.scopes:
            assert scope.reason
            assert scope.provider == consent.provider
    assert scorer.inputs[0].context == {"domain": "work"}
    assert AuthorizationPlan.model_validate_json(plan.model_dump_json()) == plan


def test_preauthorizer_scorer_without_catalogue_says_how_to_pass_one() -> None:
    # PreAuthorizer() without a model uses the embedded default: tests/test_demo.py.
    with pytest.raises(ConfigError, match="needs catalogue"):
        PreAuthorizer(FixedScorer({}))


def test_preauthorizer_missing_model_degrades_with_warning(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    with pytest.warns(ModelUnavailableWarning, match="point of execution only"):
        pre = PreAuthorizer(tmp_path / "no-model", catalogue=catalogue)
    assert pre.is_degraded
    plan = pre.plan("Email Carlos")
    assert plan.degraded
    assert plan.upfront_scopes == frozenset()
    assert plan.warning


def test_preauthorizer_failing_or_nonsense_model_degrades(catalogue: Catalogue) -> None:
    with pytest.warns(ModelUnavailableWarning, match="ValueError"):
        plan = PreAuthorizer(BrokenScorer(), catalogue=catalogue).plan("Email Carlos")
    assert plan.degraded
    assert not plan.upfront
    with pytest.warns(ModelUnavailableWarning, match=r"not in \[0, 1\]"):
        plan = PreAuthorizer(
            FixedScorer({"google:gmail.send": float("nan")}), catalogue=catalogue
        ).plan("Email Carlos")
    assert plan.degraded
    assert not plan.upfront


JIT_ONLY = frozenset(s.name for s in CATALOGUE.scopes if s.jit_only)
probabilities = st.dictionaries(
    st.sampled_from(sorted(CATALOGUE.all_scopes)), st.floats(0.0, 1.0), max_size=6
)


@given(probs=probabilities, extra=st.sets(st.sampled_from(sorted(CATALOGUE.all_scopes))))
def test_jit_only_scope_is_never_requested_before_the_start(
    probs: dict[str, float], extra: set[str]
) -> None:
    plan = PreAuthorizer(FixedScorer(probs), catalogue=CATALOGUE).plan("Do the thing")
    assert not plan.upfront_scopes & JIT_ONLY
    user = ScriptedConsent()
    guard = ScopeGuard(CATALOGUE, store=RunStore("sqlite://"), authorizer=CallbackAuthorizer(user))
    guard.start("Do the thing", upfront=plan.upfront_scopes | extra)
    for request in user.requests:
        assert request.tool == START_TOOL
        assert not request.requested & JIT_ONLY


@pytest.mark.parametrize(
    ("task", "context", "plan", "says"),
    [
        ("Email Carlos", {"domain": 3}, None, "'domain': 3 is not"),
        ("Email Carlos", {"domain": None}, None, "'domain': None is not"),
        ("Email Carlos", [("domain", "work")], None, "got list"),
        (b"Email Carlos", None, None, "task as a str; got bytes"),
        (None, None, None, "task as a str; got NoneType"),
        (
            "Email Carlos",
            None,
            [{"tool": "t", "scopes": ["google:gmail.send"]}],
            "step 0 is a dict",
        ),
        ("Email Carlos", None, [("t", ("google:gmail.send",))], "step 0 is a tuple"),
        ("Email Carlos", None, "email.send", "got str"),
    ],
)
def test_plan_arguments_of_the_wrong_type_raise_instead_of_degrading(
    catalogue: Catalogue, task, context, plan, says
) -> None:
    # They raised inside the scorer, which PreAuthorizer took for a failure of the model: the
    # plan degraded to nothing up front, and the warning said to retrain the model (task None
    # raised a bare AttributeError instead).
    pre = PreAuthorizer(FixedScorer({"google:gmail.send": 0.9}), catalogue=catalogue)
    with pytest.raises(ConfigError, match=re.escape(says)):
        pre.plan(task, context, plan)
    assert pre.warning is None
    assert pre.plan("Email Carlos", {"domain": "work"}).upfront_scopes == {"google:gmail.send"}


def test_plan_accepts_str_subclasses(catalogue: Catalogue) -> None:
    """A ``StrEnum`` for a context field (or a task of a str subclass) is a str: no error."""

    class Domain(enum.StrEnum):
        WORK = "work"

    class Text(str):
        pass

    pre = PreAuthorizer(FixedScorer({"google:gmail.send": 0.9}), catalogue=catalogue)
    plan = pre.plan(Text("Email Carlos"), {"domain": Domain.WORK})
    assert plan.upfront_scopes == {"google:gmail.send"}
    assert pre.warning is None
