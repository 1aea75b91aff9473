"""DomainFrequencyScorer: a light ScopeScorer from counts."""

from __future__ import annotations

import pytest

from scopecast.policy import DomainFrequencyScorer
from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import Call, Trace


def _trace(i: int, domain: str, *scopes: str) -> Trace:
    return Trace(
        trace_id=str(i),
        task="t",
        context={"domain": domain},
        calls=tuple(Call(tool="f", scopes=(s,)) for s in scopes),
    )


def test_frequency_scorer_counts_per_domain_and_falls_back_to_all() -> None:
    scorer = DomainFrequencyScorer(
        [_trace(1, "m", "g:a", "g:b"), _trace(2, "m", "g:a"), _trace(3, "b", "b:x")]
    )
    assert isinstance(scorer, ScopeScorer)
    seen, unseen, used = scorer.predict_scopes(
        [
            TaskInput("t", {"domain": "m"}),
            TaskInput("t", {"domain": "zz"}),
            TaskInput("t", {"domain": "m"}, calls=(Call(tool="f", scopes=("b:x",)),)),
        ]
    )
    assert seen == {"g:a": 1.0, "g:b": 0.5}
    assert unseen == pytest.approx({"g:a": 2 / 3, "g:b": 1 / 3, "b:x": 1 / 3})
    assert used["b:x"] == 1.0
