"""AuthorizationPlan: written lazily from the policy's decision, used like a frozen pydantic model."""

from __future__ import annotations

import pickle

import pytest
from pydantic import BaseModel

from scopecast import Catalogue
from scopecast.policy import CostModel, choose_upfront
from scopecast.runtime import AuthorizationPlan, PlannedScope, ProviderConsent

PROBABILITIES = {
    "google:gmail.send": 0.95,
    "google:gmail.readonly": 0.05,
    "slack:chat:write": 0.97,
    "bank:payments.write": 0.99,
}


def _plan(catalogue: Catalogue) -> AuthorizationPlan:
    decision = choose_upfront(PROBABILITIES, catalogue, CostModel())
    return AuthorizationPlan.from_decision("Email Carlos", decision, catalogue)


def test_lazy_plan_equals_the_validated_plan_of_its_fields(catalogue: Catalogue) -> None:
    lazy = _plan(catalogue)
    assert lazy.upfront_scopes == {"google:gmail.send", "slack:chat:write"}
    assert lazy.providers == ("google", "slack")
    assert "upfront_scopes" in repr(lazy)
    validated = AuthorizationPlan.model_validate(lazy.model_dump())
    assert validated == lazy
    assert hash(validated) == hash(lazy)
    assert validated.upfront_scopes == lazy.upfront_scopes
    assert validated.providers == lazy.providers
    assert AuthorizationPlan.model_validate_json(lazy.model_dump_json()) == lazy
    assert lazy.deferred[0].scope == "bank:payments.write"  # most likely first
    assert isinstance(lazy.upfront[0], ProviderConsent)
    assert isinstance(lazy.deferred[0], PlannedScope)
    assert pickle.loads(pickle.dumps(lazy)) == lazy
    assert "deferred" in AuthorizationPlan.model_json_schema()["properties"]


def test_plan_is_immutable_and_validates_like_a_model(catalogue: Catalogue) -> None:
    plan = _plan(catalogue)
    with pytest.raises(AttributeError, match="immutable"):
        plan.task = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="probability"):
        AuthorizationPlan(
            task="t",
            upfront=(),
            deferred=({"scope": "g:x", "provider": "g", "probability": 2.0, "reason": "r"},),
        )
    degraded = AuthorizationPlan(task="t", upfront=(), deferred=(), degraded=True, warning="w")
    assert degraded.degraded
    assert degraded.upfront_scopes == frozenset()
    assert degraded.providers == ()


def test_plan_is_a_field_of_another_pydantic_model(catalogue: Catalogue) -> None:
    class Envelope(BaseModel):
        plan: AuthorizationPlan

    plan = _plan(catalogue)
    envelope = Envelope(plan=plan)
    assert envelope.plan is plan
    again = Envelope.model_validate_json(envelope.model_dump_json())
    assert again.plan == plan
    assert Envelope.model_validate({"plan": plan.model_dump()}).plan == plan
    assert envelope.model_dump()["plan"]["task"] == "Email Carlos"


def test_planning_imports_neither_the_guard_nor_the_authorizers() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = (
        "import json, sys\n"
        "from scopecast.runtime import PreAuthorizer\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('scopecast.runtime.'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert "scopecast.runtime._preauthorizer" in loaded
    guard_or_store = ("_guard", "_store", "_store_database", "_store_consent", "_consent_answers")
    assert not {m for m in loaded if "_authorizers" in m or m.endswith(guard_or_store)}
    from scopecast.runtime import CallbackAuthorizer, ScopeGuard  # imported on first use

    assert CallbackAuthorizer.__name__ == "CallbackAuthorizer"
    assert ScopeGuard.__name__ == "ScopeGuard"
