"""The typer application, the command decorator, and where library errors become exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scopecast._training_stack import needs_training_stack
from scopecast.exceptions import ScopecastError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="scopecast",
    help="Predict the OAuth scopes an agent will need, ask before it starts, guard every call.",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
)

PIPED_WIDTH = 100
"""Columns of the output when no standard stream is a terminal (a CI log) and ``COLUMNS`` is
unset: rich would use 80, which cuts the metric and policy names of ``scopecast evaluate``."""


def _piped_width(stream: object) -> int | None:
    """``None`` (rich measures) when rich finds a width: ``COLUMNS``, ``stream`` a terminal,
    or a terminal on stdin, stdout or stderr (``scopecast evaluate | less`` is as wide as
    the terminal, as rich makes it); else :data:`PIPED_WIDTH`."""
    if os.environ.get("COLUMNS"):
        return None
    isatty = getattr(stream, "isatty", None)
    try:
        if callable(isatty) and isatty():
            return None
    except ValueError:  # a closed stream: nothing to measure
        pass
    # rich's own order (stdout and stderr only on Windows)
    for fd in (1, 2) if sys.platform == "win32" else (0, 1, 2):
        try:
            if os.get_terminal_size(fd).columns:
                return None
        except (AttributeError, ValueError, OSError):
            continue
    return PIPED_WIDTH


# emoji=False: scope names and paths hold ':name:' codes as text (Slack's 'slack:stars:read'
# printed as 'slack🌠read'); markup=False or escape() does not turn emoji codes off
err_console = Console(stderr=True, highlight=False, emoji=False, width=_piped_width(sys.stderr))
out_console = Console(highlight=False, emoji=False, width=_piped_width(sys.stdout))

WrittenCatalogue = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Written catalogue (JSON/YAML) merged with the derived one."),
]
"""The ``--catalogue`` option of the commands that train."""


def _checked_group_pattern(value: str | None) -> str | None:
    """``--group-pattern`` compiled before any trace is read (a bad regex is a usage error)."""
    if value is not None:
        from scopecast.model._grouping import compiled_group_pattern

        try:
            compiled_group_pattern(value)
        except ScopecastError as err:
            raise typer.BadParameter(str(err)) from None
    return value


GroupPattern = Annotated[
    str | None,
    typer.Option(
        "--group-pattern",
        help="Regex on trace_id naming the CV group (first capture); default: task template.",
        callback=_checked_group_pattern,
    ),
]
"""The ``--group-pattern`` option of the commands that train."""


def counted_progress() -> Progress:
    """A transient progress display on stderr: each task's description, bar, count, time."""
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """scopecast: pre-authorize an agent's OAuth scopes and guard every call."""
    if version:
        from scopecast._version import __version__

        out_console.print(__version__)
        raise typer.Exit(0)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red line on stderr and return the exit to raise."""
    # the message quotes paths and names the user gave: '[/b]' in a path is no markup
    err_console.print(f"[red]error:[/red] {escape(message)}", markup=True, soft_wrap=True)
    return typer.Exit(1)


def command(
    name: str | None = None, *, parent: typer.Typer | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a CLI command whose :class:`ScopecastError` (or missing package of the training
    stack) becomes one red line and exit 1."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                # a package of scopecast[train] left out becomes a MissingExtraError
                with needs_training_stack(f"The command {name or func.__name__!r}"):
                    return func(*args, **kwargs)
            except ScopecastError as err:
                raise fail(str(err)) from None

        (parent or app).command(name)(wrapper)
        return wrapper

    return decorate


def run_app() -> None:
    """Run the CLI with every command registered."""
    from scopecast.cli import _commands  # noqa: F401  (each command module registers itself)

    app()
