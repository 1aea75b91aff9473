"""Figures of the policies and of training data: the cost frontier, the learning curve, the
context ablation, the cost of divergent runs. Readable without the code: titles, axis labels
with units, legends (calibration and error figures: :mod:`._calibration_plots`).

Each function takes the output of an evaluation function and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global figure registry, no
backend selected), so it can be shown in a notebook or saved with ``fig.savefig(path)``.
matplotlib is imported when a figure is drawn, never when ``scopecast.evaluation`` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from scopecast.evaluation._divergence import DivergenceCost
from scopecast.evaluation._figure_canvas import new_figure
from scopecast.evaluation._learning_curve import ContextAblationRow, LearningCurvePoint
from scopecast.evaluation._sweep import FrontierPoint

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "context_ablation_figure",
    "divergence_figure",
    "frontier_figure",
    "learning_curve_figure",
]

_BASELINE_MARKERS = "sD^vPXh<>"

_LINEAR_UP_TO = 0.1
"""Over-grant drawn linearly up to here, logarithmically above, when the axis is stretched."""
_STRETCH = 10.0
"""A largest over-grant this many times the default point's (or ``_LINEAR_UP_TO``) stretches
the axis: the points that matter, near the star, would be squashed against 0."""


def frontier_figure(
    points: Sequence[FrontierPoint],
    *,
    model: str = "model",
    default_cost: float = 1.0,
    title: str = "Interruptions vs. risk-weighted over-grant",
) -> Figure:
    """Each policy's frontier: a curve for the model (one point per interruption cost), a
    point for each fixed baseline, and a star at the model's default operating point.

    A baseline scored on some of the traces only (``plan``) is drawn with the model's curve
    on those same traces, dashed in the baseline's colour: the two compare with each other,
    not with the solid curve of all the traces. When some point over-grants ten times as much
    as the default operating point or more (``all_known`` on many scopes), the over-grant
    axis is linear up to 0.1 and logarithmic above (symlog, said in its label), so that the
    points near the star stay apart.
    """
    fig, (ax,) = new_figure()
    ylabel = "risk-weighted over-grant per task (risk units)"
    curves: dict[str, list[FrontierPoint]] = {}
    for p in points:
        if p.policy == model:
            curves.setdefault(p.traces, []).append(p)
    curve = sorted(curves.get("all", []), key=lambda p: p.interruption_cost)
    if curve:
        ax.plot(
            [p.interruptions_per_task for p in curve],
            [p.risk_overgrant_per_task for p in curve],
            "-o",
            markersize=3,
            label=f"{model} (interruption cost {curve[0].interruption_cost:g} to "
            f"{curve[-1].interruption_cost:g})",
        )
        default = min(curve, key=lambda p: abs(p.interruption_cost - default_cost))
        highest = max((p.risk_overgrant_per_task for p in points), default=0.0)
        if highest > _STRETCH * max(default.risk_overgrant_per_task, _LINEAR_UP_TO):
            ax.set_yscale("symlog", linthresh=_LINEAR_UP_TO, linscale=0.5)
            ylabel += f"\n(linear up to {_LINEAR_UP_TO:g}, log scale above)"
        ax.scatter(
            [default.interruptions_per_task],
            [default.risk_overgrant_per_task],
            marker="*",
            s=220,
            color="black",
            zorder=5,
            label=f"{model} at the default operating point (cost {default.interruption_cost:g})",
        )
    # One marker per baseline point, in colours other than the model's curve (C0); baselines
    # at the same point (jit_only and a frequency policy that asks nothing) share a marker
    # and a label, instead of one hiding the other.
    at: dict[tuple[float, float, str], list[str]] = {}
    for point in points:
        if point.policy == model:
            continue
        key = (point.interruptions_per_task, point.risk_overgrant_per_task, point.traces)
        names = at.setdefault(key, [])
        if point.policy not in names:
            names.append(point.policy)
    for k, ((x, y, traces), names) in enumerate(at.items()):
        colour = f"C{k + 1}"
        subset = traces != "all"
        ax.scatter(
            [x],
            [y],
            marker=_BASELINE_MARKERS[k % len(_BASELINE_MARKERS)],
            s=60,
            color=colour,
            zorder=4,
            label=" = ".join(names)
            + (" (same point)" if len(names) > 1 else "")
            + (f" (on {traces}'s traces only)" if subset else ""),
        )
        own = sorted(curves.get(traces, []), key=lambda p: p.interruption_cost)
        if subset and own:
            ax.plot(
                [p.interruptions_per_task for p in own],
                [p.risk_overgrant_per_task for p in own],
                "--",
                color=colour,
                linewidth=1,
                label=f"{model} on {traces}'s traces",
            )
    ax.set_xlabel("interruptions per task (count)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def learning_curve_figure(
    points: Sequence[LearningCurvePoint],
    *,
    baselines: Mapping[str, float] | None = None,
    title: str = "Cost per task as the training set grows",
) -> Figure:
    """Mean cost per task per training size (a band from the best to the worst seed), with
    horizontal lines at the cost of fixed baselines (``{"jit_only": 1.3, ...}``).

    Points are grouped by the size asked for (:attr:`LearningCurvePoint.target`): grouped
    subsamples of one size hold slightly different numbers of traces per seed, and they are
    one point of the curve, placed at their mean number of training traces.
    """
    fig, (ax,) = new_figure()
    by_size: dict[int, list[LearningCurvePoint]] = {}
    for point in points:
        by_size.setdefault(point.target, []).append(point)
    from matplotlib.ticker import NullLocator

    groups = [by_size[n] for n in sorted(by_size)]
    xs = [sum(p.n_train for p in group) / len(group) for group in groups]
    costs = [[p.cost_per_task for p in group] for group in groups]
    means = [sum(c) / len(c) for c in costs]
    seeds = max((len(c) for c in costs), default=0)
    label = f"model policy (mean over up to {seeds} seeds)" if seeds > 1 else "model policy"
    ax.plot(xs, means, "-o", color="C0", label=label)
    if seeds > 1:
        ax.fill_between(
            xs,
            [min(c) for c in costs],
            [max(c) for c in costs],
            color="C0",
            alpha=0.2,
            label="range over seeds",
        )
    for k, (name, cost) in enumerate((baselines or {}).items(), start=1):
        ax.axhline(
            cost, linestyle=":", linewidth=1.5, color=f"C{k}", label=f"{name} (all training traces)"
        )
    ax.set_xscale("log")
    ax.set_xticks(xs, [f"{x:,.0f}" for x in xs])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("training traces (count, log scale; mean over seeds)")
    ax.set_ylabel("cost per task (interruptions + risk over-grant)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def context_ablation_figure(
    rows: Sequence[ContextAblationRow],
    *,
    title: str = "What per-user and per-organisation context is worth",
) -> Figure:
    """Stacked bars per variant: interruptions and risk over-grant per task (their sum is the cost)."""
    fig, (ax,) = new_figure(7.0, 4.5)
    names = [row.variant for row in rows]
    interruptions = [row.interruptions_per_task for row in rows]
    overgrant = [row.risk_overgrant_per_task for row in rows]
    ax.bar(names, interruptions, label="interruptions per task")
    ax.bar(names, overgrant, bottom=interruptions, label="risk-weighted over-grant per task")
    for i, row in enumerate(rows):
        ax.annotate(f"{row.cost_per_task:.3f}", (i, row.cost_per_task), ha="center", va="bottom")
    # Head-room above the tallest bar for its label and the legend, which then covers no bar.
    top = max((row.cost_per_task for row in rows), default=0.0)
    ax.set_ylim(0, top * 1.35 if top > 0 else 1.0)
    ax.set_ylabel("cost per task (interruptions + risk units)")
    ax.set_xlabel("context available to the model (train and test)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", ncols=2)
    return fig


def divergence_figure(
    rows: Sequence[DivergenceCost],
    *,
    title: str = "What divergence from the plan costs",
) -> Figure:
    """Grouped bars: each policy's cost per task on the traces of each divergence kind."""
    fig, (ax,) = new_figure(9.0, 4.8)
    kinds = list(dict.fromkeys(row.kind for row in rows))
    policies = list(dict.fromkeys(row.policy for row in rows))
    width = 0.8 / max(len(policies), 1)
    for k, policy in enumerate(policies):
        cost = {row.kind: row.cost_per_task for row in rows if row.policy == policy}
        xs = [i + k * width for i, kind in enumerate(kinds) if kind in cost]
        ax.bar(xs, [cost[kind] for kind in kinds if kind in cost], width, label=policy)
    counts = {row.kind: row.n_traces for row in rows}
    ax.set_xticks(
        [i + width * (len(policies) - 1) / 2 for i in range(len(kinds))],
        [f"{kind}\n({counts[kind]} traces)" for kind in kinds],
        fontsize=8,
    )
    ax.set_ylabel("cost per task (interruptions + risk over-grant)")
    ax.set_xlabel("how the calls departed from the plan (a trace may be of several kinds)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
