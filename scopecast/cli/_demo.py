"""``scopecast demo``: the whole job on the bundled data (train, evaluate every policy, plan a task)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from scopecast.cli._app import command, err_console, out_console


@command("demo")
def demo(
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Train the default model again even if cached.")
    ] = False,
    task: Annotated[
        str | None, typer.Option("--task", help="Plan this task instead of the example.")
    ] = None,
) -> None:
    """Train on the bundled data, evaluate against every baseline, and plan an example task."""
    from scopecast.cli._evaluate import report_table
    from scopecast.cli._plan import _plan_tables
    from scopecast.demo import EXAMPLE_CONTEXT, EXAMPLE_TASK, run_demo

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        current = bar.add_task("starting", total=None)

        def on_stage(text: str) -> None:
            bar.update(current, description=text, total=None, completed=0)

        def on_training(stage: str, done: int, total: int) -> None:
            bar.update(current, description=f"training: {stage}", total=total, completed=done)

        result = run_demo(
            retrain=retrain, task=task or EXAMPLE_TASK, on_stage=on_stage, on_training=on_training
        )
    if result.trained_now:
        out_console.print(
            f"Trained the default model on the bundled data in {result.seconds_training:.0f} s "
            f"-> {escape(str(result.model_dir))}"
        )
    else:
        out_console.print(f"Using the cached default model {escape(str(result.model_dir))}")
    out_console.print(report_table(result.report, result.description))
    plan_cost = result.plan_report.result("plan").metrics
    model_cost = result.plan_report.result("model").metrics
    out_console.print(
        f"On the {result.plan_report.n_traces} test traces with an articulated plan: cost per "
        f"task [bold]model {model_cost.cost_per_task:.3f}[/bold] vs plan "
        f"{plan_cost.cost_per_task:.3f} (interruptions {model_cost.interruptions_per_task:.3f} "
        f"vs {plan_cost.interruptions_per_task:.3f}, risk over-grant "
        f"{model_cost.risk_overgrant_per_task:.3f} vs {plan_cost.risk_overgrant_per_task:.3f})."
    )
    context = "" if task else " (" + ", ".join(f"{k}={v}" for k, v in EXAMPLE_CONTEXT.items()) + ")"
    out_console.print(escape(f"\nExample: {result.example.task!r}{context}"))
    for table in _plan_tables(result.example):
        if table.row_count:
            out_console.print(table)
