"""Sweeping the interruption cost: each policy's frontier of interruptions against over-grant.

A fixed baseline ignores costs, so its frontier is one point. The model policy is re-run
with each interruption cost of the grid (its probabilities are scored once), which traces
a curve from ``jit_only`` (interruptions free) towards asking everything likely (interruptions
dear). Both coordinates are per task: interruptions, and risk-weighted over-grant.

A baseline that applies to some of the traces only (``plan``: those with a plan) is a point
on those traces, so the model's curve is traced on them too, and the baseline is compared
with that curve: per task of one set of traces, never of two.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import PolicyMetrics, score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy
from scopecast.evaluation._report import EvaluationReport
from scopecast.evaluation._simulator import simulate
from scopecast.traces import Trace

__all__ = [
    "DEFAULT_SWEEP",
    "FrontierPoint",
    "dominated_baselines",
    "plot_frontier",
    "sweep_interruption_cost",
    "write_sweep",
]

DEFAULT_SWEEP: tuple[float, ...] = (
    0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
    1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 70.0,
    100.0, 150.0, 200.0, 300.0, 500.0, 1000.0,
)  # fmt: skip
"""Interruption costs swept by default (the default operating point is 1.0).

Dense up to the high end too: near zero interruptions the policy asks for one more scope
per step, and a coarse grid there (50, 100, 1000) jumps over the corner where the frontier
meets ``all_known`` (on the WorkBench test runs the point at 70 is the one below it)."""


@dataclass(frozen=True)
class FrontierPoint:
    """One policy at one interruption cost."""

    policy: str
    interruption_cost: float
    interruptions_per_task: float
    risk_overgrant_per_task: float
    cost_per_task: float
    traces: str = "all"
    """The traces the point was scored on: ``"all"``, or the name of the baseline that
    applies to some of them only (its point, and the model's curve on the same traces)."""

    @classmethod
    def priced(
        cls, policy: str, cost: float, metrics: PolicyMetrics, traces: str = "all"
    ) -> FrontierPoint:
        """``policy``'s metrics as a point at interruption cost ``cost``."""
        interruptions, overgrant = metrics.interruptions_per_task, metrics.risk_overgrant_per_task
        return cls(policy, cost, interruptions, overgrant, cost * interruptions + overgrant, traces)


def sweep_interruption_cost(
    traces: Sequence[Trace],
    model: ModelPolicy,
    report: EvaluationReport,
    catalogue: Catalogue,
    costs: Sequence[float] = DEFAULT_SWEEP,
) -> list[FrontierPoint]:
    """The model policy at each interruption cost, and each fixed policy of ``report``.

    ``cost_per_task`` of a point is ``interruption_cost * interruptions + risk over-grant``:
    what the policy costs when an interruption is priced at that point's cost. A baseline
    scored on some of ``traces`` only (``plan``) gets ``traces=<its name>``, as does a second
    model curve, on the same traces.
    """
    everything = {t.trace_id for t in traces}
    points = _model_curve(traces, model, catalogue, costs, "all")
    for result in report.results:
        if result.name == model.name:
            continue
        covered = {o.trace_id for o in result.outcomes}
        label = "all" if covered == everything else result.name
        if label != "all":
            subset = [t for t in traces if t.trace_id in covered]
            points += _model_curve(subset, model, catalogue, costs, label)
        points += [FrontierPoint.priced(result.name, c, result.metrics, label) for c in costs]
    return points


def _model_curve(
    traces: Sequence[Trace],
    model: ModelPolicy,
    catalogue: Catalogue,
    costs: Sequence[float],
    label: str,
) -> list[FrontierPoint]:
    """The model policy's points on ``traces``, one per interruption cost."""
    points: list[FrontierPoint] = []
    for cost in costs:
        policy = model.with_costs(model.costs.model_copy(update={"interruption": cost}))
        metrics = score_outcomes(simulate(traces, policy, catalogue), catalogue)
        points.append(FrontierPoint.priced(model.name, cost, metrics, label))
    return points


def dominated_baselines(points: Sequence[FrontierPoint], model: str = "model") -> dict[str, bool]:
    """For each other policy, whether the model's curve lies on or below its point.

    A baseline point ``(x, y)`` counts as beaten when the model's frontier on the same
    traces (its points with the baseline's ``traces``, joined by straight segments in order
    of interruptions) is at or below ``y`` at ``x``, or some point of it has at most ``x``
    interruptions and at most ``y`` over-grant.
    """
    curves: dict[str, list[tuple[float, float]]] = {}
    for p in points:
        if p.policy == model:
            curves.setdefault(p.traces, []).append(
                (p.interruptions_per_task, p.risk_overgrant_per_task)
            )
    result: dict[str, bool] = {}
    for point in points:
        if point.policy == model or point.policy in result:
            continue
        curve = sorted(set(curves.get(point.traces, [])))
        x, y = point.interruptions_per_task, point.risk_overgrant_per_task
        beaten = any(cx <= x + 1e-12 and cy <= y + 1e-12 for cx, cy in curve)
        for (x0, y0), (x1, y1) in itertools.pairwise(curve):
            if x0 <= x <= x1 and x1 > x0:
                beaten |= y0 + (y1 - y0) * (x - x0) / (x1 - x0) <= y + 1e-12
        result[point.policy] = beaten
    return result


def write_sweep(points: Sequence[FrontierPoint], out_dir: str | Path) -> list[Path]:
    """Write ``sweep.csv``, ``sweep.json`` and ``frontier.png`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = [asdict(p) for p in points]
    csv_path, json_path, png_path = out / "sweep.csv", out / "sweep.json", out / "frontier.png"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["policy"])
        writer.writeheader()
        writer.writerows(rows)
    json_path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    plot_frontier(points, png_path)
    return [csv_path, json_path, png_path]


def plot_frontier(
    points: Sequence[FrontierPoint],
    path: str | Path,
    *,
    model: str = "model",
    default_cost: float = 1.0,
    title: str = "Interruptions vs. risk-weighted over-grant",
) -> None:
    """Plot each policy's frontier (a curve for the model, a point for each baseline) to PNG.

    The figure is :func:`~scopecast.evaluation.frontier_figure`.
    """
    from scopecast.evaluation._plots import frontier_figure  # imported here: it imports this module

    fig = frontier_figure(points, model=model, default_cost=default_cost, title=title)
    fig.savefig(path, dpi=120)
