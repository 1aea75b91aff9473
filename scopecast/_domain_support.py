"""The scopes a domain's tasks have needed: outside them, a scope's probability is 0.

A task's ``context.domain`` (the field the format note defines, the one ``all_known`` and
``frequency`` read) often decides which tools exist at all: an AgentDojo Slack task has no
banking tool to call. The calibrated models cannot say so. A scope whose model scores every
Slack task low still gets the floor of its calibration map, a few in a thousand, and a high
interruption cost asks it anyway: without the support, the model policy's frontier (``scopecast
evaluate --sweep``) stayed above ``all_known``'s point on both data sets of the README, as it
kept asking for other suites' scopes where ``all_known`` asks for the task's domain's only.

So the model keeps each domain's **support**: the scopes that some training trace of that
domain needed. A domain counts once its traces come from at least ``min_groups`` CV groups
(distinct tasks or templates, so that one task's paraphrases do not pass for a domain's
history); an unknown domain, a task without one, or a domain with fewer groups is left alone.
A scope outside the support of the task's domain gets probability 0 unless the task's plan
names it (a plan is the agent saying it will use it) or the calls so far used it (then it is
1 anyway). A tool the domain has never used is still caught by the guard at the point of
execution: the cost of a wrong 0 is one interruption.

Both the scikit-learn model (``scopecast.model``) and the compact runtime model apply it with
these functions; the model fits it in :mod:`scopecast.model._domain_support_fit`. Nothing here
imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scopecast.scoring import TaskInput

__all__ = [
    "DOMAIN_KEY",
    "apply_domain_support",
    "domain_of",
    "support_mask",
]

DOMAIN_KEY = "domain"
"""The context field whose value names a task's domain."""


def domain_of(context: Mapping[str, str]) -> str | None:
    """The task's domain: its ``context.domain``, ``None`` when missing or empty."""
    return context.get(DOMAIN_KEY) or None


def support_mask(
    inputs: Sequence[TaskInput],
    scopes: Sequence[str],
    support: Mapping[str, npt.NDArray[np.bool_]],
) -> npt.NDArray[np.bool_] | None:
    """Which probabilities the support sets to 0, shape (n_inputs, n_scopes); ``None`` if none.

    A cell is masked when the input's domain has a support, the scope is outside it, and the
    input's plan does not name the scope.
    """
    if not support:
        return None
    mask: npt.NDArray[np.bool_] | None = None
    index: dict[str, int] | None = None
    for i, item in enumerate(inputs):
        domain = domain_of(item.context)
        allowed = None if domain is None else support.get(domain)
        if allowed is None or allowed.all():
            continue
        if mask is None:
            mask = np.zeros((len(inputs), len(scopes)), dtype=bool)
        mask[i] = ~allowed
        if item.plan:
            index = index if index is not None else {s: j for j, s in enumerate(scopes)}
            for step in item.plan:
                for scope in step.scopes:
                    j = index.get(scope)
                    if j is not None:
                        mask[i, j] = False
    return mask


def apply_domain_support(
    P: npt.NDArray[np.float64],
    inputs: Sequence[TaskInput],
    scopes: Sequence[str],
    support: Mapping[str, npt.NDArray[np.bool_]],
) -> npt.NDArray[np.float64]:
    """``P`` (modified in place and returned) with the masked cells set to 0.

    Apply it before the scopes already used by the calls so far are set to 1. A NaN stays
    NaN: a broken model must still be refused by whoever checks the probabilities, masked
    scope or not.
    """
    mask = support_mask(inputs, scopes, support)
    if mask is not None:
        P[mask & ~np.isnan(P)] = 0.0
    return P
