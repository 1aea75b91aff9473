"""``scopecast generate``: synthetic plan traces from the documented generative model, streamed to disk."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from scopecast.cli._app import command, err_console, out_console


@command("generate")
def generate(
    n: Annotated[int, typer.Option("--n", min=0, help="How many traces to generate.")],
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Output file: .jsonl (JSON Lines) or .parquet.")
    ],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the trace stream.")] = 0,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            help="Catalogue (JSON/YAML) the traces must agree with (default: the bundled one).",
        ),
    ] = None,
    world_seed: Annotated[
        int,
        typer.Option("--world-seed", help="Seed of the organisations and users (default 0)."),
    ] = 0,
    id_prefix: Annotated[
        str, typer.Option("--id-prefix", help="Trace ids are PREFIX/sSEED/NNNNNNN.")
    ] = "synthetic",
    save_catalogue_to: Annotated[
        Path | None,
        typer.Option("--save-catalogue", help="Also write the catalogue used (JSON/YAML) here."),
    ] = None,
) -> None:
    """Generate synthetic plan traces (deterministic per seed) and print the realised rates."""
    from scopecast.catalogue import load_catalogue, save_catalogue
    from scopecast.generator import GenerationStats, default_catalogue, write_generated

    chosen = load_catalogue(catalogue) if catalogue is not None else default_catalogue()
    stats = GenerationStats()
    started = time.perf_counter()
    with Progress(
        TextColumn("generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("generate", total=n)
        written = write_generated(
            out,
            n,
            seed,
            chosen,
            world_seed=world_seed,
            id_prefix=id_prefix,
            stats=stats,
            progress=lambda done: progress.update(task, completed=done),
        )
    elapsed = time.perf_counter() - started
    if save_catalogue_to is not None:
        save_catalogue(chosen, save_catalogue_to)
    rate = written / elapsed if elapsed > 0 else float("inf")
    out_console.print(
        f"Wrote {written:,} traces to {out} in {elapsed:.1f} s ({rate:,.0f} traces/s).",
        markup=False,
    )
    table = Table(title="Realised rates of the generative model")
    table.add_column("rate")
    table.add_column("value", justify="right")
    for name, value in stats.rates().items():
        table.add_row(name, f"{value:.3f}")
    out_console.print(table)
