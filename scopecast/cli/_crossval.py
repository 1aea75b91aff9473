"""``scopecast crossval``: nested grouped CV of training and policy choice on the train traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scopecast.cli._app import (
    GroupPattern,
    WrittenCatalogue,
    command,
    counted_progress,
    out_console,
)
from scopecast.cli._outputs import check_outputs, written


@command("crossval")
def crossval(
    traces: Annotated[list[Path], typer.Argument(help="Training trace files (JSON Lines).")],
    catalogue: WrittenCatalogue = None,
    group_pattern: GroupPattern = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Outer folds.")] = 5,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the folds and metrics here.")
    ] = None,
) -> None:
    """Estimate what training plus the policy choice costs on unseen groups of tasks.

    Holds out whole groups, trains on the rest exactly as `scopecast train` does (including
    its choice of the policy's planning scale and batching), replays the held-out traces, and
    scores every fold's held-out outcomes together. Slower than one training by about the
    number of folds; use it to choose between settings, on training traces only.
    """
    from scopecast.catalogue import load_catalogue
    from scopecast.evaluation import nested_policy_cost
    from scopecast.traces import read_traces

    check_outputs([("--json", json_out, False)], inputs=[*traces, catalogue])
    written_catalogue = load_catalogue(catalogue) if catalogue is not None else None
    loaded = read_traces(traces)
    with counted_progress() as bar:
        task = bar.add_task("outer folds", total=folds)
        result = nested_policy_cost(
            loaded,
            written_catalogue,
            n_folds=folds,
            group_pattern=group_pattern,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    table = Table(title=f"Nested grouped CV, {folds} folds, {len(loaded)} traces")
    for column in (
        "fold",
        "train",
        "held out",
        "scale",
        "batching",
        "inner CV cost",
        "held-out cost",
    ):
        table.add_column(column, justify="right")
    for i, fold in enumerate(result.folds):
        table.add_row(
            str(i),
            str(fold.n_train),
            str(fold.n_held_out),
            f"{fold.interruption_scale:g}",
            "on" if fold.batching else "off",
            f"{fold.inner_cost_per_task:.3f}",
            f"{fold.held_out_cost_per_task:.3f}",
        )
    out_console.print(table)
    m = result.metrics
    ci = result.interval
    out_console.print(
        f"Held out, all folds: cost per task {m.cost_per_task:.3f} (interruptions "
        f"{m.interruptions_per_task:.3f}, risk over-grant {m.risk_overgrant_per_task:.3f}); "
        f"95% interval {ci.bounds} (bootstrap over {ci.n_groups} groups: settings whose costs "
        f"differ by much less than its width are not told apart)."
    )
    if json_out is not None:
        report = {
            "traces": [str(path) for path in traces],
            "catalogue": None if catalogue is None else str(catalogue),
            "n_traces": len(loaded),
            "n_folds": folds,
            "group_pattern": group_pattern,
            "metrics": m.model_dump(),
            "interval": {
                "level": ci.level,
                "low": ci.low,
                "high": ci.high,
                "n_groups": ci.n_groups,
            },
            "folds": [vars(fold) for fold in result.folds],
        }
        with written("--json", json_out):
            json_out.write_text(json.dumps(report, indent=1) + "\n")
        out_console.print(f"wrote {json_out}", markup=False)
