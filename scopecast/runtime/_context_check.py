"""Context fields the model cannot read: a value it never saw is ignored, so say so once.

A task's context enters the model as indicator tokens (``key=value`` and ``key~part``, see
:func:`scopecast._task_tokens.context_tokens`), and a token the training traces never had has
no column: it is dropped without a trace. A deployment that passes ``domain=workplace`` to a
model trained on ``domain=email`` gets the probabilities of a task without a domain (and no
domain support), which no output shows. :class:`ContextCheck` finds such fields so that
:class:`~scopecast.runtime.PreAuthorizer` can log it, once per field, naming the field and
how many values the model knows of it (for ``domain``, a few of them), never the value
passed: a context value, like the training values of a field such as ``user``, may be
personal.

A value seen whole in training costs one set look-up; the verdicts on other values (a new
combination of known parts, or nothing known) are remembered, up to :data:`_REMEMBERED`.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from scopecast._task_tokens import context_tokens

__all__ = ["ContextCheck"]

_REMEMBERED = 4096
"""Distinct (field, value) verdicts kept; the memo is cleared when it reaches this size."""
_EXAMPLES = 5
"""Known values named in a warning."""


class ContextCheck:
    """Which fields of a context hold a value the model has no feature for.

    Parameters
    ----------
    vocabulary : iterable of str
        The model's indicator tokens (context, plan and progress tokens alike; only the
        context ones, ``key=value`` and ``key~part``, are read).
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known: set[str] = set()
        self._values: dict[str, list[str]] = {}
        for token in vocabulary:
            self._known.add(token)
            key, sep, value = token.partition("=")
            if sep and "~" not in key:
                self._values.setdefault(key, []).append(value)
        self._verdicts: dict[tuple[str, str], bool] = {}

    def unknown_fields(self, context: Mapping[str, str], skip: Container[str] = ()) -> list[str]:
        """The fields of ``context`` (but those in ``skip``) whose value gives no token the
        model knows, sorted."""
        unknown: list[str] = []
        known = self._known
        for key, value in context.items():
            if key in skip or f"{key}={value}" in known:
                continue
            if not self._known_by_parts(key, value):
                unknown.append(key)
        return sorted(unknown) if len(unknown) > 1 else unknown

    def _known_by_parts(self, key: str, value: str) -> bool:
        """Whether a value never seen whole has a part the model knows (remembered)."""
        verdicts = self._verdicts
        verdict = verdicts.get((key, value))
        if verdict is None:
            verdict = any(token in self._known for token in context_tokens({key: value}))
            if len(verdicts) >= _REMEMBERED:
                verdicts.clear()
            verdicts[(key, value)] = verdict
        return verdict

    def explain(self, key: str, *, examples: bool) -> str:
        """What the model knows of field ``key``, for a warning: how many values, and (with
        ``examples``) a few of them. Never the value that was passed."""
        values = sorted(self._values.get(key, ()))
        if not values:
            return f"the model never saw a context field {key!r}"
        known = f"the model knows {len(values)} values of {key!r}"
        if not examples:
            return known
        shown = ", ".join(repr(v) for v in values[:_EXAMPLES])
        more = f" and {len(values) - _EXAMPLES} more" if len(values) > _EXAMPLES else ""
        return f"{known}: {shown}{more}"
