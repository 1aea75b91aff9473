"""The just-in-time batch at an interruption: re-predict from the calls so far, ask the policy.

A scorer is optional and may fail: without one, or when anything in the re-prediction fails
(the scorer raises any exception, e.g. a remote scorer's ``ConnectionError``, or answers
something malformed: not one mapping, a scope that is not ``provider:name``, a probability
outside [0, 1]), the batch is empty and the consent asks exactly for the missing scopes, with
a logged warning naming the error type. That degrades to plain point-of-execution consent; it
never skips the consent nor lets a call run without its scopes.

The batch never holds a scope the catalogue does not know (unknown risk), a ``jit_only``
scope or a scope whose ``implies`` closure holds one (it would grant the ``jit_only`` scope
ahead of its own call), nor a refused one, whatever the policy returns.
"""

from __future__ import annotations

import logging

from scopecast.catalogue import Catalogue
from scopecast.policy import CostModel, choose_batch
from scopecast.runtime._scorer_output import checked_probabilities, known_probabilities
from scopecast.scoring import ScopeScorer, TaskInput

__all__ = ["choose_extra_scopes"]

logger = logging.getLogger(__name__)


def choose_extra_scopes(
    scorer: ScopeScorer | None,
    task_input: TaskInput,
    *,
    missing: frozenset[str],
    granted: frozenset[str],
    refused: frozenset[str],
    catalogue: Catalogue,
    costs: CostModel,
) -> frozenset[str]:
    """The extra scopes to add to the consent asked for ``missing`` (never a refused one).

    Parameters
    ----------
    scorer : ScopeScorer or None
        Re-predicts the run's needs from ``task_input`` (which includes the calls so far).
    task_input : TaskInput
        Task, context, plan and calls made so far.
    missing, granted, refused : frozenset[str]
        What the call misses, what the run holds, what the user refused or declined.
    catalogue : Catalogue
        Risk, ``jit_only``, ``implies`` and providers.
    costs : CostModel
        The policy's costs.
    """
    if scorer is None or not missing:
        return frozenset()
    try:
        probabilities = checked_probabilities(scorer.predict_scopes([task_input]))
        probabilities, unknown = known_probabilities(probabilities, catalogue)
        extra = choose_batch(probabilities, missing, granted, catalogue, costs, denied=refused)
    except Exception as err:  # any failure (the scorer is anyone's code): no batch, fail closed
        # the type only: an error's text may carry what it was given (URLs, headers)
        logger.warning(
            "scorer failed at an interruption (%s); asking only for the missing scopes",
            type(err).__name__,
        )
        return frozenset()
    if unknown:
        logger.warning(
            "scopes not in the catalogue left out of the batch (unknown risk): %s", unknown
        )
    return frozenset(s for s in extra if not catalogue.implies_jit_only(s)) - refused
