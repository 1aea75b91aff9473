"""``scopecast train`` and ``scopecast model-metrics``: fit and save a scope model, score it on traces."""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    TaskID,
)
from rich.table import Table

from scopecast.catalogue import Catalogue
from scopecast.cli._app import (
    GroupPattern,
    WrittenCatalogue,
    command,
    counted_progress,
    err_console,
    out_console,
)
from scopecast.cli._outputs import check_outputs
from scopecast.traces import Trace

if TYPE_CHECKING:
    from scopecast.model import TrainingResult


def _metrics_table(title: str, metrics: dict[str, float]) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        if "[" not in key:
            # counts (n_traces) are whole numbers: print them so
            shown = f"{value:.0f}" if key.startswith("n_") else f"{value:.4f}"
            table.add_row(key, "n/a" if math.isnan(value) else shown)
    if math.isnan(metrics.get("mean_pr_auc", 0.0)):
        # PR-AUC is defined per scope with a positive: none of these traces needs a scope
        table.caption = "mean_pr_auc: n/a, no trace needs any scope (PR-AUC needs a positive)"
    return table


def _warn_single_group(traces: list[Trace], group_pattern: str | None) -> None:
    """Warn when every trace is one CV group (one task template): nothing was cross-validated."""
    from scopecast.model import group_of

    groups = {group_of(trace, group_pattern) for trace in traces}
    if len(groups) != 1:
        return
    (group,) = groups
    err_console.print(
        f"[yellow]warning:[/yellow] all {len(traces)} training trace(s) are one CV group "
        f"({escape(repr(group))}), so nothing could be cross-validated: every scope gets its base rate "
        f"(no task-specific model), and the grouped cross-validation metrics below are of "
        f"predictions made without any training trace. Add traces of other tasks "
        f"(`scopecast crossval` refuses such a set).",
        soft_wrap=True,
    )


class _CalledTools:
    """Each tool's scopes as the traces' calls show them (the rule of ``derive_catalogue``),
    gathered while the traces go by, so that a stream is still read once."""

    def __init__(self) -> None:
        self.scopes: dict[str, set[str]] = {}
        self.planned: Counter[str] = Counter()
        """How many traces' plans name each scope (asked before the start by the agent)."""
        self.n_plans = 0

    def tap(self, traces: Iterable[Trace]) -> Iterator[Trace]:
        for trace in traces:
            planned = trace.plan_scopes
            if planned is not None:
                self.n_plans += 1
                self.planned.update(planned)
            for call in trace.calls:
                if call.status == "error" and not call.scopes:
                    continue  # a tool the agent made up: derive_catalogue leaves it out too
                self.scopes.setdefault(call.tool, set()).update(call.scopes)
            yield trace


def _warn_catalogue_gaps(written: Catalogue, path: Path, called: dict[str, set[str]]) -> None:
    """Warn of what the training's merge of ``written`` with the calls' catalogue decided alone:
    the tools whose written scopes the calls contradict (the written ones are kept) and the
    tools the written catalogue lacks (their scopes come from the calls, at the default risk,
    never ``jit_only``), or that it names none of the tools at all."""
    from scopecast.catalogue import DEFAULT_RISK, ToolSpec, merge_catalogues

    missing = sorted(name for name in called if written.tool(name) is None)
    if called and len(missing) == len(called):
        err_console.print(
            f"[yellow]warning:[/yellow] --catalogue {escape(str(path))} names none of the {len(called)} "
            f"tools called in the traces: is it a catalogue of other tools? Their scopes then "
            f"come from the calls, at the default risk {DEFAULT_RISK:g} and never jit_only "
            f"(unless the catalogue describes the scope), so a payment or admin scope may be "
            f"planned up front. Pass the catalogue written for these tools.",
            soft_wrap=True,
        )
        return
    seen = Catalogue(
        tools=tuple(ToolSpec(name=n, scopes=tuple(sorted(s))) for n, s in sorted(called.items()))
    )
    for conflict in merge_catalogues(written, seen)[1]:
        err_console.print(f"[yellow]warning:[/yellow] {escape(str(conflict))}", soft_wrap=True)
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        uncalled = [tool.name for tool in written.tools if tool.name not in called]
        close = [
            f"{match[0]!r} for {name!r}"
            for name in missing
            if (match := difflib.get_close_matches(name, uncalled, n=1))
        ]
        typos = (
            f" The catalogue has {', '.join(close[:5])}, which no trace calls: misspelt names?"
            if close
            else ""
        )
        err_console.print(
            f"[yellow]warning:[/yellow] {len(missing)} tool(s) called in the traces are not in "
            f"the --catalogue {escape(str(path))}: {escape(shown)}. Their scopes come from the "
            f"calls, at the default risk {DEFAULT_RISK:g} and never jit_only (unless the "
            f"catalogue describes the scope); add them to the catalogue.{escape(typos)}",
            soft_wrap=True,
        )


def _note_planned_jit_only(written: Catalogue, called: _CalledTools) -> None:
    """Say which ``jit_only`` scopes (or scopes implying one) the traces' plans name: the
    agent meant to use them from the start, and they are never asked before it (a catalogue
    that marks a read scope ``jit_only`` by mistake reads the same)."""
    planned = sorted(
        (name, n) for name, n in called.planned.items() if written.implies_jit_only(name)
    )
    if not planned:
        return
    shown = ", ".join(
        f"{name} ({n} of {called.n_plans} plans"
        f"{'' if written.is_jit_only(name) else '; it implies a jit_only scope'})"
        for name, n in planned[:5]
    ) + (f" and {len(planned) - 5} more" if len(planned) > 5 else "")
    err_console.print(
        f"note: the traces' plans name jit_only scope(s): {shown}. The --catalogue keeps "
        f"them from ever being asked before the start, so each run that needs one is "
        f"interrupted for it. If a scope is not that sensitive, remove its jit_only mark "
        f"(or the implication) from the catalogue and train again.",
        soft_wrap=True,
        markup=False,
    )


