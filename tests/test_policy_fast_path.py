"""choose_upfront over the catalogue's precomputed arrays equals the scope-by-scope reference.

Exactly: the same upfront sets and groupings, and the same probabilities, costs (bit for
bit) and reasons in every decision, on random catalogues (hierarchies, jit_only scopes,
scopes outside the catalogue) and on many random probability vectors over the generator's
catalogue.
"""

from __future__ import annotations

import gc

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scopecast.catalogue import Catalogue, ScopeSpec
from scopecast.generator import default_catalogue
from scopecast.policy import CostModel, choose_upfront
from scopecast.policy._tables import _CACHE, MAX_EXACT, catalogue_tables
from tests.policy_reference import reference_choose_upfront

PROVIDERS = ("a", "b", "c")
costs_strategy = st.builds(
    CostModel,
    interruption=st.sampled_from([0.0, 0.5, 1.0, 3.0]) | st.floats(0.0, 5.0),
    consent_screen=st.sampled_from([0.0, 0.2]) | st.floats(0.0, 2.0),
    risk_weight=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 3.0),
)
probability = st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.0, 1.0)


@st.composite
def catalogues(draw: st.DrawFn) -> Catalogue:
    """A catalogue of up to 14 scopes whose ``implies`` point to earlier scopes (no cycle)."""
    n = draw(st.integers(1, 14))
    names = [f"{draw(st.sampled_from(PROVIDERS))}:s{i}" for i in range(n)]
    specs = []
    for i, name in enumerate(names):
        implies = draw(st.sets(st.sampled_from(names[:i]), max_size=4)) if i else set()
        specs.append(
            ScopeSpec(
                name=name,
                risk=draw(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.0, 1.0)),
                jit_only=draw(st.booleans()) and draw(st.booleans()),  # one in four
                implies=tuple(sorted(implies)),
            )
        )
    return Catalogue(scopes=tuple(specs))


def assert_same(fast: object, reference: object) -> None:
    assert fast == reference
    # equality already compares the decisions; spell the parts out for a readable failure
    assert fast.upfront == reference.upfront  # type: ignore[attr-defined]
    assert fast.by_provider == reference.by_provider  # type: ignore[attr-defined]
    assert fast.decisions == reference.decisions  # type: ignore[attr-defined]


@given(data=st.data(), catalogue=catalogues(), costs=costs_strategy)
def test_choose_upfront_equals_the_reference_on_random_catalogues(
    data: st.DataObject, catalogue: Catalogue, costs: CostModel
) -> None:
    scopes = [*sorted(catalogue.all_scopes), "a:outside", "z:elsewhere"]
    probs = data.draw(st.dictionaries(st.sampled_from(scopes), probability))
    fast = choose_upfront(probs, catalogue, costs)
    assert_same(fast, reference_choose_upfront(probs, catalogue, costs))


def test_choose_upfront_equals_the_reference_on_many_random_vectors() -> None:
    catalogue = default_catalogue()
    names = sorted(catalogue.all_scopes)
    assert len(catalogue_tables(catalogue).exact) > 0  # the enumerated path is exercised
    rng = np.random.default_rng(7)
    for k in range(300):
        p = rng.beta(0.3, 0.7, size=len(names))
        p[rng.random(len(names)) < 0.1] = 0.0
        p[rng.random(len(names)) < 0.05] = 1.0
        keep = rng.random(len(names)) < (1.0 if k % 3 else 0.4)  # some scopes not given
        probs = {s: float(v) for s, v, kept in zip(names, p, keep, strict=True) if kept}
        costs = CostModel(
            interruption=float(rng.choice([0.5, 1.0, 2.0, rng.uniform(0, 4)])),
            consent_screen=float(rng.choice([0.0, 0.3, rng.uniform(0, 1)])),
            risk_weight=float(rng.choice([1.0, rng.uniform(0, 2)])),
        )
        assert_same(
            choose_upfront(probs, catalogue, costs),
            reference_choose_upfront(probs, catalogue, costs),
        )


@given(probs=st.dictionaries(st.sampled_from([f"g:s{i}" for i in range(13)]), probability))
def test_choose_upfront_equals_the_reference_past_the_exact_enumeration(
    probs: dict[str, float],
) -> None:
    # g:top implies 12 scopes: more than MAX_EXACT askable below, so its deferral is bounded.
    below = tuple(f"g:s{i}" for i in range(12))
    catalogue = Catalogue(
        scopes=(
            *(ScopeSpec(name=s, risk=0.1 + 0.05 * i) for i, s in enumerate(below)),
            ScopeSpec(name="g:top", risk=0.9, implies=below),
            ScopeSpec(name="g:s12", risk=0.3, implies=below[:3]),
        )
    )
    assert len(below) > MAX_EXACT
    assert catalogue_tables(catalogue).bounded
    probs = {**probs, "g:top": 0.7}
    costs = CostModel(interruption=2.0)
    assert_same(
        choose_upfront(probs, catalogue, costs), reference_choose_upfront(probs, catalogue, costs)
    )


def test_catalogue_tables_are_built_once_per_catalogue_and_dropped_with_it() -> None:
    catalogue = Catalogue(scopes=(ScopeSpec(name="g:write", implies=("g:read",)),))
    tables = catalogue_tables(catalogue)
    assert catalogue_tables(catalogue) is tables
    assert tables.names == ("g:read", "g:write")
    twin = Catalogue(scopes=catalogue.scopes)
    assert catalogue_tables(twin) is not tables
    key = id(catalogue)
    del catalogue
    gc.collect()
    assert key not in _CACHE


def test_negative_zero_probabilities_and_costs_decide_as_the_reference() -> None:
    # -0.0 == 0.0, but the explanation prints its sign: each scope keeps its own cost as is.
    catalogue = Catalogue(
        scopes=(
            ScopeSpec(name="g:a", risk=0.2),
            ScopeSpec(name="g:b", risk=0.5, implies=("g:a",)),
            ScopeSpec(name="g:c", risk=0.4),
        )
    )
    for probs, costs in (
        ({"g:c": -0.0}, CostModel()),
        ({"g:a": 0.3, "g:b": 0.6, "g:c": 0.2}, CostModel(interruption=-0.0)),
    ):
        assert_same(
            choose_upfront(probs, catalogue, costs),
            reference_choose_upfront(probs, catalogue, costs),
        )


def test_a_scope_whose_lower_scopes_are_all_jit_only_adds_its_costs_in_order() -> None:
    # One enumerated subset (ask nothing, defer all twelve): a single column of terms, which
    # numpy would add pairwise; the padding column keeps the sums in order.
    below = tuple(f"g:j{i:02d}" for i in range(12))
    catalogue = Catalogue(
        scopes=(
            *(ScopeSpec(name=s, risk=0.5, jit_only=True) for s in below),
            ScopeSpec(name="g:top", risk=0.9, implies=below),
        )
    )
    assert catalogue_tables(catalogue).row_terms.shape[1] == 2
    rng = np.random.default_rng(11)
    for _ in range(200):
        probs = {s: float(v) for s, v in zip(below, rng.random(12), strict=True)}
        probs["g:top"] = float(rng.random())
        costs = CostModel(interruption=float(rng.uniform(0.1, 3.0)))
        assert_same(
            choose_upfront(probs, catalogue, costs),
            reference_choose_upfront(probs, catalogue, costs),
        )
