"""``scopecast plan "TASK"``: the authorization plan before an agent starts (upfront by provider)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from scopecast.catalogue import load_catalogue
from scopecast.cli._app import command, err_console, fail, out_console
from scopecast.runtime import AuthorizationPlan, PreAuthorizer
from scopecast.runtime._preauthorizer import DEFAULT_TRAINING_RECORD, DEGRADED_RECORD


def parse_context(pairs: list[str]) -> dict[str, str]:
    """Turn ``["domain=work", "user=u17"]`` into a dict; a pair without ``=`` is an error."""
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"--context expects KEY=VALUE (e.g. --context domain=work); got {pair!r}.")
        if key.strip() in context:
            raise fail(
                f"--context gives {key.strip()!r} twice; a task's context has one value per "
                f"key (join parts with '+', e.g. domain=calendar+email)."
            )
        context[key.strip()] = value.strip()
    return context


SHOWN_BELOW = 0.01
"""Deferred scopes less likely than this are counted, not listed, unless ``--all`` is given."""


def _plan_tables(plan: AuthorizationPlan, *, show_all: bool = False) -> list[Table]:
    upfront = Table(
        title="Ask before the agent starts (one consent per provider)", title_justify="left"
    )
    for name in ("provider", "scope", "P(needed)", "reason"):
        upfront.add_column(name, overflow="fold")
    for consent in plan.upfront:
        for scope in consent.scopes:
            upfront.add_row(consent.provider, scope.scope, f"{scope.probability:.2f}", scope.reason)
    later = Table(title="Left to the point of execution", title_justify="left")
    for name in ("scope", "P(needed)", "reason"):
        later.add_column(name, overflow="fold")
    hidden = 0
    for scope in plan.deferred:
        if not show_all and scope.probability < SHOWN_BELOW:
            hidden += 1
            continue
        later.add_row(scope.scope, f"{scope.probability:.2f}", scope.reason)
    if hidden:
        later.caption = (
            f"... and {hidden} more scope(s) with P(needed) < {SHOWN_BELOW}, all left to the "
            f"point of execution (`scopecast plan --all` lists them)"
        )
    return [upfront, later]


def default_model_note() -> str:
    """What ``scopecast plan`` without ``--model`` plans with, and, on first use, that it
    trains it first (minutes, with nothing else printed meanwhile)."""
    from scopecast.defaults import default_model_dir
    from scopecast.exceptions import ScopecastError

    yours = (
        "it knows the bundled data's tools (Google Workspace, Slack, GitHub, ...), not yours: "
        "pass --model DIR, a directory written by `scopecast train` on your traces."
    )
    try:
        where = default_model_dir(train=False)
    except (ScopecastError, OSError):
        return (
            f"no --model: training the default model on the bundled synthetic data first "
            f"(once, a few minutes; then cached), to plan with it; {yours}"
        )
    return f"no --model: planning with the default model ({where}), trained on the bundled synthetic data; {yours}"


class _DropDegradedRecords(logging.Filter):
    """Drops the log records of a degraded plan and of the default model's training, which
    the command reports itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            getattr(record, DEGRADED_RECORD, False)
            or getattr(record, DEFAULT_TRAINING_RECORD, False)
        )


@command("plan")
def plan_command(
    task: Annotated[str, typer.Argument(help="The task, as the agent will receive it.")],
    context: Annotated[
        list[str] | None,
        typer.Option("--context", "-c", help="Pre-start context as KEY=VALUE (repeatable)."),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model directory written by `scopecast train`. Without it: the default model "
            "of the bundled demo data (trained on first use), which knows none of your tools.",
        ),
    ] = None,
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="Catalogue overriding the model's own.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every deferred scope, however unlikely.")
    ] = False,
) -> None:
    """Print which scopes to ask before TASK starts, and which to leave to the guard."""
    pairs = parse_context(context or [])
    loaded = None if catalogue is None else load_catalogue(catalogue)
    if model is None:
        err_console.print(f"note: {default_model_note()}", soft_wrap=True, markup=False)
    runtime_log = logging.getLogger("scopecast.runtime._preauthorizer")
    reported_here = _DropDegradedRecords()  # the warning below says it once
    runtime_log.addFilter(reported_here)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pre = PreAuthorizer(model, catalogue=loaded)
            plan = pre.plan(task, context=pairs)
    finally:
        runtime_log.removeFilter(reported_here)
    if plan.degraded and model is not None:
        # a model named on the command line that cannot plan is an error, not a quiet
        # "nothing up front" (the library degrades; a command asked for this model)
        raise fail(pre.degraded_reason or f"The model {model} cannot plan.")
    for warning in caught:
        err_console.print(
            f"[yellow]warning:[/yellow] {escape(str(warning.message))}", soft_wrap=True
        )
    if as_json:
        out_console.print_json(plan.model_dump_json())
        return
    if plan.degraded or not plan.upfront:
        out_console.print("Nothing to ask before the start: the guard asks at each call.")
    for table in _plan_tables(plan, show_all=show_all):
        if table.row_count:
            out_console.print(table)
