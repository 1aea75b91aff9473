"""The just-in-time batch at an interruption: re-predict from the calls so far, ask the policy.

A scorer is optional and may fail: without one, or when it raises, the batch is empty and
the consent asks only for the missing scopes. That degrades to plain point-of-execution
consent; it never lets a call run without its scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scopecast.catalogue import Catalogue
from scopecast.exceptions import ScopecastError
from scopecast.policy import CostModel, choose_batch
from scopecast.scoring import ScopeScorer, TaskInput

__all__ = ["choose_extra_scopes"]

logger = logging.getLogger(__name__)

# What a misbehaving scorer may raise; the batch is then empty (the call still needs its scopes).
_SCORER_FAILURES = (ScopecastError, ValueError, TypeError, KeyError, IndexError, ArithmeticError)


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
        predicted: Sequence[dict[str, float]] = scorer.predict_scopes([task_input])
        probabilities = dict(predicted[0])
    except _SCORER_FAILURES as err:
        logger.warning(
            "scorer failed at an interruption (%s); asking only for the missing scopes",
            type(err).__name__,
        )
        return frozenset()
    extra = choose_batch(probabilities, missing, granted, catalogue, costs, denied=refused)
    return frozenset(s for s in extra if not catalogue.is_jit_only(s)) - refused
