"""ModelPolicy's scored probabilities belong to the trace they were scored for, not its id."""

from __future__ import annotations

from collections.abc import Sequence

from scopecast import Catalogue, ScopeSpec, ToolSpec
from scopecast.evaluation import ModelPolicy
from scopecast.policy import CostModel
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

CATALOGUE = Catalogue(
    tools=(
        ToolSpec(name="email.send", scopes=("google:gmail.send",)),
        ToolSpec(name="slack.post", scopes=("slack:chat:write",)),
    ),
    scopes=(
        ScopeSpec(name="google:gmail.send", risk=0.3),
        ScopeSpec(name="slack:chat:write", risk=0.3),
    ),
)


class WordScorer:
    """Sure of gmail.send for a task that says 'mail', of chat:write for one that says 'post'."""

    def __init__(self) -> None:
        self.scored = 0

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        self.scored += len(inputs)
        return [
            {
                "google:gmail.send": float("mail" in i.task),
                "slack:chat:write": float("post" in i.task),
            }
            for i in inputs
        ]


def test_a_second_trace_of_the_same_id_is_scored_anew() -> None:
    scorer = WordScorer()
    policy = ModelPolicy(scorer, CATALOGUE, CostModel())
    mail = Trace(trace_id="t1", task="mail Bob", calls=(Call(tool="email.send", scopes=()),))
    post = Trace(trace_id="t1", task="post to #general", calls=())  # another file's t1
    assert policy.upfront(mail) == {"google:gmail.send"}
    assert policy.upfront(post) == {"slack:chat:write"}  # was mail's set: scored by id
    assert policy.with_costs(CostModel()).upfront(post) == {"slack:chat:write"}
    n = scorer.scored
    policy.prepare([post.model_copy()])  # an equal trace (read again) reuses what was scored
    assert scorer.scored == n
    policy.prepare([mail])
    assert scorer.scored == n + 2  # mail's start and its one call, scored once more
