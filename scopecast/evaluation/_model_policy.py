"""scopecast's own policy in the simulator: a scorer's probabilities through the cost rule.

Before the start the scorer sees ``task``, ``context`` and ``plan`` and
:func:`~scopecast.policy.choose_upfront` picks the upfront set. At an interruption of call
``i`` the scorer re-predicts from what the point-of-execution hook knows: the calls made so
far (``calls[:i]``, with their outcomes) and the call being attempted (``calls[i]``: its tool,
arguments and scopes, but not its outcome, so its ``status`` is reset to ``"ok"``); then
:func:`~scopecast.policy.choose_batch` picks what to add to that consent. Every prefix of
every trace is scored in one batched call in :meth:`ModelPolicy.prepare`, so a sweep over
costs reuses the same probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from scopecast.catalogue import Catalogue
from scopecast.evaluation._simulator import Policy
from scopecast.exceptions import ConfigError
from scopecast.policy import CostModel, choose_batch, choose_upfront
from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import Trace

__all__ = ["ModelPolicy", "ProgressCallback"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while traces are scored."""

_CHUNK = 2048


class ModelPolicy(Policy):
    """Upfront sets and just-in-time batches from a :class:`ScopeScorer` and a cost model.

    Parameters
    ----------
    scorer : ScopeScorer
        Gives ``P(scope needed)`` before the start and after each prefix of calls.
    catalogue : Catalogue
        Risk, ``jit_only``, ``implies`` and providers.
    costs : CostModel
        The costs the decisions minimise.
    batching : bool
        Whether to batch likely scopes into the consent of an interruption.
    interruption_scale : float
        The policy plans with ``interruption_scale * costs.interruption`` (a policy
        parameter chosen by grouped cross-validation, see
        :func:`~scopecast.evaluation.tune_policy`); ``costs`` stay the costs it is judged by.
    prior : ScopeScorer | None
        A fallback prior (e.g. :class:`~scopecast.policy.DomainFrequencyScorer` fitted on the
        training traces), blended in with ``prior_weight``.
    prior_weight : float
        The policy blends the two in log-odds, ``(1 - w) * logit P_model + w * logit P_prior``
        (a geometric pool): a model never trained on a task can be wrongly sure that a scope
        common in the domain is not needed, and wrongly unsure about scopes the domain never
        used. Probabilities are clipped to ``[1e-6, 1 - 1e-6]`` first.
    name : str
        The policy's name in reports.
    progress : ProgressCallback | None
        Called while :meth:`prepare` scores the traces.
    """

    def __init__(
        self,
        scorer: ScopeScorer,
        catalogue: Catalogue,
        costs: CostModel | None = None,
        *,
        batching: bool = True,
        interruption_scale: float = 1.0,
        prior: ScopeScorer | None = None,
        prior_weight: float = 0.0,
        name: str = "model",
        progress: ProgressCallback | None = None,
    ) -> None:
        self.scorer = scorer
        self.catalogue = catalogue
        self.costs = costs if costs is not None else CostModel()
        self.batching = batching
        self.interruption_scale = interruption_scale
        if not 0.0 <= prior_weight <= 1.0 or (prior_weight > 0.0 and prior is None):
            raise ConfigError(
                f"prior_weight must be in [0, 1], and a prior is needed when it is above 0; "
                f"got prior_weight={prior_weight!r} with prior={type(prior).__name__}."
            )
        self.prior = prior
        self.prior_weight = prior_weight
        self.name = name
        self.progress = progress
        self._probabilities: dict[str, list[dict[str, float]]] = {}
        self._prior: dict[str, list[dict[str, float]]] = {}
        self._scored_for: dict[str, Trace] = {}
        """The trace each entry of ``_probabilities`` was scored for: another trace of the
        same id (a second test file) is scored anew, not given the first one's probabilities.
        Entries given to :meth:`from_probabilities` are keyed by id alone."""

    @classmethod
    def from_probabilities(
        cls,
        probabilities: Mapping[str, Sequence[Mapping[str, float]]],
        catalogue: Catalogue,
        costs: CostModel | None = None,
        *,
        batching: bool = True,
        interruption_scale: float = 1.0,
        name: str = "model",
    ) -> ModelPolicy:
        """A policy on probabilities computed elsewhere, per trace id: the start, then each call.

        Used to replay training traces with their cross-fitted probabilities; a trace without
        an entry raises :class:`~scopecast.exceptions.ConfigError` instead of being scored.
        """
        policy = cls(
            _NoScorer(),
            catalogue,
            costs,
            batching=batching,
            interruption_scale=interruption_scale,
            name=name,
        )
        policy._probabilities = {k: [dict(p) for p in v] for k, v in probabilities.items()}
        return policy

    def with_costs(self, costs: CostModel) -> ModelPolicy:
        """The same policy (sharing its scored probabilities) under other costs."""
        other = ModelPolicy(
            self.scorer,
            self.catalogue,
            costs,
            batching=self.batching,
            interruption_scale=self.interruption_scale,
            prior=self.prior,
            prior_weight=self.prior_weight,
            name=self.name,
        )
        other._probabilities = self._probabilities
        other._prior = self._prior
        other._scored_for = self._scored_for
        return other

    @property
    def planning_costs(self) -> CostModel:
        """The costs the decisions minimise: ``costs`` with the interruption scaled."""
        if self.interruption_scale == 1.0:
            return self.costs
        return self.costs.model_copy(
            update={"interruption": self.costs.interruption * self.interruption_scale}
        )

    def prepare(self, traces: Sequence[Trace]) -> None:
        """Score each trace not scored yet before the start and at each call, in batches."""
        todo = [t for t in traces if not self._scored(t)]
        inputs = [item for trace in todo for item in _inputs_of(trace)]
        scored: list[dict[str, float]] = []
        for start in range(0, len(inputs), _CHUNK):
            scored.extend(self.scorer.predict_scopes(inputs[start : start + _CHUNK]))
            if self.progress is not None:
                self.progress(min(start + _CHUNK, len(inputs)), len(inputs))
        prior = self.prior.predict_scopes(inputs) if self.prior is not None else []
        position = 0
        for trace in todo:
            n = len(trace.calls) + 1
            self._probabilities[trace.trace_id] = scored[position : position + n]
            self._scored_for[trace.trace_id] = trace
            if prior:
                self._prior[trace.trace_id] = prior[position : position + n]
            position += n

    def _scored(self, trace: Trace) -> bool:
        """Whether ``trace`` has probabilities (scored for this very trace, or given by id)."""
        if trace.trace_id not in self._probabilities:
            return False
        scored_for = self._scored_for.get(trace.trace_id)
        if scored_for is None or scored_for is trace:
            return True
        if scored_for == trace:  # read again: the next look-ups are identity checks
            self._scored_for[trace.trace_id] = trace
            return True
        return False

    def probabilities(self, trace: Trace, attempting: int | None = None) -> dict[str, float]:
        """The scorer's probabilities before the start, or when call ``attempting`` is attempted."""
        if not self._scored(trace) or (
            self.prior is not None and trace.trace_id not in self._prior
        ):
            self._probabilities.pop(trace.trace_id, None)
            self._prior.pop(trace.trace_id, None)
            self.prepare([trace])
        position = 0 if attempting is None else attempting + 1
        model = self._probabilities[trace.trace_id][position]
        if self.prior_weight == 0.0:
            return model
        prior = self._prior[trace.trace_id][position]
        return {
            s: _blend(model.get(s, 0.0), prior.get(s, 0.0), self.prior_weight)
            for s in sorted(set(model) | set(prior))
        }

    def known(self, probabilities: Mapping[str, float]) -> dict[str, float]:
        """``probabilities`` of the scopes the catalogue knows: a scope of unknown risk is
        never asked ahead of its call, as the runtime (PreAuthorizer, the guard's batch)
        drops it too."""
        return {s: p for s, p in probabilities.items() if self.catalogue.has_scope(s)}

    def upfront(self, trace: Trace) -> frozenset[str]:
        """:func:`choose_upfront` on the probabilities before the start (known scopes)."""
        return choose_upfront(
            self.known(self.probabilities(trace)), self.catalogue, self.planning_costs
        ).upfront

    def batch(
        self, trace: Trace, index: int, missing: frozenset[str], granted: frozenset[str]
    ) -> frozenset[str]:
        """:func:`choose_batch` on the probabilities re-predicted when call ``index`` is attempted."""
        if not self.batching:
            return frozenset()
        denied = frozenset(
            scope
            for call in trace.calls[:index]
            if call.status == "denied"
            for scope in call.scopes
        )
        return choose_batch(
            self.known(self.probabilities(trace, index)),
            missing,
            granted,
            self.catalogue,
            self.planning_costs,
            denied=denied,
        )


class _NoScorer:
    """The scorer of a policy built on precomputed probabilities: it has none to give."""

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        raise ConfigError(
            f"This policy was built from precomputed probabilities and has none for "
            f"{len(inputs)} of the inputs asked; build it with probabilities for every trace."
        )


_EPS = 1e-6


def _blend(model: float, prior: float, weight: float) -> float:
    """Geometric pool of two probabilities: ``sigmoid((1-w) logit(model) + w logit(prior))``."""
    a = min(max(model, _EPS), 1.0 - _EPS)
    b = min(max(prior, _EPS), 1.0 - _EPS)
    z = (1.0 - weight) * math.log(a / (1.0 - a)) + weight * math.log(b / (1.0 - b))
    return 1.0 / (1.0 + math.exp(-z))


def _inputs_of(trace: Trace) -> list[TaskInput]:
    """What the scorer sees before the start and at the attempt of each call, in order."""
    start = TaskInput.from_trace(trace, 0)
    inputs = [start]
    for index, call in enumerate(trace.calls):
        attempted = call.model_copy(update={"status": "ok"})
        inputs.append(
            TaskInput(
                task=start.task,
                context=start.context,
                plan=start.plan,
                calls=(*trace.calls[:index], attempted),
            )
        )
    return inputs
