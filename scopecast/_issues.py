"""Turning validation failures into :class:`DataIssue` records, and collecting them per file.

Loaders of every format (JSON Lines, Parquet, DataFrame, catalogue files) share these so
that a problem reads the same wherever it comes from: the source, the 1-based line or row,
the dotted field, what was expected and what was found. A collector keeps the first issues
of a file (capped) and counts every one, so that a file whose records are all wrong in the
same way can be summarised ("every record lacks 'task': this is not a trace file").
"""

from __future__ import annotations

import difflib
import re
import typing
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from scopecast.exceptions import DataIssue, DataValidationError

__all__ = ["IssueCollector", "issues_from_validation", "short_repr"]

_GOT_LIMIT = 80

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field: the format does not have it (a typo?); remove or rename it",
    "model_type": "expected a JSON object",
    "model_attributes_type": "expected a JSON object",
    "dict_type": "expected a JSON object",
    "list_type": "expected a JSON array",
    "tuple_type": "expected a JSON array",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "float_type": "expected a number",
}


_SECRET_LOOKING = re.compile(
    r"(?i:bearer\s)|ya29\.|\bgh[pousr]_|github_pat_|\bxox[abposr]-|\bsk-|\bAKIA[0-9A-Z]{12}"
    r"|\beyJ[A-Za-z0-9_-]{8,}"
    r"|(?i:token|secret|passw|authoriz|api[_-]?key|verifier|cookie|credential|session)"
    r"|(?=[A-Za-z0-9_+=-]*[0-9])(?=[A-Za-z0-9_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{32,}"
)
"""What a token, a key or a password looks like in a rendered value: a known prefix (Google's
``ya29.``, GitHub's ``ghp_``, Slack's ``xoxb-``, ``sk-``, AWS keys, JWTs, ``Bearer``), a
field named like one, or a long run of letters and digits. Over-matching only hides a value."""
_SCANNED = 4096
"""Characters of a rendered value searched for a secret (a huge value is not shown anyway)."""


def _size(value: object) -> str:
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, dict):
        return f"a JSON object of {len(value)} field(s)"
    if isinstance(value, (list, tuple)):
        return f"a JSON array of {len(value)} item(s)"
    return f"a {type(value).__name__}"


