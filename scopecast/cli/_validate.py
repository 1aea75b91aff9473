"""``scopecast validate FILE...``: check trace files and catalogues, summarise the good ones.

Every file is checked, whatever happened to the ones before it. Trace files (``.jsonl``,
``.parquet``) and catalogues (``.yaml``, or ``.json`` holding one object) are told apart
by extension and, for ``.json``, by content. The exit code is 1 when any file is invalid.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from scopecast.catalogue import DEFAULT_RISK, Catalogue, ToolSpec, load_catalogue
from scopecast.cli._app import command, err_console, out_console
from scopecast.exceptions import CatalogueError, DataValidationError
from scopecast.summaries import (
    CatalogueSummary,
    TraceSummary,
    summarize_catalogue,
    summarize_traces,
)
from scopecast.traces import iter_traces

FileKind = Literal["traces", "catalogue"]

TRACE_SUFFIXES = {".jsonl", ".ndjson", ".parquet"}
CATALOGUE_SUFFIXES = {".yaml", ".yml"}


def file_kind(path: Path) -> FileKind | None:
    """Tell a trace file from a catalogue; ``None`` when neither the name nor the content says."""
    suffix = path.suffix.lower()
    if suffix in TRACE_SUFFIXES:
        return "traces"
    if suffix in CATALOGUE_SUFFIXES:
        return "catalogue"
    if suffix != ".json":
        return None
    # A .json file is a catalogue (one object), unless it holds one JSON object per line.
    try:
        with path.open("rb") as handle:
            first = handle.readline()
            second = handle.readline()
        record = json.loads(first)
    except (OSError, ValueError):
        return "catalogue"  # let the catalogue loader say what is wrong with it
    return "traces" if isinstance(record, dict) and second.strip() else "catalogue"


def _trace_table(rows: list[tuple[str, TraceSummary]]) -> Table:
    table = Table(title="Trace files (plans: traces with a plan)", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("traces", "calls", "tools", "scopes", "providers", "domains", "plans"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, s in rows:
        table.add_row(
            escape(name),
            f"{s.n_traces:,}",
            f"{s.n_calls:,}",
            str(len(s.tools)),
            str(len(s.scopes)),
            str(len(s.providers)),
            str(len(s.domains)),
            f"{s.n_with_plan:,}",
        )
    return table


def _catalogue_table(rows: list[tuple[str, CatalogueSummary]]) -> Table:
    table = Table(title="Catalogues", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("tools", "scopes", "providers", "jit_only", "implies", "undescribed"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, s in rows:
        table.add_row(
            escape(name),
            str(s.n_tools),
            str(s.n_scopes),
            str(s.n_providers),
            str(len(s.jit_only)),
            str(s.n_implies),
            str(len(s.undescribed)),
        )
    return table


def _print_problems(path: Path, err: DataValidationError, show: int) -> None:
    count = len(err.issues) + err.n_more
    records = ""
    if err.n_records is not None and err.n_bad_records is not None:
        records = f", {err.n_bad_records:,} of {err.n_records:,} records invalid"
    err_console.print(
        f"[red]✗ {escape(str(path))}[/red]: {count:,} problem(s){records}", soft_wrap=True
    )
    listed = err.issues[:show]
    alike = bool(err.hint and listed)
    if alike:  # every record is bad in the same way: the first one says it all
        listed = tuple(issue for issue in listed if issue.line == listed[0].line)
    for issue in listed:
        err_console.print(f"  {issue}", soft_wrap=True, markup=False)
    hidden = count - len(listed)
    if hidden:
        # --show lists more only when the listing was cut by it, not to the first record
        more = "on the other records" if alike else "(--show N lists more)"
        err_console.print(f"  ... and {hidden:,} more {more}", soft_wrap=True)
    repeated = [(pattern, n) for pattern, n in err.tally.items() if n > 1]
    if repeated:
        err_console.print("  Problems found on more than one record:", soft_wrap=True)
        for (field, message), n in sorted(repeated, key=lambda item: -item[1])[:10]:
            where = f"{field}: " if field else ""
            err_console.print(f"    {n:,} records: {where}{message}", soft_wrap=True, markup=False)
    if err.hint:
        err_console.print(f"  {err.hint}", soft_wrap=True, markup=False)


def _note_tools_against(
    name: str, summary: TraceSummary, catalogues: list[tuple[str, Catalogue]]
) -> None:
    """Note the tools a trace file calls that no catalogue given lists, and the tools whose
    calls need scopes their catalogue entry does not name: what ``scopecast train
    --catalogue`` warns of after training, and what the guard refuses at run time."""
    known: dict[str, ToolSpec] = {}
    for _, catalogue in reversed(catalogues):  # the first catalogue naming a tool wins
        known.update((tool.name, tool) for tool in catalogue.tools)
    given = ", ".join(catalogue_name for catalogue_name, _ in catalogues)
    missing = sorted(tool for tool in summary.tool_scopes if tool not in known)
    if missing:
        close = [
            f"{match[0]!r} for {tool!r}"
            for tool in missing
            if (match := difflib.get_close_matches(tool, list(known), n=1))
        ]
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        typos = f" Misspelt? The catalogue has {', '.join(close[:5])}." if close else ""
        out_console.print(
            f"note: {name}: {len(missing)} tool(s) called are in no catalogue given ({given}): "
            f"{shown}. The guard refuses a tool its catalogue lacks, and training takes its "
            f"scopes from the calls (at the default risk {DEFAULT_RISK:g} and never jit_only, "
            f"unless the catalogue describes the scope); add them.{typos}",
            soft_wrap=True,
            markup=False,
        )
    for tool, scopes in sorted(summary.tool_scopes.items()):
        spec = known.get(tool)
        extra = sorted(scopes - set(spec.scopes)) if spec is not None else []
        if extra:
            out_console.print(
                f"note: {name}: calls of {tool} need {', '.join(extra)}, which its catalogue "
                f"entry does not name (it says {list(spec.scopes) if spec else []}); the "
                f"catalogue's scopes are the ones the guard asks for.",
                soft_wrap=True,
                markup=False,
            )


@command("validate")
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Trace files (.jsonl, .parquet) and catalogues (.json, .yaml) to check.",
            show_default=False,
        ),
    ],
    show: Annotated[
        int, typer.Option("--show", min=0, help="How many problems to list per bad file.")
    ] = 20,
) -> None:
    """Check trace files and catalogues against the format; summarise each good file.

    Exits with 1 and lists the problems (file:line: field: message) when any file is bad.
    """
    trace_rows: list[tuple[str, TraceSummary]] = []
    catalogue_rows: list[tuple[str, CatalogueSummary]] = []
    catalogues: list[tuple[str, Catalogue]] = []
    n_bad = 0
    # Short names in the tables, unless two files share a name.
    short = [path.name for path in files]
    names = {p: p.name if short.count(p.name) == 1 else str(p) for p in files}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        console=err_console,
        transient=True,
    ) as progress:
        for path in files:
            kind = file_kind(path)
            task = progress.add_task(f"checking {path}")
            try:
                if kind == "traces":

                    def report(n: int, task: TaskID = task, path: Path = path) -> None:
                        progress.update(task, description=f"checking {path}: {n:,} traces")

                    summary = summarize_traces(
                        iter_traces(path, max_issues=max(show, 1)), progress=report
                    )
                    trace_rows.append((names[path], summary))
                elif kind == "catalogue":
                    loaded = load_catalogue(path)
                    catalogue_rows.append((names[path], summarize_catalogue(loaded)))
                    catalogues.append((names[path], loaded))
                else:
                    n_bad += 1
                    err_console.print(
                        f"[red]✗ {escape(str(path))}[/red]: cannot tell what kind of file this is. Name trace "
                        f"files *.jsonl or *.parquet and catalogues *.json or *.yaml.",
                        soft_wrap=True,
                    )
            except DataValidationError as err:
                n_bad += 1
                _print_problems(path, err, show)
            except CatalogueError as err:
                n_bad += 1
                # its message starts with the file already (as load_catalogue's callers need)
                said = str(err).removeprefix(f"{path}: ")
                err_console.print(
                    f"[red]✗ {escape(str(path))}[/red]: {escape(said)}", soft_wrap=True
                )
            finally:
                progress.remove_task(task)
    if trace_rows:
        out_console.print(_trace_table(trace_rows))
    if catalogue_rows:
        out_console.print(_catalogue_table(catalogue_rows))
        for name, s in catalogue_rows:
            if s.undescribed:
                out_console.print(
                    f"note: {name}: {len(s.undescribed)} scope(s) are used but not described "
                    f"(risk 0.5, not jit_only): {', '.join(s.undescribed)}",
                    soft_wrap=True,
                    markup=False,
                )
            if s.jit_by_implication:
                out_console.print(
                    f"note: {name}: {len(s.jit_by_implication)} scope(s) imply a jit_only scope, "
                    f"so they are never asked before the start either, as if jit_only: "
                    f"{', '.join(s.jit_by_implication)}. If that is not meant, remove the "
                    f"implication or the jit_only mark.",
                    soft_wrap=True,
                    markup=False,
                )
    for name, summary in trace_rows if catalogues else ():
        _note_tools_against(name, summary, catalogues)
    n_good = len(trace_rows) + len(catalogue_rows)
    if n_bad:
        err_console.print(f"[red]{n_bad} of {len(files)} file(s) invalid[/red], {n_good} valid.")
        raise typer.Exit(1)
    out_console.print(f"[green]All {n_good} file(s) valid.[/green]")
