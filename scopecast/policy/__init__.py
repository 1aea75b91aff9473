"""The decision layer: from predicted probabilities, a catalogue and costs to the scopes to ask.

Pure functions, no I/O, light imports (this runs before every agent start):

- :func:`choose_upfront`: the scopes to ask before the start, each decision explained;
- :func:`choose_batch`: the extra scopes to add to the consent at an interruption;
- :class:`CostModel`: the cost of an interruption, of a consent screen, and of unused risk;
- :class:`DomainFrequencyScorer`: a per-domain frequency prior that needs no trained model.
"""

from scopecast.policy._batch import choose_batch
from scopecast.policy._costs import CostModel
from scopecast.policy._decision import ScopeDecision, UpfrontDecision
from scopecast.policy._frequency import DomainFrequencyScorer
from scopecast.policy._upfront import choose_upfront, deferral_cost

__all__ = [
    "CostModel",
    "DomainFrequencyScorer",
    "ScopeDecision",
    "UpfrontDecision",
    "choose_batch",
    "choose_upfront",
    "deferral_cost",
]
