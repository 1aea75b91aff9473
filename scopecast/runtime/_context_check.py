"""Context the model cannot read as given: say so, once, instead of planning silently without it.

A task's context enters the model as indicator tokens (``key=value`` and ``key~part``, see
:func:`scopecast._task_tokens.context_tokens`), and a token the training traces never had has
no column: it is dropped without a trace. A deployment that passes ``domain=workplace`` to a
model trained on ``domain=email`` gets the probabilities of a task without a domain, and no
domain support, which no output shows. :class:`ContextNotes` logs, once per
:class:`~scopecast.runtime.PreAuthorizer`:

- per field, a value the model knows neither whole nor by any part (it is ignored);
- a ``domain`` the model reads (whole or by its parts) but keeps no support for, when it keeps
  supports for others (so the task's scopes are not limited to a domain's);
- per field, a field named like the model's plan or progress features (``plan_tool``,
  ``done_scope``...): its tokens are read as those features, not as context;
- per field, a field that at least :data:`EXPECTED_SHARE` of the training tasks had, missing
  or blank (models that record their fields' shares, :mod:`scopecast.model._context_fields`):
  the model plans as for a kind of task it (nearly) never saw.

A warning names the field and how many values the model knows of it (for ``domain``, a few
of them), never the value passed: a context value, like the training values of a field such
as ``user``, may be personal. At most :data:`_MAX_NOTES` fields other than ``domain`` are
noted; past that, one line says that no more will be (the notes on the domain and on
reserved fields, a handful at most, continue). A value seen whole in training costs one set
look-up; verdicts on other values are remembered, up to :data:`_REMEMBERED`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Container, Iterable, Mapping
from operator import itemgetter

from scopecast._domain_support import DOMAIN_KEY
from scopecast._task_tokens import context_tokens

__all__ = ["EXPECTED_SHARE", "RESERVED_FIELDS", "ContextCheck", "ContextNotes"]

_REMEMBERED = 4096
"""Distinct (field, value) verdicts kept; the memo is cleared when it reaches this size."""
_EXAMPLES = 5
"""Known values named in a warning."""
_MAX_NOTES = 64
"""Notes one :class:`ContextNotes` logs (fields made per request must not flood the log)."""
_SUPPORT_NOTE = ("support", DOMAIN_KEY)
"""The key under which the note on an unsupported domain is remembered (a field's is its name)."""

EXPECTED_SHARE = 0.95
"""A field at least this share of the training tasks had is expected: its absence is noted."""

RESERVED_FIELDS = frozenset({"plan_tool", "plan_scope", "done_tool", "done_scope"})
"""Context fields whose ``key=value`` tokens are those of the plan and progress features."""


def _some(values: list[str]) -> str:
    """The first :data:`_EXAMPLES` of ``values``, quoted, and how many more there are."""
    shown = ", ".join(repr(v) for v in values[:_EXAMPLES])
    more = f" and {len(values) - _EXAMPLES} more" if len(values) > _EXAMPLES else ""
    return shown + more


class ContextCheck:
    """Which fields of a context hold a value the model has no feature for.

    Parameters
    ----------
    vocabulary : iterable of str
        The model's indicator tokens (context, plan and progress tokens alike; the plan and
        progress ones only count as known values of the fields in :data:`RESERVED_FIELDS`).
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known: set[str] = set()
        self._values: dict[str, list[str]] = {}
        for token in vocabulary:
            self._known.add(token)
            key, sep, value = token.partition("=")
            if sep and "~" not in key and key not in RESERVED_FIELDS:
                self._values.setdefault(key, []).append(value)
        self._verdicts: dict[tuple[object, object], bool] = {}

    def unknown_fields(self, context: Mapping[str, str], skip: Container[object] = ()) -> list[str]:
        """The fields of ``context`` (but those in ``skip``, blank values and the fields of
        :data:`RESERVED_FIELDS`) whose value gives no token the model knows, sorted."""
        unknown: list[str] = []
        known = self._known
        for key, value in context.items():
            if key in skip or f"{key}={value}" in known or key in RESERVED_FIELDS:
                continue
            if not str(value).strip() or self._known_by_parts(key, value):
                continue
            unknown.append(key)
        return sorted(unknown, key=str) if len(unknown) > 1 else unknown

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
        return f"{known}: {_some(values)}"


class ContextNotes:
    """The warnings a :class:`~scopecast.runtime.PreAuthorizer` logs about its tasks' contexts,
    each at most once (thread-safe: a note is claimed under a lock before it is logged).

    Parameters
    ----------
    vocabulary : iterable of str
        The model's indicator tokens (``CompactScorer.indicator_vocabulary``).
    supported_domains : iterable of str
        The domains the model keeps a support for (``CompactScorer.domain_support``).
    logger : logging.Logger
        Where the notes go.
    field_shares : mapping of str to float, optional
        Per context field, the share of training tasks that had it
        (``CompactScorer.context_fields``); empty: no field is expected.
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        supported_domains: Iterable[str],
        logger: logging.Logger,
        field_shares: Mapping[str, float] | None = None,
    ) -> None:
        self.check = ContextCheck(vocabulary)
        self._expected = {
            key: share for key, share in (field_shares or {}).items() if share >= EXPECTED_SHARE
        }
        self._pending = _Pending(self._expected)
        self._supported = frozenset(supported_domains)
        self._logger = logger
        self._said: set[object] = set()
        self._lock = threading.Lock()
        self._full = False
        self._n_fields = 0

    def note(self, context: Mapping[str, str]) -> None:
        """Log what is new to say about ``context`` (nothing, almost always)."""
        unknown = self.check.unknown_fields(context, self._said)
        if unknown and self._full:  # the cap is reached: only the domain is still noted
            unknown = [key for key in unknown if key == DOMAIN_KEY]
        reserved = (
            []
            if RESERVED_FIELDS.isdisjoint(context)
            else sorted(RESERVED_FIELDS.intersection(context))
        )
        unsupported = False
        if self._supported and _SUPPORT_NOTE not in self._said:
            domain = context.get(DOMAIN_KEY)
            unsupported = (
                isinstance(domain, str)
                and bool(domain.strip())
                and domain not in self._supported
                and not self.check.unknown_fields({DOMAIN_KEY: domain})
            )
        pending = self._pending
        try:  # in C, no bytecode per field: the usual task has every expected field
            absent = [] if all(map(str.strip, pending.values(context))) else pending.absent(context)
        except (KeyError, TypeError):  # a field missing, or a value that is not a string
            absent = pending.absent(context)
        if unknown or reserved or unsupported or absent:
            self._say(unknown, reserved, unsupported, absent)

    def _claim(self, key: object) -> bool:
        """Whether the note ``key`` is still to be logged (and now claimed); call under the
        lock. The notes on the domain, on reserved fields and on expected fields that are
        absent are few (the model bounds them) and never capped."""
        if key in self._said:
            return False
        capped = isinstance(key, str) and key != DOMAIN_KEY
        if capped and self._n_fields >= _MAX_NOTES:
            self._full = True
            return False
        self._said.add(key)
        self._n_fields += capped
        return True

    def _say(
        self, unknown: list[str], reserved: list[str], unsupported: bool, absent: list[str]
    ) -> None:
        with self._lock:
            was_full = self._full
            unknown = [key for key in unknown if self._claim(key)]
            reserved = [key for key in reserved if self._claim(("reserved", key))]
            absent = [key for key in absent if self._claim(("absent", key))]
            if absent:
                self._pending = _Pending(self._pending.keys.difference(absent))
            unsupported = unsupported and self._claim(_SUPPORT_NOTE)
            now_full = self._full and not was_full
        for key in unknown:
            support = "; no domain support applies" if key == DOMAIN_KEY and self._supported else ""
            self._logger.warning(
                "the context field %r has a value the model never saw in training, whole or "
                "by any part, so it is ignored%s (%s). Check its spelling, or retrain with "
                "traces of such tasks. Logged once per field.",
                key,
                support,
                self.check.explain(key, examples=key == DOMAIN_KEY),
            )
        for key in absent:
            self._logger.warning(
                "the context field %r is missing or blank, but %.0f%% of the training tasks "
                "had it: the model plans as for a kind of task it (nearly) never saw, and its "
                "probabilities may be off. Pass the field, or retrain on traces without it. "
                "Logged once per field.",
                key,
                100 * self._expected[key],
            )
        for key in reserved:
            self._logger.warning(
                "the context field %r has the name of the model's plan or progress features: "
                "its value is read as one of them, not as context. Rename the field. Logged "
                "once per field.",
                key,
            )
        if now_full:
            self._logger.warning(
                "%d context fields were noted as unknown; no more will be (fields made per "
                "request, such as an id in the field's name, would flood the log). Notes on "
                "the domain continue.",
                _MAX_NOTES,
            )
        if unsupported:
            self._logger.warning(
                "a task's domain has no support of its own (the model keeps one for %d "
                "domains: %s, looked up by the exact value; a combination of them, a domain "
                "of too few training tasks, or a value with spaces around it has none), so "
                "its scopes are not limited to those a domain needed. Logged once.",
                len(self._supported),
                _some(sorted(self._supported)),
            )


class _Pending:
    """The expected fields whose absence is not noted yet; ``values`` fetches theirs in C
    (``KeyError`` when one is missing), so that the usual task, which has them all, costs no
    bytecode per field (8.5k instructions per plan for four fields as a comprehension)."""

    __slots__ = ("keys", "values")

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        self.values: Callable[[Mapping[str, str]], tuple[str, ...]]
        if not self.keys:
            self.values = lambda context: ()
        elif len(self.keys) == 1:  # itemgetter of one key gives the value, not a tuple
            (key,) = self.keys
            self.values = lambda context: (context[key],)
        else:
            self.values = itemgetter(*self.keys)

    def absent(self, context: Mapping[str, str]) -> list[str]:
        """The pending fields that ``context`` lacks or leaves blank."""
        return [key for key in self.keys if not str(context.get(key, "")).strip()]
