"""The ``fields`` source: a scope that the context announces and the task's words do not."""

from __future__ import annotations

import random

import numpy as np

from scopecast.model import train_predictor
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

_LETTERS = "bcdfghjklmnpqrstvwxz"


def _noise_words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(_LETTERS) for _ in range(6)) for _ in range(n)]


def _traces(seed: int = 7, n: int = 240) -> list[Trace]:
    """Tasks of noise words; ``files:read`` is needed in 80% of domain ``a``, 10% of ``b``."""
    rng = random.Random(seed)
    vocabulary = _noise_words(rng, 40)
    traces = []
    for i in range(n):
        domain = "a" if i % 2 == 0 else "b"
        needs = rng.random() < (0.8 if domain == "a" else 0.1)
        scope = "files:read" if needs else "web:fetch"
        traces.append(
            Trace(
                trace_id=f"synthetic/t-{i:010x}/000",
                task=" ".join(rng.sample(vocabulary, 6)),
                context={"domain": domain},
                calls=(Call(tool=f"tool.{scope}", scopes=(scope,)),),
            )
        )
    return traces


def test_a_scope_only_the_context_predicts_is_fitted_on_the_fields_alone():
    model, _ = train_predictor(_traces(), group_pattern=r"/(t-[0-9a-f]{10})/")
    j = model.scopes_.index("files:read")
    assert model.sources_[j] == "fields"
    # its linear model has no weight on any text column: only context, plan, progress
    k = int(np.flatnonzero(model.modelled_ == j)[0])
    n_text = len(model.featurizer_.text_vocabulary_)
    assert not np.any(model.coef_[k, :n_text])
    assert np.any(model.coef_[k, n_text:])
    a, b = model.predict_scopes(
        [TaskInput("unseen words here", {"domain": "a"}), TaskInput("unseen", {"domain": "b"})]
    )
    assert 0.65 < a["files:read"] < 0.95
    assert 0.0 < b["files:read"] < 0.25
    assert "brier[files:read,fields]" in model.cv_results_
