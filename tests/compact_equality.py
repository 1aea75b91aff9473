"""Every ScopePredictor the test suite trains is checked against its compact form.

A session fixture (imported by ``tests/conftest.py``) wraps :meth:`ScopePredictor.fit`: each
model fitted on task inputs, in any test, is exported with
:func:`scopecast.model.export_compact`, loaded back as a numpy-only
:class:`~scopecast.runtime.CompactScorer`, and must give the same probabilities as
scikit-learn (to 1e-9) on up to 200 of its training inputs plus probes with unseen words,
digits, plans and calls: with the C speedups when they are built, and again in Python. A
difference fails the test that trained the model.
"""

from __future__ import annotations

import functools
import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from scopecast.scoring import TaskInput
from scopecast.traces import Call, PlanStep

TOLERANCE = 1e-9
MAX_ROWS = 200


def probe_inputs(training: list[TaskInput], scopes: list[str]) -> list[TaskInput]:
    """A sample of the training inputs and probes the training data may not hold."""
    rng = random.Random(0)
    sample = training if len(training) <= MAX_ROWS else rng.sample(training, MAX_ROWS)
    scope = scopes[0] if scopes else "x:y"
    probes = [
        TaskInput("Wire 2,500 EUR to Zoë on 2026-03-04 — ünïcode & unseen-words", {}),
        TaskInput("a", {"domain": "work+chat", "unseen": "v"}),
        # scripts written without spaces (pairs of letters when the model splits them), mixed
        TaskInput("请把report.pdf发送给张三，然后创建文件「预算３」", {}),
        TaskInput("ส่งอีเมลถึงสมชาย 送信する ファイル", {}),
        TaskInput(
            "Send the report",
            {"domain": "work"},
            plan=(PlanStep(tool="email.send", scopes=(scope,)),),
            calls=(Call(tool="email.search", scopes=(scope,)), Call(tool="x.y", scopes=())),
        ),
        # a plan naming a scope outside the domain's support, before any call
        TaskInput(
            "Send the report",
            {"domain": "work"},
            plan=(PlanStep(tool="x.y", scopes=(scopes[-1] if scopes else scope,)),),
        ),
    ]
    for item in sample[:20]:
        probes.append(
            TaskInput(item.task, item.context, item.plan, (Call(tool="t", scopes=(scope,)),))
        )
    return list(sample) + probes


def assert_compact_matches(predictor: object, training: list[TaskInput]) -> float:
    """Export ``predictor``, reload it numpy-only, compare probabilities; return the max gap."""
    from scopecast.model import export_compact
    from scopecast.runtime import CompactScorer

    inputs = probe_inputs(training, list(predictor.scopes_))  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        spec_name, arrays_name = export_compact(predictor, tmp)  # type: ignore[arg-type]
        spec = json.loads((Path(tmp) / spec_name).read_text(encoding="utf-8"))
        with np.load(Path(tmp) / arrays_name, allow_pickle=False) as npz:
            compact = CompactScorer(spec, {name: npz[name] for name in npz.files})
    expected = predictor.predict_proba(inputs)  # type: ignore[attr-defined]
    got = compact.predict_proba(inputs)
    assert got.shape == expected.shape
    gap = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    assert gap <= TOLERANCE, f"compact form differs from scikit-learn by {gap:.3g} (> {TOLERANCE})"
    rows = compact._inputs
    if rows._fast_linear is not None:  # the C speedups did the features: the Python path too
        rows._fast_linear = rows._fast_text = None
        python = compact.predict_proba(inputs)
        python_gap = float(np.max(np.abs(python - expected))) if expected.size else 0.0
        assert python_gap <= TOLERANCE, (
            f"the Python features differ from scikit-learn by {python_gap:.3g} (> {TOLERANCE})"
        )
        gap = max(gap, python_gap)
    return gap


@pytest.fixture(scope="session", autouse=True)
def every_trained_model_matches_its_compact_form() -> Iterator[list[float]]:
    """Wrap ScopePredictor.fit for the session so that each fitted model is checked."""
    from scopecast.features import as_task_inputs
    from scopecast.model import ScopePredictor, can_export_compact

    original = ScopePredictor.fit
    gaps: list[float] = []

    @functools.wraps(original)
    def checked_fit(self: ScopePredictor, X: object, Y: object, **kwargs: object) -> ScopePredictor:
        fitted = original(self, X, Y, **kwargs)  # type: ignore[arg-type]
        if can_export_compact(self):
            gaps.append(assert_compact_matches(self, as_task_inputs(X)))
        return fitted

    ScopePredictor.fit = checked_fit  # type: ignore[method-assign]
    try:
        yield gaps
    finally:
        ScopePredictor.fit = original  # type: ignore[method-assign]
