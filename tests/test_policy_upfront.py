"""choose_upfront and choose_batch: hand-computed decisions and their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast.catalogue import Catalogue, ScopeSpec
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, choose_batch, choose_upfront

CAT = Catalogue(
    scopes=(
        ScopeSpec(name="g:read", risk=0.2),
        ScopeSpec(name="g:write", risk=0.6, implies=("g:read",)),
        ScopeSpec(name="g:send", risk=0.6),
        ScopeSpec(name="b:pay", risk=1.0, jit_only=True),
        ScopeSpec(name="b:read", risk=0.3),
        ScopeSpec(name="b:admin", risk=0.4, implies=("b:pay",)),
    )
)


def test_choose_upfront_asks_a_scope_when_deferring_costs_more() -> None:
    # send: asked 0.4*0.6=0.24 < deferred 0.6*1 -> asked; read: 0.9*0.2=0.18 > 0.1 -> deferred.
    decision = choose_upfront({"g:send": 0.6, "g:read": 0.1}, CAT)
    assert decision.upfront == frozenset({"g:send"})
    by_scope = {d.scope: d for d in decision.decisions}
    assert by_scope["g:send"].cost_if_asked == pytest.approx(0.24)
    assert by_scope["g:send"].cost_if_deferred == pytest.approx(0.6)
    assert by_scope["g:read"].is_upfront is False
    assert "deferred" in by_scope["g:read"].reason
    assert decision.by_provider == {"g": frozenset({"g:send"})}


def test_a_scope_of_probability_zero_is_deferred_with_its_own_reason() -> None:
    # A domain support (or any model) ruling a scope out gives it exactly 0: the explanation
    # says so instead of comparing 0.6 >= 0.000, and points at the guard.
    # A scope of the same provider that the mapping omits (g:write) is one at 0 too.
    decision = choose_upfront({"g:send": 0.0, "g:read": 0.01}, CAT)
    by_scope = {d.scope: d for d in decision.decisions}
    assert by_scope["g:send"].reason.startswith("deferred: probability 0")
    assert "the guard asks for it" in by_scope["g:send"].reason
    assert by_scope["g:write"].reason == by_scope["g:send"].reason
    assert by_scope["g:read"].reason.startswith("deferred: holding it unused costs")


def test_choose_upfront_asks_the_write_that_covers_the_read() -> None:
    # write p=0.4, read p=0.9: write asked 0.6*0.6=0.36; without it the best is to ask read
    # (0.1*0.2=0.02) and defer write (0.4): 0.42 > 0.36 -> write asked, read covered.
    decision = choose_upfront({"g:write": 0.4, "g:read": 0.9}, CAT)
    assert decision.upfront == frozenset({"g:write"})
    by_scope = {d.scope: d for d in decision.decisions}
    assert by_scope["g:write"].cost_if_deferred == pytest.approx(0.42)
    assert by_scope["g:read"].reason.startswith("covered")


def test_choose_upfront_never_asks_jit_only_or_what_implies_it() -> None:
    decision = choose_upfront({"b:pay": 1.0, "b:admin": 1.0, "b:read": 1.0}, CAT)
    assert decision.upfront == frozenset({"b:read"})
    reasons = {d.scope: d.reason for d in decision.decisions}
    assert "jit_only" in reasons["b:pay"]
    assert "implies the jit_only scope b:pay" in reasons["b:admin"]


def test_choose_upfront_skips_a_provider_not_worth_its_consent_screen() -> None:
    costs = CostModel(consent_screen=0.5)
    # send saves 0.6 - 0.24 = 0.36 <= 0.5: google dropped; b:read saves 0.99-0.003 > 0.5.
    decision = choose_upfront({"g:send": 0.6, "b:read": 0.99}, CAT, costs)
    assert decision.upfront == frozenset({"b:read"})
    assert "consent screen" in {d.scope: d.reason for d in decision.decisions}["g:send"]


def test_cost_model_rejects_negative_costs() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        CostModel(interruption=-1.0)
    assert issubclass(ConfigError, ValueError)


def test_choose_batch_adds_likely_scopes_of_the_interrupted_provider_only() -> None:
    probs = {"g:send": 0.9, "b:read": 0.99, "g:write": 0.05}
    batch = choose_batch(probs, frozenset({"g:read"}), frozenset(), CAT)
    assert batch == frozenset({"g:send"})


def test_choose_batch_respects_denied_granted_and_jit_only() -> None:
    probs = {"g:send": 0.9, "b:pay": 1.0, "b:read": 0.0}
    assert (
        choose_batch(probs, frozenset({"g:read"}), frozenset(), CAT, denied=frozenset({"g:send"}))
        == frozenset()
    )
    assert choose_batch(probs, frozenset({"g:read"}), frozenset({"g:send"}), CAT) == frozenset()
    assert choose_batch(probs, frozenset({"b:read"}), frozenset(), CAT) == frozenset()
    assert choose_batch(
        probs, frozenset({"b:read"}), frozenset(), CAT, allow_jit_only=True
    ) == frozenset({"b:pay"})


# -- properties ------------------------------------------------------------------------

SCOPES = [s.name for s in CAT.scopes]
probabilities = st.dictionaries(st.sampled_from(SCOPES), st.floats(0.0, 1.0))
cost = st.floats(0.0, 5.0)


@given(probs=probabilities, interruption=cost, screen=st.floats(0.0, 1.0))
def test_choose_upfront_never_asks_a_jit_only_scope(probs, interruption, screen) -> None:
    costs = CostModel(interruption=interruption, consent_screen=screen)
    upfront = choose_upfront(probs, CAT, costs).upfront
    assert not any(CAT.is_jit_only(s) for s in CAT.closure(upfront))


@given(probs=probabilities, low=cost, extra=cost, screen=st.floats(0.0, 1.0))
def test_raising_the_interruption_cost_never_removes_a_covered_scope(
    probs, low, extra, screen
) -> None:
    before = choose_upfront(probs, CAT, CostModel(interruption=low, consent_screen=screen))
    after = choose_upfront(probs, CAT, CostModel(interruption=low + extra, consent_screen=screen))
    assert CAT.closure(before.upfront) <= CAT.closure(after.upfront)


@given(probs=probabilities, interruption=cost)
def test_choose_upfront_is_deterministic(probs, interruption) -> None:
    costs = CostModel(interruption=interruption)
    first = choose_upfront(probs, CAT, costs)
    reordered = dict(reversed(list(probs.items())))
    assert choose_upfront(reordered, CAT, costs) == first
