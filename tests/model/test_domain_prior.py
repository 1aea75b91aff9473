"""The per-domain prior: rates by hand, cross-fitting, and its exact linear form."""

from __future__ import annotations

import numpy as np
import pytest

from scopecast._calibration_maps import apply_isotonic, apply_sigmoid
from scopecast.model import train_predictor
from scopecast.model._domain_prior import (
    cross_fitted_domain_rates,
    domain_linear_model,
    fit_domain_rates,
    identity_calibration,
    rates_on_rows,
)
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

# 6 rows, 2 scopes; domains a, a, a, b, b, None
Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [1, 1]], dtype=np.float64)
USABLE = np.ones_like(Y, dtype=bool)
W = np.ones(6)
DOMAINS = ["a", "a", "a", "b", "b", None]


def test_rates_are_smoothed_toward_the_overall_rate_by_hand():
    overall = np.array([0.5, 0.4])
    fitted = fit_domain_rates(Y, USABLE, W, DOMAINS, overall, strength=2.0)
    assert fitted.domains == ["a", "b"]
    # scope 0 in a: (2 + 2 * 0.5) / (3 + 2); in b: (0 + 2 * 0.5) / (2 + 2)
    np.testing.assert_allclose(fitted.rates[:, 0], [3.0 / 5.0, 1.0 / 4.0])
    # scope 1 in a: (1 + 0.8) / 5; in b: (1 + 0.8) / 4
    np.testing.assert_allclose(fitted.rates[:, 1], [1.8 / 5.0, 1.8 / 4.0])


def test_unusable_rows_and_weights_count_as_in_the_base_rates():
    usable = USABLE.copy()
    usable[0, 0] = False  # row 0 already used scope 0: it does not train it
    w = np.array([1.0, 0.5, 0.5, 1.0, 1.0, 1.0])
    fitted = fit_domain_rates(Y, usable, w, DOMAINS, np.array([0.5, 0.5]), strength=1.0)
    # scope 0 in a: rows 1 (w .5, y 1) and 2 (w .5, y 0): (0.5 + 0.5) / (1 + 1)
    assert fitted.rates[0, 0] == pytest.approx(0.5)


def test_cross_fitted_rates_never_see_their_own_fold():
    folds = np.array([0, 1, 0, 1, 0, 1])
    before = cross_fitted_domain_rates(Y, USABLE, W, DOMAINS, folds, strength=1.0)
    flipped = Y.copy()
    flipped[folds == 0] = 1.0 - flipped[folds == 0]
    after = cross_fitted_domain_rates(flipped, USABLE, W, DOMAINS, folds, strength=1.0)
    np.testing.assert_array_equal(before[folds == 0], after[folds == 0])
    assert not np.array_equal(before[folds == 1], after[folds == 1])
    # a row of fold 1 gets the rates fitted on fold 0 alone
    own = rates_on_rows(Y[folds == 0], USABLE[folds == 0], W[folds == 0], ["a", "a", "b"], 1.0)
    np.testing.assert_allclose(before[1], own.rates[0])  # row 1 is in domain a
    np.testing.assert_allclose(before[5], own.overall)  # row 5 has no domain


@pytest.mark.parametrize("column_value", [1.0, 0.5])
def test_the_linear_form_and_identity_maps_give_the_rates_exactly(column_value):
    fitted = fit_domain_rates(Y, USABLE, W, DOMAINS, np.array([0.5, 0.4]), strength=1.0)
    columns = {"a": 3, "b": 5, "unseen": 7}
    for scope in range(2):
        coef, intercept = domain_linear_model(fitted, scope, columns, 8, column_value)
        assert set(np.flatnonzero(coef).tolist()) <= {3, 5}
        (a, b), xs, ys = identity_calibration(coef, intercept, column_value)
        rows = np.zeros((3, 8))
        rows[0, 3] = column_value  # domain a
        rows[1, 5] = column_value  # domain b
        z = rows @ coef + intercept  # row 2: no domain column
        expected = [*fitted.rates[:, scope], fitted.overall[scope]]
        sig = apply_sigmoid(z[:, None], np.array([a]), np.array([b]))[:, 0]
        iso = apply_isotonic(z[:, None], [xs], [ys])[:, 0]
        np.testing.assert_allclose(sig, expected, rtol=1e-12)
        np.testing.assert_allclose(iso, expected, rtol=1e-12)


def test_a_scope_no_trace_needs_is_rarer_where_more_tasks_went_without_it(catalogue):
    traces = []
    for i in range(40):
        domain = "mail" if i < 30 else "chat"
        scope = "google:gmail.readonly" if domain == "mail" else "slack:chat:write"
        traces.append(
            Trace(
                trace_id=f"synthetic/t-{i:010x}/000",
                task=f"task number {i} for the {domain} team",
                context={"domain": domain},
                calls=(Call(tool=f"tool.{scope}", scopes=(scope,)),),
            )
        )
    model, _ = train_predictor(traces, catalogue, group_pattern=r"/(t-[0-9a-f]{10})/")
    share = "google:drive.share"  # in the catalogue, needed by no trace
    j = model.scopes_.index(share)
    assert model.sources_[j] == "prior"
    mail, chat, none = model.predict_scopes(
        [
            TaskInput("another task", {"domain": "mail"}),
            TaskInput("another task", {"domain": "chat"}),
            TaskInput("another task", {}),
        ]
    )
    # 30 mail tasks went without it, 10 chat tasks: (0 + k * overall) / (n + k)
    assert mail[share] < chat[share] < none[share]
    assert none[share] == pytest.approx(model.base_rate_[j])
    k = model.prior_strength
    assert chat[share] == pytest.approx(k * model.base_rate_[j] / (10 + k))
