"""What the runtime accepts from a scorer: checked probabilities of scopes the catalogue knows.

A :class:`~scopecast.scoring.ScopeScorer` is any object (a remote service, a user's
class), so its output is checked before the policy sees it, the same way before the start
(:class:`~scopecast.runtime.PreAuthorizer`) and at an interruption (the guard's
just-in-time batch): one mapping per input, each scope a ``provider:name`` string, each
probability a number in [0, 1]. Anything else is a failure of the scorer, which the callers
turn into "ask nothing extra" (fail closed), never into running a call without its scopes.

A scope the catalogue does not know is dropped: its risk is unknown and no tool of the
catalogue needs it, so it is never asked ahead of a call (if a tool registered with the
guard needs it, the guard asks it at that call).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue

__all__ = ["checked_probabilities", "known_probabilities"]


def checked_probabilities(predicted: object) -> dict[str, float]:
    """The probabilities of a scorer's answer for one input, checked.

    Parameters
    ----------
    predicted : object
        What ``scorer.predict_scopes([item])`` returned: a sequence of exactly one mapping
        ``{scope: probability}``.

    Raises
    ------
    TypeError
        If it is not a one-element sequence of a mapping of strings to real numbers.
    ValueError
        If a scope is not ``provider:name`` or a probability is not a number in [0, 1].
    """
    if not isinstance(predicted, Sequence) or len(predicted) != 1:
        raise TypeError(
            f"predict_scopes must return one mapping per input (1 input); got "
            f"{type(predicted).__name__}"
            + (f" of length {len(predicted)}" if isinstance(predicted, Sequence) else "")
        )
    (mapping,) = predicted
    if not isinstance(mapping, Mapping):
        raise TypeError(f"predict_scopes must return mappings; got a {type(mapping).__name__}")
    probabilities: dict[str, float] = {}
    for scope, value in mapping.items():
        if not isinstance(scope, str):
            raise TypeError(f"a scope must be a string; got a {type(scope).__name__}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"the probability of {scope!r} is a {type(value).__name__}")
        provider_of(scope)
        p = float(value)
        if not (math.isfinite(p) and 0.0 <= p <= 1.0):
            raise ValueError(f"probability {p!r} of {scope!r} is not in [0, 1]")
        probabilities[scope] = p
    return probabilities


def known_probabilities(
    probabilities: Mapping[str, float], catalogue: Catalogue
) -> tuple[dict[str, float], list[str]]:
    """``probabilities`` without the scopes ``catalogue`` does not know.

    Returns
    -------
    kept : dict[str, float]
        The probabilities of the scopes the catalogue knows (describes, or a tool needs,
        or another scope implies).
    dropped : list[str]
        The unknown scopes given a probability above 0, sorted (those worth a warning).
    """
    kept = {s: p for s, p in probabilities.items() if catalogue.has_scope(s)}
    if len(kept) == len(probabilities):
        return kept, []
    return kept, sorted(s for s, p in probabilities.items() if p > 0.0 and s not in kept)