@command("train")
def train(
    traces: Annotated[list[Path], typer.Argument(help="Trace files (JSON Lines) to train on.")],
    out: Annotated[Path, typer.Option("--out", help="Model directory to write.")],
    catalogue: WrittenCatalogue = None,
    group_pattern: GroupPattern = None,
    tracking_uri: Annotated[str, typer.Option(help="MLflow tracking URI.")] = "sqlite:///mlflow.db",
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = "scopecast",
    register_name: Annotated[
        str, typer.Option(help="MLflow registered model name.")
    ] = "scopecast-scopes",
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Do not log to MLflow.")] = False,
    max_traces: Annotated[
        int | None,
        typer.Option(
            "--max-traces",
            min=1,
            help="Stream the files once (catalogue and data hash from every trace) and fit "
            "on a grouped sample of at most this many traces; for histories too large to "
            "hold in memory. Default: read every trace and fit on all of them.",
        ),
    ] = None,
) -> None:
    """Train a calibrated scope model on traces and save it to a model directory."""
    from scopecast.catalogue import DEFAULT_RISK, load_catalogue
    from scopecast.model import train_stream_to_directory, train_to_directory
    from scopecast.traces import iter_trace_files, read_traces

    check_outputs([("--out", out, True)], inputs=[*traces, catalogue])
    if not no_mlflow:
        from scopecast.model.tracking import check_tracking_uri

        # before the training it would otherwise waste
        check_tracking_uri(tracking_uri, experiment=experiment, register_name=register_name)
    written = load_catalogue(catalogue) if catalogue is not None else None
    if written is None:
        err_console.print(
            "[yellow]warning:[/yellow] no --catalogue: the model's catalogue is derived from "
            "the calls alone, so no scope is jit_only and every risk is the default "
            f"{DEFAULT_RISK:g} (a payment or admin scope may then "
            "be planned up front). Pass your written catalogue with --catalogue.",
            soft_wrap=True,
        )
    with counted_progress() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            # total 0: not known in advance (traces read from a stream)
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        loaded = None
        called = _CalledTools()
        if max_traces is None:
            loaded = read_traces(traces)
            for _ in called.tap(loaded):
                pass
            result = train_to_directory(
                loaded,
                out,
                written,
                group_pattern=group_pattern,
                train_files=traces,
                progress=progress,
            )
        else:
            result = train_stream_to_directory(
                called.tap(iter_trace_files(traces)),
                out,
                written,
                max_traces=max_traces,
                group_pattern=group_pattern,
                train_files=traces,
                progress=progress,
            )
    sample = (
        f" (a grouped sample of the {result.n_seen} traces read, --max-traces {max_traces}"
        f"{_groups_kept(result, max_traces)})"
        if result.n_seen > result.n_traces
        else ""
    )
    supported = sorted(result.predictor.domain_support_)
    out_console.print(
        f"Trained on {result.n_traces} traces{sample}: {len(result.predictor.scopes_)} scopes "
        f"({len(result.predictor.modelled_)} modelled), C={result.predictor.C_:g}, "
        f"calibration={result.predictor.calibration_}, domain support for "
        f"{len(supported)} domain(s){': ' + ', '.join(supported) if supported else ''}. "
        f"Saved to {result.directory}.",
        markup=False,  # domains and the directory are the user's text
    )
    if loaded is not None:
        _warn_single_group(loaded, group_pattern)
    if written is not None and catalogue is not None:
        _warn_catalogue_gaps(written, catalogue, called.scopes)
        _note_planned_jit_only(written, called)
    out_console.print(_metrics_table("grouped cross-validation (train traces)", result.metrics))
    if not no_mlflow:
        from scopecast.model.tracking import log_training_run

        info = log_training_run(
            result,
            tracking_uri=tracking_uri,
            experiment=experiment,
            register_name=register_name,
        )
        out_console.print(
            f"MLflow run {info.run_id} in {tracking_uri}; registered {info.model_name} "
            f"version {info.model_version}.",
            markup=False,
        )


def _groups_kept(result: TrainingResult, max_traces: int | None) -> str:
    """How many of the CV groups read the sample kept: whole groups enter it or not, so a
    task kind only in the groups left out is not learnt (a few large groups, as templates
    with hundreds of runs each, can leave out most kinds)."""
    kept, seen = result.n_groups_fitted, result.n_groups_seen
    if kept is None or seen is None or max_traces is None:
        return ""
    of = f"more than {max_traces}" if seen > max_traces else f"the {seen}"
    note = (
        "; task kinds only in the others are not learnt: raise --max-traces, or group finer"
        if kept < seen
        else ""
    )
    return f": {kept} of {of} CV groups{note}"


@command("model-metrics")
def model_metrics(
    model: Annotated[Path, typer.Argument(help="Model directory written by `scopecast train`.")],
    traces: Annotated[list[Path], typer.Argument(help="Trace files (JSON Lines) to score on.")],
) -> None:
    """Brier score, calibration error and PR-AUC of a model's upfront probabilities on traces."""
    from scopecast.evaluation._setup import check_held_out, read_traces_to_score
    from scopecast.model import score_model_directory

    loaded = read_traces_to_score(traces, "score on")
    check_held_out(model, loaded)
    metrics = score_model_directory(model, loaded)
    out_console.print(_metrics_table(f"{model} on {', '.join(map(str, traces))}", metrics))
