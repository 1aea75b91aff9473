"""The seam between prediction and decision: what a scorer sees and what it returns.

Everything downstream of the model (the policy, the simulator, the runtime guard) depends
only on :class:`ScopeScorer`, never on scikit-learn: a fitted ``ScopePredictor``, its compact
runtime export and the frequency baseline all satisfy it. Probabilities are label-keyed
(``{scope: p}``); nothing downstream indexes columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from scopecast.traces import Call, PlanStep, Trace

__all__ = ["ScopeScorer", "TaskInput"]


@dataclass(frozen=True)
class TaskInput:
    """What a scorer may look at: what is known before the start, plus the calls made so far.

    Attributes
    ----------
    task : str
        The request as the agent received it.
    context : Mapping[str, str]
        Pre-start context (``domain``, ``user``, ``org``, ``agent``, ...).
    plan : tuple[PlanStep, ...] | None
        The articulated plan, if any.
    calls : tuple[Call, ...]
        Calls already executed in this run (empty before the start); used to re-predict
        at an interruption.
    """

    task: str
    context: Mapping[str, str] = field(default_factory=dict)
    plan: tuple[PlanStep, ...] | None = None
    calls: tuple[Call, ...] = ()

    @classmethod
    def before_start(
        cls,
        task: str,
        context: Mapping[str, str],
        plan: tuple[PlanStep, ...] | None = None,
    ) -> TaskInput:
        """``TaskInput(task, context, plan)``: the input of a run not started (no calls).

        The same object, built without the frozen dataclass's ``__init__``, whose four
        ``object.__setattr__`` calls cost more than the rest of building the input (a
        dataclass instance keeps its fields in its ``__dict__``):
        :meth:`scopecast.runtime.PreAuthorizer.plan` builds one before every agent start.
        """
        item = cls.__new__(cls)
        item.__dict__.update(task=task, context=context, plan=plan, calls=())
        return item

    @classmethod
    def from_trace(cls, trace: Trace, n_calls: int = 0) -> TaskInput:
        """The input as it stood in ``trace`` after its first ``n_calls`` calls."""
        return cls(
            task=trace.task,
            context=dict(trace.context),
            plan=trace.plan,
            calls=tuple(trace.calls[:n_calls]),
        )


@runtime_checkable
class ScopeScorer(Protocol):
    """Anything that gives, for each input, the probability that each scope will be needed.

    ``predict_scopes`` returns one mapping per input; a scope missing from a mapping has
    probability 0 as far as the caller is concerned. Probabilities must be calibrated: the
    policy multiplies them by costs.
    """

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """Return ``[{scope: P(scope needed)}, ...]``, one mapping per input, in order."""
        ...