def short_repr(value: object) -> str:
    """``repr(value)``, cut to a readable length (a huge string must not flood the report),
    or only its type and size when it may hold a secret.

    Error messages quote what they found, and a misplaced access token, API key or password
    must never reach a terminal or a log: a value that looks like one (see
    :data:`_SECRET_LOOKING`) is described, not shown.
    """
    text = repr(value)
    if _SECRET_LOOKING.search(text, 0, _SCANNED):
        return f"{_size(value)}, not shown: it may hold a secret"
    return text if len(text) <= _GOT_LIMIT else text[: _GOT_LIMIT - 3] + "..."


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model a field holds (itself, or inside a tuple, list or optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _close_field(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str | None:
    """The field of the object at ``loc`` spelt most like its unknown last part, if any."""
    *parents, unknown = [part for part in loc if isinstance(part, str)] or [""]
    for name in parents:
        field = None if model is None else model.model_fields.get(name)
        model = None if field is None else _model_in(field.annotation)
    if model is None:
        return None
    known = [name for name in model.model_fields if name != unknown]
    close = difflib.get_close_matches(unknown, known, n=1)
    return close[0] if close else None


def _describe(
    detail: ErrorDetails, field: str, model: type[BaseModel] | None = None
) -> tuple[str, str | None]:
    kind = detail["type"]
    last = field.rsplit(".", 1)[-1]
    if kind in {"json_invalid", "missing"}:
        return (detail["msg"] if kind == "json_invalid" else _MESSAGES[kind]), None
    got = short_repr(detail.get("input"))
    if kind == "extra_forbidden":
        close = _close_field(model, tuple(detail["loc"]))
        if close is not None:
            return _MESSAGES[kind].replace("(a typo?)", f"(a typo of {close!r}?)"), None
        return _MESSAGES[kind], None
    names = [part for part in field.split(".") if not part.isdigit()]
    is_scope = bool(names) and (
        names[-1] in {"scopes", "implies", "needed_scopes"} or names == ["scopes", "name"]
    )
    if is_scope and kind.startswith("string_"):
        return (
            "expected a scope string 'provider:name' (at most 256 characters), e.g. "
            "'google:gmail.send': a provider of ASCII letters, digits and _.-, a name of "
            "printable ASCII but space, double quote, backslash and [ ] (an OAuth scope-token)",
            got,
        )
    if kind == "value_error":
        # a check of the whole record names what is wrong itself; its input is the whole
        # record (a catalogue: every tool and scope), no short rendering of the culprit
        return str(detail.get("ctx", {}).get("error", detail["msg"])), got if field else None
    if kind == "string_too_short":
        return "expected a non-empty string", got
    if kind in {"less_than_equal", "greater_than_equal"} and last == "risk":
        return "expected a number from 0 to 1 (the cost of holding the scope unused)", got
    if kind == "literal_error" and last == "status":
        return "expected one of 'ok', 'error', 'denied'", got
    return _MESSAGES.get(kind, detail["msg"]), got


def issues_from_validation(
    err: ValidationError,
    source: str,
    line: int | None,
    *,
    unit: Literal["line", "row"] = "line",
    prefix: str = "",
    model: type[BaseModel] | None = None,
) -> list[DataIssue]:
    """Translate a pydantic error into issues naming ``source``, ``line`` and each field.

    ``model``, the one validated, lets an unknown field's message name the field it is
    most likely a typo of."""
    issues = []
    for detail in err.errors(include_url=False):
        loc = (*prefix.split("."), *detail["loc"]) if prefix else detail["loc"]
        field = ".".join(str(part) for part in loc)
        message, got = _describe(detail, field, model)
        issues.append(DataIssue(source, line, field, message, got, unit))
    return issues


class IssueCollector:
    """Collect the issues of one source: keep the first ``max_issues``, count all of them.

    Parameters
    ----------
    source : str
        The file (or in-memory table) being read; used in the summary hint.
    max_issues : int
        How many issues to keep for the report; the rest are counted.
    """

    def __init__(self, source: str, max_issues: int) -> None:
        self.source = source
        self.max_issues = max_issues
        self.issues: list[DataIssue] = []
        self.n_more = 0
        self.n_records = 0
        self.n_bad_records = 0
        self.tally: Counter[tuple[str, str]] = Counter()

    def record_ok(self) -> None:
        """Count one record that had no issue."""
        self.n_records += 1

    def record_bad(self, found: list[DataIssue]) -> None:
        """Count one record with the issues ``found`` (at least one)."""
        self.n_records += 1
        self.n_bad_records += 1
        self.tally.update(list(dict.fromkeys(issue.pattern for issue in found)))
        room = max(0, self.max_issues - len(self.issues))
        self.issues.extend(found[:room])
        self.n_more += max(0, len(found) - room)

    def _hint(self) -> str | None:
        if self.n_records < 2 or self.n_bad_records != self.n_records:
            return None
        everywhere = [pattern for pattern, n in self.tally.items() if n == self.n_records]
        unreadable = all(not field for field, _ in self.tally)  # not JSON objects at all
        if not everywhere and not unreadable:
            return None  # each record is bad in its own way: the issues listed say how
        unknown = [field for field, message in everywhere if message.startswith("unknown field")]
        missing = [field for field, message in everywhere if message == _MESSAGES["missing"]]
        parts = [f"None of the {self.n_records} records of {self.source} is valid."]
        if unknown:
            parts.append(f"Every record has the unknown field(s) {', '.join(unknown)}.")
        if missing:
            parts.append(f"Every record lacks {', '.join(missing)}.")
        parts.append(
            "Is this the right kind of file? The formats are in README.md, 'Traces and catalogues'."
        )
        return " ".join(parts)

    def error(self) -> DataValidationError | None:
        """The error to raise at the end of the source, or ``None`` when nothing was wrong."""
        if not self.issues and not self.n_more:
            return None
        return DataValidationError(
            self.issues,
            n_more=self.n_more,
            hint=self._hint(),
            tally=self.tally,
            n_records=self.n_records,
            n_bad_records=self.n_bad_records,
        )
