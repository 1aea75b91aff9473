"""Groups for cross-validation: paraphrases of one task must never straddle two folds.

Two ways to name a trace's group:

- :func:`group_of` (the default): a *task template*, the task text with what varies between
  paraphrases masked: e-mail addresses, quoted strings, dates and times, month and weekday
  names, numbers, and capitalised words that do not start a sentence (names of people,
  products, places); then lowercased, punctuation dropped and white space collapsed.
  Two tasks that differ only in such values fall in one group.
- a regular expression on ``trace_id`` (``group_pattern``): the group is the first
  capturing group of the first match that took part in it (so alternatives for ids of two
  shapes may each capture in a group of their own), or the whole match if none did;
  traces that do not match fall back to :func:`group_of`. For the WorkBench runs,
  whose ids end in ``/t-<10 hex>/<row>`` (the template), use ``WORKBENCH_TEMPLATE``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from scopecast.exceptions import ConfigError
from scopecast.traces import Trace

__all__ = [
    "WORKBENCH_TEMPLATE",
    "check_pattern_matched",
    "compiled_group_pattern",
    "group_of",
    "groups_for",
    "task_template",
]

WORKBENCH_TEMPLATE = r"/(t-[0-9a-f]{10})/"
"""``group_pattern`` that groups WorkBench runs by their template (see PROVENANCE.md)."""

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_QUOTED = re.compile("'[^']*'|\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\b|\b\d{1,2}[:/.]\d{2}\b")
_CALENDAR = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w-]*")
_NON_WORD = re.compile(r"[^\w<>]+")


def task_template(task: str) -> str:
    """The task text with its varying values masked (see the module docstring)."""
    text = _EMAIL.sub(" <email> ", task)
    text = _QUOTED.sub(" <quoted> ", text)
    text = _DATE.sub(" <date> ", text)
    text = _CALENDAR.sub(" <date> ", text)
    text = _CAPITALISED.sub(" <name> ", text.strip())
    text = _NUMBER.sub(" <num> ", text)
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


@functools.lru_cache(maxsize=16)
def compiled_group_pattern(group_pattern: str) -> re.Pattern[str]:
    """``group_pattern`` compiled, or :class:`ConfigError` saying why it is not a regex (or
    matches the empty string, and so every trace id).

    Checked before any trace is grouped, so that a typo in ``--group-pattern`` stops a
    training run at once with the reason, not with a traceback from :mod:`re`.
    """
    try:
        compiled = re.compile(group_pattern)
    except re.error as err:
        raise ConfigError(
            f"group_pattern {group_pattern!r} is not a valid regular expression ({err}); "
            f"give a Python regex on trace_id whose first group names the CV group, "
            f"e.g. {WORKBENCH_TEMPLATE!r}."
        ) from None
    if compiled.search("") is not None:
        raise ConfigError(
            f"group_pattern {group_pattern!r} matches the empty string, so it matches every "
            f"trace_id, and every id it does not really match lands in one group named ''; "
            f"give a regex that must match part of trace_id, its first group naming the CV "
            f"group, e.g. {WORKBENCH_TEMPLATE!r}."
        )
    return compiled


def group_of(trace: Trace, group_pattern: str | None = None) -> str:
    """The CV group of ``trace``: a ``trace_id`` regex capture if given and matching, else its template.

    Raises
    ------
    ConfigError
        If ``group_pattern`` is not a valid regular expression.
    """
    if group_pattern is not None:
        match = compiled_group_pattern(group_pattern).search(trace.trace_id)
        if match is not None:
            return "id:" + _captured(match)
    return "template:" + task_template(trace.task)


def _captured(match: re.Match[str]) -> str:
    """The first capturing group that took part in ``match``, else the whole match.

    With one group that always takes part (``/(t-[0-9a-f]{10})/``) that is the first group;
    with alternatives for ids of several shapes (``/(tpl-\\w+)/|^legacy-(\\w+)-``) it is the
    group of the alternative that matched, where the first group is ``None``.
    """
    for value in match.groups():
        if value is not None:
            return value
    return match.group(0)


def groups_for(traces: list[Trace], group_pattern: str | None = None) -> list[str]:
    """:func:`group_of` for each trace, in order.

    Raises
    ------
    ConfigError
        If ``group_pattern`` matches none of the traces' ids (every trace would silently
        fall back to its task template, which is not what a pattern was given for), or puts
        every trace in one group (nothing could be cross-validated).
    """
    groups = [group_of(trace, group_pattern) for trace in traces]
    check_pattern_matched(group_pattern, traces, groups)
    return groups


def check_pattern_matched(
    group_pattern: str | None, traces: Sequence[Trace], groups: Sequence[str]
) -> None:
    """Fail when ``group_pattern`` was given and matched none of ``traces``, or put them all
    in one group (see :func:`groups_for`)."""
    if group_pattern is None or not traces:
        return
    if len(traces) > 1 and len(set(groups)) == 1 and groups[0].startswith("id:"):
        raise ConfigError(
            f"group_pattern {group_pattern!r} puts all {len(traces)} traces in one CV group "
            f"({groups[0][3:]!r}), so nothing can be cross-validated and every scope would "
            f"get its base rate. Its first group should capture what differs between tasks "
            f"(e.g. {WORKBENCH_TEMPLATE!r}), or leave the pattern out to group by task template."
        )
    if any(g.startswith("id:") for g in groups):
        return
    raise ConfigError(
        f"group_pattern {group_pattern!r} matches none of the {len(traces)} trace ids (the "
        f"first is {traces[0].trace_id!r}), so every trace would be grouped by its task "
        f"template instead. Fix the pattern (a Python regex searched in trace_id, its first "
        f"group naming the CV group, e.g. {WORKBENCH_TEMPLATE!r}) or leave it out."
    )
