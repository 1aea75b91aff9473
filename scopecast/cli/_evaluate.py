"""``scopecast evaluate``: every metric of every policy on the same traces, side by side."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scopecast.cli._app import command, err_console, out_console
from scopecast.cli._outputs import check_outputs, written

if TYPE_CHECKING:
    from scopecast.catalogue import Catalogue
    from scopecast.evaluation import EvaluationReport
    from scopecast.traces import Trace


def _finite_at_least(
    low: float, *, strictly: bool = False
) -> Callable[[typer.Context, typer.CallbackParam, float | None], float | None]:
    """A typer callback: the option's value must be a finite number >= ``low`` (> with
    ``strictly``); the message names the option."""

    def check(ctx: typer.Context, param: typer.CallbackParam, value: float | None) -> float | None:
        if value is None:
            return None
        if not math.isfinite(value) or value < low or (strictly and value == low):
            bound = f"above {low:g}" if strictly else f"at least {low:g}"
            raise typer.BadParameter(f"must be a finite number {bound}; got {value!r}.")
        return value

    return check


def _folds_or_zero(value: int) -> int:
    if value != 0 and value < 2:
        raise typer.BadParameter(f"is a number of folds: 0 (off) or at least 2; got {value}.")
    return value


@command("evaluate")
def evaluate(
    traces: Annotated[list[Path], typer.Argument(help="Trace files (JSONL) to evaluate on.")],
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model directory from `scopecast train`. Without it, the model policy uses a "
            "per-domain frequency scorer fitted on --train.",
        ),
    ] = None,
    train: Annotated[
        list[Path] | None,
        typer.Option(
            "--train", help="Training traces for the baselines (default: the model's own)."
        ),
    ] = None,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue", help="Catalogue file (default: the one stored with the model)."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON report here.")
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help="Write the model policy's decisions (JSONL) here."),
    ] = None,
    interruption_cost: Annotated[
        float,
        typer.Option(
            "--interruption-cost",
            help="Cost of one interruption for the model policy.",
            callback=_finite_at_least(0.0),
        ),
    ] = 1.0,
    consent_screen_cost: Annotated[
        float,
        typer.Option(
            "--consent-screen-cost",
            help="Cost of one provider's consent screen at the start.",
            callback=_finite_at_least(0.0),
        ),
    ] = 0.0,
    risk_weight: Annotated[
        float,
        typer.Option(
            "--risk-weight",
            help="Multiplier of a scope's risk when it is held unused.",
            callback=_finite_at_least(0.0),
        ),
    ] = 1.0,
    batching: Annotated[
        bool | None,
        typer.Option(
            "--batching/--no-batching",
            help="Batch likely scopes at an interruption (default: as chosen at training).",
        ),
    ] = None,
    interruption_scale: Annotated[
        float | None,
        typer.Option(
            "--interruption-scale",
            help="The model policy plans with this multiple of the interruption cost "
            "(default: as chosen at training by grouped CV, else 1).",
            callback=_finite_at_least(0.0, strictly=True),
        ),
    ] = None,
    prior_weight: Annotated[
        float,
        typer.Option(
            "--prior-weight",
            help="Blend this weight of a per-domain frequency prior (fitted on the training "
            "traces) into the model's probabilities (evaluation only: PreAuthorizer and the "
            "guard blend no prior).",
            callback=_finite_at_least(0.0),
        ),
    ] = 0.0,
    tune: Annotated[
        int,
        typer.Option(
            "--tune",
            help="Choose --interruption-scale, batching and --prior-weight by grouped "
            "cross-validation with this many folds on the training traces (re-fits the model "
            "per fold); 0: off.",
            callback=_folds_or_zero,
        ),
    ] = 0,
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep",
            help="Also sweep the interruption cost and write sweep.csv, sweep.json and "
            "frontier.png into this directory.",
        ),
    ] = None,
) -> None:
    """Score jit_only, all_known, plan, frequency, model and oracle on the same traces."""
    from scopecast.evaluation import (
        dominated_baselines,
        evaluate_policies,
        sweep_interruption_cost,
        write_predictions,
        write_sweep,
    )
    from scopecast.evaluation._setup import build_evaluation

    check_outputs(
        [
            ("--json", json_out, False),
            ("--predictions", predictions, False),
            ("--sweep", sweep, True),
        ],
        inputs=[*traces, *(train or []), catalogue],
        protected=[model],
    )
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as tuning_bar:
        fold_task = tuning_bar.add_task("tuning the policy (grouped CV)", total=max(tune, 1))

        def fold_done(done: int, total: int) -> None:
            tuning_bar.update(fold_task, completed=done, total=total)

        setup = build_evaluation(
            traces=traces,
            model_dir=model,
            train=train or [],
            catalogue_path=catalogue,
            interruption_cost=interruption_cost,
            consent_screen_cost=consent_screen_cost,
            risk_weight=risk_weight,
            batching=batching,
            interruption_scale=interruption_scale,
            prior_weight=prior_weight,
            tune_folds=tune,
            progress=fold_done,
        )
    if setup.tuning is not None:
        out_console.print(tuning_table(setup.tuning))
    _note_unknown_tools(setup.test, setup.catalogue)
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("scoring", total=len(setup.policies))

        def advance(name: str) -> None:
            bar.update(task, description=f"replaying {name}", advance=1)

        report = evaluate_policies(setup.test, setup.policies, setup.catalogue, progress=advance)
    out_console.print(report_table(report, setup.description))
    out_console.print(
        interval_table(
            setup.test, report, setup.catalogue, setup.model_policy.name, group=setup.group
        )
    )
    floor_line = group_floor_line(setup.test, setup.catalogue, group=setup.group)
    if floor_line:
        out_console.print(floor_line)
    for name in report.skipped:
        out_console.print(f"[dim]{name}: applies to no trace (no trace has a plan)[/dim]")
    if json_out is not None:
        with written("--json", json_out):
            report.write_json(json_out)
        out_console.print(f"wrote {json_out}", markup=False)
    if predictions is not None:
        with written("--predictions", predictions):
            write_predictions(report.result(setup.model_policy.name).outcomes, predictions)
        out_console.print(f"wrote {predictions}", markup=False)
    if sweep is not None:
        points = sweep_interruption_cost(setup.test, setup.model_policy, report, setup.catalogue)
        beaten = dominated_baselines(points, setup.model_policy.name)
        out_console.print(
            "model frontier on or below: "
            + ", ".join(f"{name} {'yes' if ok else 'no'}" for name, ok in beaten.items())
        )
        with written("--sweep", sweep):
            paths = write_sweep(points, sweep)
            dominance = Path(sweep) / "dominance.json"
            dominance.write_text(json.dumps(beaten, indent=1) + "\n")
            paths.append(dominance)
        out_console.print("wrote " + ", ".join(str(p) for p in paths), markup=False)


def _note_unknown_tools(traces: Sequence[Trace], catalogue: Catalogue) -> None:
    """Warn when the traces' calls need scopes through tools the catalogue does not know.

    The simulator replays the scopes the traces recorded, so the figures come out whatever
    the catalogue (though the model policy, like the runtime, asks no scope the catalogue
    does not know ahead of its call); but a model whose catalogue lacks most of the tools
    was trained for other tasks (a model of another data set), and its figures mean little
    here.
    """
    calls = [call for trace in traces for call in trace.calls if call.scopes]
    unknown = sorted({c.tool for c in calls if catalogue.tool(c.tool) is None})
    if not unknown:
        return
    n = sum(catalogue.tool(c.tool) is None for c in calls)
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    err_console.print(
        f"[yellow]warning:[/yellow] {n} of the {len(calls)} calls that need scopes ({n / len(calls):.0%}) "
        f"use {len(unknown)} tool(s) the catalogue does not know: {escape(shown)}. Is the model "
        f"trained for these traces? (--catalogue names another catalogue.)",
        soft_wrap=True,
    )


def tuning_table(tuning: object) -> Table:
    """The cross-validated cost of each candidate policy parameter, the chosen one marked."""
    from scopecast.evaluation import TuningResult
    from scopecast.evaluation._tuning import ranked

    assert isinstance(tuning, TuningResult)
    table = Table(title=f"Model policy parameters: {tuning.n_folds}-fold grouped CV on train")
    table.add_column("interruption scale", justify="right")
    table.add_column("batching")
    table.add_column("prior weight", justify="right")
    table.add_column("CV cost per task", justify="right")
    # in the order the choice breaks ties: the chosen one first, never cut off by equal costs
    order = ranked(tuning.cv_cost)
    for params in order[:8]:
        cost = tuning.cv_cost[params]
        mark = " <- chosen" if params == tuning.chosen else ""
        table.add_row(
            f"{params.interruption_scale:g}",
            "on" if params.batching else "off",
            f"{params.prior_weight:g}",
            f"{cost:.3f}{mark}",
        )
    table.caption = f"best 8 of {len(order)} candidates"
    return table


def report_table(report: object, caption: str) -> Table:
    """The rich table of every metric (rows) for every policy (columns)."""
    from scopecast.evaluation import METRIC_NAMES, EvaluationReport

    assert isinstance(report, EvaluationReport)
    table = Table(title=f"Policies on {report.n_traces} traces", caption=escape(caption))
    # The metric names are the format note's keys: never cut them (at 80 columns, in a log,
    # the policy names wrap instead).
    table.add_column("metric", no_wrap=True, min_width=max(map(len, METRIC_NAMES)))
    for result in report.results:
        table.add_column(result.name, justify="right")
    table.add_row("traces", *(str(r.n_traces) for r in report.results))
    rows = [r.metrics.model_dump() for r in report.results]
    for name in METRIC_NAMES:
        table.add_row(name, *(f"{row[name]:.3f}" for row in rows))
    return table


def group_floor_line(
    traces: Sequence[Trace],
    catalogue: Catalogue,
    *,
    group: Callable[[Trace], str] | None = None,
) -> str | None:
    """The cost of the best fixed set per task template (``group_floor``), when some template
    has several runs (with one run each it is the oracle's cost, already in the table).

    ``group`` is the one the intervals resample by (``scopecast evaluate --model`` passes the
    model's CV groups: its ``--group-pattern``, else task templates); by default a WorkBench
    template, else the trace.
    """
    from scopecast.evaluation import default_group, group_floor

    floor = group_floor(traces, catalogue, group=group or default_group)
    if floor.n_groups == len(traces):
        return None
    return (
        f"Best fixed upfront set per task template, chosen on these very runs (group_floor, a "
        f"clairvoyant's reference): {floor.cost_per_task:.3f} per task over {floor.n_groups} "
        f"templates (interruptions {floor.interruptions_per_task:.3f}, risk over-grant "
        f"{floor.risk_overgrant_per_task:.3f})."
    )


def interval_table(
    traces: Sequence[Trace],
    report: EvaluationReport,
    catalogue: Catalogue,
    model_name: str,
    *,
    group: Callable[[Trace], str] | None = None,
) -> Table:
    """Each policy's cost per task with its 95% bootstrap interval, and the model's paired
    differences to the others (resampling the traces by ``group``: by default a WorkBench
    template, else the trace; ``scopecast evaluate --model`` passes the model's CV groups)."""
    from scopecast.evaluation import N_RESAMPLES, cost_intervals, default_group

    intervals = cost_intervals(
        traces,
        {r.name: r.outcomes for r in report.results},
        catalogue,
        compare_to=model_name,
        group=group or default_group,
    )
    n_groups = max((i.n_groups for i in intervals), default=0)
    table = Table(
        title="Cost per task, 95% interval",
        caption=f"bootstrap over {n_groups} groups of traces (task templates, else traces), "
        f"{N_RESAMPLES} resamples; a difference below 0 favours {model_name}, clearly when "
        f"its whole interval is below 0",
    )
    table.add_column("policy")
    table.add_column("cost per task", justify="right")
    table.add_column("95% interval", justify="right")
    for interval in intervals:
        table.add_row(interval.name, f"{interval.cost:.3f}", interval.bounds)
    return table
