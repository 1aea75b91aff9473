"""Exceptions raised by scopecast: one tree, every message says what, expected vs got, and how to fix.

::

    ScopecastError
    ├── ConfigError (ValueError)             bad parameters, settings or cost model
    ├── DataValidationError (ValueError)     bad traces, catalogues or training data
    ├── CatalogueError (ValueError)          inconsistent catalogue (implies cycle, unknown scope)
    ├── ModelError                           training cannot proceed or a model is unusable
    ├── MissingExtraError (ImportError)      the training stack (scopecast[train]) is not installed
    ├── ArtifactError                        a model directory cannot be saved or loaded
    │   └── UntrustedArtifactError           model file holds types not in the trusted list
    └── GuardError                           point-of-execution guard
        ├── AuthorizationRequired            pausing mode: the run is saved, consent is needed
        ├── ScopeDeniedError (PermissionError)
        ├── ScopeRequestTimeout (TimeoutError)
        ├── UnknownToolError                 fail closed
        ├── RunStoreError                    the run store failed: fail closed
        ├── AuthorizerError                  the authorization server or callback failed
        └── GuardStateError (RuntimeError)   misuse: resume() of a finished run, etc.
            └── ResumeConflictError          the consent was answered already: run nothing

    ModelUnavailableWarning (UserWarning)    no usable model: point-of-execution consent only

No message, attribute or log record ever holds a token value, an authorization code or a
request body; scope names and run ids are fine.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal


class ScopecastError(Exception):
    """Base class for every error scopecast raises."""


class ConfigError(ScopecastError, ValueError):
    """Raised when a parameter, setting or cost model value is invalid."""


@dataclass(frozen=True)
class DataIssue:
    """One problem found in input data: where it is and what is wrong.

    Attributes
    ----------
    source : str
        The file (or ``"<DataFrame>"``, ``"<memory>"``) the record came from.
    line : int | None
        1-based line (JSON Lines) or row (Parquet, DataFrame) of the record; ``None`` for
        a problem of the whole file (a missing column, an unreadable file).
    field : str
        Dotted path of the offending field, e.g. ``calls.2.scopes.0`` (list indices are
        0-based, as in the JSON); ``""`` for the record as a whole.
    message : str
        What was expected (and, for a known mistake, how to fix it).
    got : str | None
        A short rendering of the offending value, when there is one.
    unit : {"line", "row"}
        Whether :attr:`line` counts lines of a text file or rows of a table.
    """

    source: str
    line: int | None
    field: str
    message: str
    got: str | None = None
    unit: Literal["line", "row"] = "line"

    @property
    def pattern(self) -> tuple[str, str]:
        """``(field with list indices as '*', message)``: the same mistake on many records."""
        field = ".".join("*" if part.isdigit() else part for part in self.field.split("."))
        return field, self.message

    def __str__(self) -> str:
        if self.line is None:
            where = self.source
        elif self.unit == "row":
            where = f"{self.source}:row {self.line}"
        else:
            where = f"{self.source}:{self.line}"
        message = self.message if self.got is None else f"{self.message} (got {self.got})"
        return ": ".join([where, self.field, message] if self.field else [where, message])


class DataValidationError(ScopecastError, ValueError):
    """Raised when traces, catalogues or training data do not follow the format.

    Carries every issue found (up to a cap), not only the first.

    Attributes
    ----------
    issues : tuple[DataIssue, ...]
        The issues listed (at most the loader's cap).
    n_more : int
        Issues found beyond the cap and not listed.
    tally : dict[tuple[str, str], int]
        How many records showed each :attr:`DataIssue.pattern`, counting every record (also
        those beyond the cap); empty when the raiser did not count.
    n_records, n_bad_records : int | None
        Records read and records with at least one issue, when known.
    """

    def __init__(
        self,
        issues: Sequence[DataIssue] | str,
        *,
        n_more: int = 0,
        hint: str | None = None,
        tally: Mapping[tuple[str, str], int] | None = None,
        n_records: int | None = None,
        n_bad_records: int | None = None,
    ) -> None:
        if isinstance(issues, str):
            self.issues: tuple[DataIssue, ...] = ()
            message = issues
        else:
            self.issues = tuple(issues)
            lines = [str(issue) for issue in self.issues]
            if n_more:
                lines.append(f"... and {n_more} more issue(s) not shown.")
            count = len(self.issues) + n_more
            message = f"{count} problem(s) in the input data:\n  " + "\n  ".join(lines)
        if hint:
            message += f"\n{hint}"
        self.n_more = n_more
        self.hint = hint
        self.tally = dict(tally or {})
        self.n_records = n_records
        self.n_bad_records = n_bad_records
        super().__init__(message)

    @classmethod
    def single(
        cls, source: str, line: int | None, field: str, message: str, *, got: str | None = None
    ) -> DataValidationError:
        """Build an error holding exactly one issue."""
        return cls([DataIssue(source, line, field, message, got)])


class CatalogueError(ScopecastError, ValueError):
    """Raised when a catalogue is inconsistent (an ``implies`` cycle, a scope it does not declare)."""


class ModelError(ScopecastError):
    """Raised when a model cannot be trained on the given data or cannot answer a request."""


class MissingExtraError(ScopecastError, ImportError):
    """Raised when a feature needs the training stack and ``pip install scopecast`` left it out.

    ``scopecast`` alone is the runtime (plan, guard, consent); training, evaluation, the
    command line, Parquet and models without a compact form need ``scopecast[train]``. An
    :class:`ImportError` too, so code that already degrades on a failed import still does.
    """


class ArtifactError(ScopecastError):
    """Raised when a model directory cannot be written or read back (missing, tampered, other version)."""


class UntrustedArtifactError(ArtifactError):
    """Raised when a model file contains types outside the explicit trusted list."""

    def __init__(self, path: str, untrusted: Iterable[str]) -> None:
        self.path = path
        self.untrusted = tuple(sorted(untrusted))
        super().__init__(
            f"Model file {path!r} contains types that scopecast does not trust: "
            f"{', '.join(self.untrusted)}. It was not made by this version of scopecast or it was "
            f"tampered with. Retrain with `scopecast train` and load the new directory."
        )


class GuardError(ScopecastError):
    """Base class for errors of the point-of-execution guard."""


class AuthorizationRequired(GuardError):
    """Raised in pausing mode: the run is saved and waits for the user's consent.

    Attributes
    ----------
    run_id : str
        The saved run; pass it to ``resume(run_id, grant)``.
    tool : str
        The tool whose call is waiting.
    missing : frozenset[str]
        Scopes the call needs and the run does not hold.
    requested : frozenset[str]
        What the consent asks for: ``missing`` plus the just-in-time batch.
    consent_urls : dict[str, str]
        One authorization URL per provider in ``requested`` (empty if the authorizer has none).
    request_id : str or None
        The consent request to answer: ``resume(run_id, Grant.of(request_id, granted))``.
    """

    def __init__(
        self,
        run_id: str,
        tool: str,
        missing: Iterable[str],
        requested: Iterable[str],
        consent_urls: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.run_id = run_id
        self.request_id = request_id
        self.tool = tool
        self.missing = frozenset(missing)
        self.requested = frozenset(requested) | self.missing
        self.consent_urls = dict(consent_urls or {})
        super().__init__(
            f"Run {run_id!r} is paused: tool {tool!r} needs scopes it does not hold "
            f"({', '.join(sorted(self.missing))}). Ask the user to grant "
            f"{', '.join(sorted(self.requested))}, then call resume({run_id!r}, grant)."
        )


class ScopeDeniedError(GuardError, PermissionError):
    """Raised when the user refused (part of) the scopes a call needs; the call did not run."""

    def __init__(self, tool: str, denied: Iterable[str], *, run_id: str | None = None) -> None:
        self.tool = tool
        self.denied = frozenset(denied)
        self.run_id = run_id
        super().__init__(
            f"Tool {tool!r} was not run: the user did not grant {', '.join(sorted(self.denied))}. "
            f"The denial is recorded and will not be asked again in this run; continue without "
            f"this tool or start a new run to ask again."
        )


class ScopeRequestTimeout(GuardError, TimeoutError):
    """Raised when the user did not answer a consent request in time; the call did not run."""


class UnknownToolError(GuardError):
    """Raised when a tool is not in the catalogue: the guard cannot tell its scopes, so it refuses."""

    def __init__(self, tool: str, known: Iterable[str] = (), *, wrapping: bool = False) -> None:
        self.tool = tool
        names = sorted(known)
        close = difflib.get_close_matches(tool, names, n=3)
        if close:
            hint = f"Did you mean {' or '.join(map(repr, close))}? "
        elif names:
            # nothing like it: perhaps the catalogue of other tools (another model directory's)
            shown = ", ".join(map(repr, names[:3])) + (", ..." if len(names) > 3 else "")
            hint = f"The catalogue's {len(names)} tool(s) are {shown}: is it your agent's? "
        else:
            hint = "The catalogue has no tools. "
        refused = "to guard it" if wrapping else "to run it"
        super().__init__(
            f"Tool {tool!r} is not in the scope catalogue, so the guard cannot tell which "
            f"scopes it needs and refused {refused}. {hint}Add it to the catalogue, or "
            f"register it with `requires=()` if it needs no scopes."
        )


class RunStoreError(GuardError):
    """Raised when the run store cannot read or write a run; the guard fails closed."""


class AuthorizerError(GuardError):
    """Raised when an authorizer (OAuth server, console, callback) fails to complete a request."""


class GuardStateError(GuardError, RuntimeError):
    """Raised on misuse of the guard: resuming a finished run, a grant for another run, etc."""


class ResumeConflictError(GuardStateError):
    """Raised by ``resume()`` when the answer it carries was applied already: it ran nothing.

    Also raised by ``ensure_pending()`` and ``claim_answer()`` before an OAuth code is
    exchanged, when the answer is recorded already or another callback is exchanging it
    (``in_flight``).

    Each provider's answer to a consent request is applied once, in one transaction, and
    exactly one ``resume()`` gets the run back ``running``. Any other resume of the same
    answer (a retried job, a reloaded OAuth redirect page, a second process) raises this
    and must not continue the agent: the winner does. It applies nothing beyond recording
    its own provider's answer, when that answer was new (``applied``).

    Attributes
    ----------
    run_id : str
        The run.
    request_id : str
        The consent request the grant answers.
    status : str
        The run's status in the store: ``running`` (another resume continues it),
        ``paused`` (it still waits for consent) or ``finished``.
    applied : bool
        Whether this grant was recorded (a provider's answer that came before another
        provider's answer resumed the run) or not (the answer was there already).
    in_flight : bool
        Raised by ``claim_answer`` because another callback is exchanging the same answer
        at this moment (it holds the claim on it): nothing was exchanged here.
    """

    def __init__(
        self,
        run_id: str,
        request_id: str,
        status: str,
        *,
        applied: bool = False,
        in_flight: bool = False,
    ) -> None:
        self.run_id = run_id
        self.request_id = request_id
        self.status = status
        self.applied = applied
        self.in_flight = in_flight
        if in_flight:
            super().__init__(
                f"Another callback is completing this answer to consent request "
                f"{request_id!r} of run {run_id!r} (the same redirect delivered twice at once), "
                f"so no code was exchanged here; do not run the agent: that callback resumes "
                f"the run. If it fails it releases its claim (or the claim ends with "
                f"ScopeGuard's answer_claim_lease), and the user can be asked again "
                f"(guard.pending_consent(run_id))."
            )
            return
        if status == "running":
            then = (
                "the resume() that answered it continues the run: do not run the agent here. "
                f"If the process that resumed it is gone, guard.attach({run_id!r}) takes the "
                f"run over once that process's lease on it ends (ScopeGuard's run_lease); "
                f"until then attach raises RunHeldError"
            )
        elif status == "paused":
            then = (
                "the run still waits for consent: resume it with the grant of a provider "
                "that has not answered yet (see guard.pending_consent(run_id))"
            )
        else:
            then = f"the run is {status}; start a new run for further calls"
        if applied:
            what = (
                f"This grant to consent request {request_id!r} of run {run_id!r} is recorded, "
                f"but another resume() (perhaps in another process) resumed the run, so "
                f"nothing was run here."
            )
        else:
            what = (
                f"Consent request {request_id!r} of run {run_id!r} was answered already (by "
                f"another resume(), perhaps in another process), so this grant was not "
                f"applied and nothing was run. Expected one resume() per answer; got a "
                f"second one."
            )
        super().__init__(f"{what} Now {then}.")


class RunHeldError(GuardStateError):
    """Raised when another process holds the run: a call is refused (not run), attach refused.

    A run that is not finished is held by one process at a time (the one that started,
    attached or resumed it), so that two processes never run calls of one run at once. The
    holder renews its lease whenever it uses the run (at most every ``refresh_interval``)
    and gives it up when it puts the run aside, pauses (and releases) or finishes it; a
    holder that stops (it died, or stalled) loses it ``run_lease`` seconds after it last
    renewed it, measured by the run store's clock. ``remaining`` is how long the lease
    still runs; ``holder`` names the holding process (``host:pid:guard``).
    """

    def __init__(self, run_id: str, holder: str, remaining: float) -> None:
        self.run_id = run_id
        self.holder = holder
        self.remaining = remaining
        super().__init__(
            f"Run {run_id!r} is held by another process ({holder}), whose lease runs "
            f"{remaining:.1f} s more (longer if it uses the run again); nothing was done "
            f"here. Two processes never run calls of one run at once: if that process is "
            f"gone, attach the run again once its lease has ended; if it is alive, let it "
            f"continue the run."
        )


class ModelUnavailableWarning(UserWarning):
    """Warned when a model cannot be loaded or used: scopes are then asked at the point of execution only."""
