"""``scopecast catalogue derive``: a catalogue from the calls seen in traces, merged with a written one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from scopecast.catalogue import derive_catalogue, load_catalogue, merge_catalogues, save_catalogue
from scopecast.cli._app import app, command, err_console, fail, out_console
from scopecast.traces import Trace, iter_traces

catalogue_app = typer.Typer(
    help="Work with scope catalogues (which scopes each tool needs).", no_args_is_help=True
)
app.add_typer(catalogue_app, name="catalogue")


def _traces_of(paths: list[Path]) -> Iterator[Trace]:
    # Each file is validated on its own; the same trace in two files (a split and its
    # source) adds nothing twice to a catalogue, so ids are not checked across files.
    for path in paths:
        yield from iter_traces(path)


@command("derive", parent=catalogue_app)
def derive(
    traces: Annotated[
        list[Path],
        typer.Argument(help="Trace files (.jsonl, .parquet) to read.", show_default=False),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the catalogue here (.json or .yaml).")
    ],
    merge: Annotated[
        Path | None,
        typer.Option(
            "--merge",
            help="A written catalogue to merge with; it wins every conflict (printed as warnings).",
        ),
    ] = None,
) -> None:
    """Derive each tool's scopes from the calls in TRACES and write the catalogue to -o."""
    written = load_catalogue(merge) if merge is not None else None
    called: set[str] = set()

    def tapped() -> Iterator[Trace]:
        for trace in _traces_of(traces):
            called.update(call.tool for call in trace.calls)
            yield trace

    catalogue = derive_catalogue(tapped())
    n_derived = len(catalogue.tools)
    if written is not None:
        catalogue, conflicts = merge_catalogues(written, catalogue)
        for conflict in conflicts:
            err_console.print(f"[yellow]warning:[/yellow] {escape(str(conflict))}", soft_wrap=True)
    # against the catalogue written out: a tool the merged catalogue has is not left out
    left_out = sorted(called - {tool.name for tool in catalogue.tools})
    try:
        save_catalogue(catalogue, output)
    except OSError as err:
        raise fail(f"cannot write {output}: {err.strerror or err}. Check the path.") from None
    merged = f", merged with {merge}" if merge is not None else ""
    out_console.print(
        f"Wrote {output}: {len(catalogue.tools)} tools, {len(catalogue.all_scopes)} scopes "
        f"({n_derived} tools seen in the traces{merged}).",
        soft_wrap=True,
        markup=False,  # paths are the user's text
    )
    if left_out:
        shown = ", ".join(left_out[:5]) + (
            f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        )
        err_console.print(
            f"[yellow]note:[/yellow] {len(left_out)} tool name(s) appear only in failed calls "
            f"that needed no scope (tools the agent made up) and were left out: {escape(shown)}. A "
            f"guard refuses a tool its catalogue does not have; add real ones to the catalogue "
            f'(with "scopes": [] if they need none).',
            soft_wrap=True,
        )
