"""PreAuthorizer.guard(): the guard's just-in-time batches follow the plan's own policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from scopecast import Catalogue, ConfigError
from scopecast.runtime import CallbackAuthorizer, PreAuthorizer, ScopeGuard
from scopecast.scoring import TaskInput
from tests.runtime.conftest import ScriptedConsent


class RecordedModel:
    """A scorer with the metadata ``scopecast train`` writes (the policy it chose)."""

    def __init__(self, probabilities: dict[str, float], **policy: object) -> None:
        self.probabilities = probabilities
        self.metadata: dict[str, Any] = {"params": {f"policy_{k}": v for k, v in policy.items()}}

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        return [dict(self.probabilities) for _ in inputs]


# gmail.send (risk 0.6) at 0.3: holding it unused costs 0.7 * 0.6 = 0.42 in expectation,
# deferring it 0.3 per unit of interruption cost: batched at scale 2 (0.6), not at 1 (0.3).
LIKELY = {"google:gmail.readonly": 0.1, "google:gmail.send": 0.3}


def _asked(guard: ScopeGuard, user: ScriptedConsent) -> frozenset[str]:
    with guard.start("Find Carlos's mail") as run:
        run.check("email.search")
    (request,) = user.requests
    return request.requested


@pytest.mark.parametrize(
    ("policy", "asked"),
    [
        ({"interruption_scale": 2.0, "batching": True}, {"google:gmail.send"}),
        ({"interruption_scale": 1.0, "batching": True}, set()),
        ({"interruption_scale": 2.0, "batching": False}, set()),
        ({}, set()),  # nothing recorded: scale 1, batching
    ],
)
def test_the_guards_batch_follows_the_recorded_policy(
    catalogue: Catalogue, policy: dict[str, object], asked: set[str]
) -> None:
    pre = PreAuthorizer(RecordedModel(LIKELY, **policy), catalogue=catalogue)
    user = ScriptedConsent()
    guard = pre.guard(store="sqlite://", authorizer=CallbackAuthorizer(user))
    assert guard.catalogue is pre.catalogue
    assert pre.batching is (policy.get("batching") is not False)
    assert _asked(guard, user) == {"google:gmail.readonly", *asked}
    # The plan before the start uses the same scale: gmail.send is asked up front exactly
    # when the guard would batch it.
    plan = pre.plan("Find Carlos's mail")
    scaled = policy.get("interruption_scale", 1.0) == 2.0
    assert ("google:gmail.send" in plan.upfront_scopes) is scaled


def test_a_degraded_preauthorizer_gives_a_guard_that_asks_only_what_is_missing(
    catalogue: Catalogue, tmp_path: Any
) -> None:
    with pytest.warns(UserWarning, match="cannot be loaded"):
        pre = PreAuthorizer(tmp_path / "no-such-model", catalogue=catalogue)
    user = ScriptedConsent()
    guard = pre.guard(store="sqlite://", authorizer=CallbackAuthorizer(user))
    assert _asked(guard, user) == {"google:gmail.readonly"}


@pytest.mark.parametrize("option", ["scorer", "costs", "catalogue"])
def test_guard_options_it_sets_itself_are_refused(catalogue: Catalogue, option: str) -> None:
    pre = PreAuthorizer(RecordedModel(LIKELY), catalogue=catalogue)
    with pytest.raises(ConfigError, match=option):
        pre.guard(store="sqlite://", mode="pausing", **{option: None})


def test_a_guard_without_a_catalogue_of_tools_is_refused(tmp_path: Any) -> None:
    with pytest.warns(UserWarning, match="cannot be loaded"):
        pre = PreAuthorizer(tmp_path / "no-such-model")
    with pytest.raises(ConfigError, match=r"no catalogue of tools.*cannot be loaded"):
        pre.guard(store="sqlite://")


class RemoteProxy:
    """A scorer behind a proxy whose every other attribute is a remote call that fails."""

    def __getattr__(self, name: str) -> object:
        raise ConnectionError("the scoring service is down")

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        return [dict(LIKELY) for _ in inputs]


def test_a_scorer_whose_metadata_cannot_be_read_records_no_policy(catalogue: Catalogue) -> None:
    # Reading the recorded policy from a scorer object (5bebc97) must not make
    # PreAuthorizer(scorer) fail where it worked before: nothing recorded, scale 1, batching.
    pre = PreAuthorizer(RemoteProxy(), catalogue=catalogue)
    assert pre.planning_costs == pre.costs
    assert pre.batching is True
    assert not pre.is_degraded
