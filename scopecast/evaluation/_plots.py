"""Figures of the evaluation, readable without the code: titles, axis labels with units, legends.

Each function takes the output of an evaluation function and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global figure registry, no
backend selected), so it can be shown in a notebook or saved with ``fig.savefig(path)``.
matplotlib is imported when a figure is drawn, never when ``scopecast.evaluation`` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from scopecast._training_stack import needs_training_stack
from scopecast.catalogue import Catalogue
from scopecast.evaluation._calibration import PrecisionRecallCurve, ReliabilityBin
from scopecast.evaluation._divergence import DivergenceCost
from scopecast.evaluation._errors import ScopeErrors, most_missed, most_overgranted
from scopecast.evaluation._learning_curve import ContextAblationRow, LearningCurvePoint
from scopecast.evaluation._sweep import FrontierPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "context_ablation_figure",
    "divergence_figure",
    "frontier_figure",
    "learning_curve_figure",
    "precision_recall_figure",
    "reliability_figure",
    "scope_errors_figure",
]

_BASELINE_MARKERS = "sD^vPXh<>"


def _literal(text: str) -> str:
    """``text`` drawn as it is: a scope name may hold ``$`` (any OAuth scope-token), and two
    of them make matplotlib read what lies between as TeX (``g:x$%#$y`` failed to draw)."""
    return text.replace("$", r"\$")


def _figure(width: float = 7.0, height: float = 5.0, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    with needs_training_stack("Drawing the evaluation's figures (scopecast.evaluation)"):
        from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


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
    fig, (ax,) = _figure()
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


def _wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate of ``successes`` out of ``n`` (95% by default)."""
    rate = successes / n
    denominator = 1 + z * z / n
    centre = (rate + z * z / (2 * n)) / denominator
    half = z * ((rate * (1 - rate) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _count(n: int) -> str:
    return f"{n / 1000:.0f}k" if n >= 10_000 else f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def reliability_figure(
    bins: Mapping[str, Sequence[ReliabilityBin]],
    *,
    title: str = "Reliability of the upfront probabilities",
    ncols: int = 3,
) -> Figure:
    """Reliability diagrams: observed frequency against mean predicted probability per bin.

    ``bins`` maps a label (``"all scopes"``, a scope) to its :func:`reliability_bins`; each
    label gets its own panel (overlaid, the curves of a few pairs per bin hide each other).
    The diagonal is perfect calibration; each point carries the 95% Wilson interval of its
    observed rate and the number of pairs in its bin, so a bin of three pairs far from the
    diagonal reads as the little evidence it is.
    """
    labels = [label for label, series in bins.items() if series] or ["no pairs"]
    ncols = max(1, min(ncols, len(labels)))
    nrows = -(-len(labels) // ncols)
    with needs_training_stack("Drawing the evaluation's figures (scopecast.evaluation)"):
        from matplotlib.figure import Figure

    fig = Figure(figsize=(4.3 * ncols, 4.3 * nrows + 0.4), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(grid.flat):
        if k >= len(labels):
            ax.set_axis_off()
            continue
        label = labels[k]
        series = bins.get(label, [])
        ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1, label="perfectly calibrated")
        if series:
            xs = [b.mean_predicted for b in series]
            ys = [b.observed_rate for b in series]
            bounds = [_wilson(b.observed_rate * b.n_pairs, b.n_pairs) for b in series]
            ax.errorbar(
                xs,
                ys,
                yerr=[
                    [max(0.0, y - low) for y, (low, _) in zip(ys, bounds, strict=True)],
                    [max(0.0, high - y) for y, (_, high) in zip(ys, bounds, strict=True)],
                ],
                fmt="-o",
                markersize=4,
                capsize=2,
                color=f"C{k}",
                label="observed rate (95% interval)",
            )
            for x, y, b in zip(xs, ys, series, strict=True):
                ax.annotate(  # beside the point, kept inside the panel
                    _count(b.n_pairs),
                    (x, y),
                    xytext=(4 if x < 0.85 else -4, -9 if y > 0.1 else 4),
                    textcoords="offset points",
                    ha="left" if x < 0.85 else "right",
                    fontsize=6.5,
                    color="dimgrey",
                )
            total = sum(b.n_pairs for b in series)
            positive = round(sum(b.observed_rate * b.n_pairs for b in series))
            ax.set_title(f"{_literal(label)}\n{total:,} pairs, {positive:,} needed", fontsize=9)
        else:
            ax.set_title(_literal(label), fontsize=9)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_xlabel("mean predicted P(scope needed) in bin", fontsize=8)
        ax.set_ylabel("observed rate of needing it in bin", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, loc="best")
    fig.suptitle(f"{title}\n(numbers: pairs in the bin; bars: 95% Wilson interval)", fontsize=11)
    return fig


def precision_recall_figure(
    curves: Sequence[PrecisionRecallCurve],
    *,
    title: str = "Per-scope precision-recall of the upfront probabilities",
) -> Figure:
    """One precision-recall curve per scope, with its average precision in the legend.

    Scope ``k`` takes colour ``C{k+1}``, as its panel in :func:`reliability_figure` (whose
    first panel is all scopes); a dotted line in the same colour is the precision of a random
    ranking (the scope's prevalence). Curves are drawn thinner one after the other, so
    curves that coincide (several perfect rankings) stay visible.
    """
    fig, (ax,) = _figure(7.0, 6.5)
    for k, curve in enumerate(curves):
        colour = f"C{k + 1}"
        ax.step(
            curve.recall,
            curve.precision,
            where="post",
            color=colour,
            linewidth=max(3.5 - 0.5 * k, 1.0),
            alpha=0.85,
            label=f"{_literal(curve.scope)} (AP {curve.average_precision:.2f}, "
            f"{curve.n_positive} traces)",
        )
        if curve.prevalence is not None:
            ax.axhline(curve.prevalence, linestyle=":", linewidth=1, color=colour)
    if any(curve.prevalence is not None for curve in curves):
        ax.plot(
            [], [], ":", color="grey", label="dotted: a random ranking (the scope's prevalence)"
        )
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("recall (share of traces needing the scope that are predicted)")
    ax.set_ylabel("precision (share of predicted traces that need it)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    # Below the axes: inside, it covered the low-precision ends and the prevalence lines.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)
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
    fig, (ax,) = _figure()
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
    fig, (ax,) = _figure(7.0, 4.5)
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


def scope_errors_figure(
    rows: Sequence[ScopeErrors],
    *,
    top: int = 10,
    title: str = "Scopes most often missed and over-granted",
    catalogue: Catalogue | None = None,
) -> Figure:
    """Two panels: the ``top`` scopes by traces missed (interruptions), and by risk-weighted over-grant.

    Each missed bar ends with ``missed/needed`` traces. With the ``catalogue``, the scopes no
    policy asks before the start (``jit_only``, or implying a ``jit_only`` scope) are drawn
    apart, in grey: they interrupt every run that needs them by design, not by a wrong guess.
    """
    fig, (left, right) = _figure(12.0, 0.4 * top + 2.0, ncols=2)
    missed, over = most_missed(rows, top), most_overgranted(rows, top)
    missed = missed[::-1]  # barh draws bottom-up: the most missed on top
    by_design = [catalogue is not None and catalogue.implies_jit_only(r.scope) for r in missed]
    for design, label, colour in (
        (False, "test traces it interrupted", "C0"),
        (True, "asked only at execution (jit_only): every need interrupts", "tab:grey"),
    ):
        ys = [i for i, d in enumerate(by_design) if d == design]
        if ys:
            left.barh(ys, [missed[i].n_missed for i in ys], color=colour, label=label)
    left.set_yticks(range(len(missed)), [_literal(r.scope) for r in missed])
    for i, r in enumerate(missed):
        left.annotate(
            f" {r.n_missed}/{r.n_needed}", (r.n_missed, i), va="center", fontsize=7, color="dimgrey"
        )
    left.margins(x=0.15)
    left.set_xlabel("traces in which the scope interrupted the run (count)")
    left.set_title("most often missed (caused an interruption)")
    right.barh(
        [_literal(r.scope) for r in over][::-1],
        [r.risk_overgrant for r in over][::-1],
        color="tab:red",
        label="risk x traces it was held unused",
    )
    right.set_xlabel("risk-weighted over-grant, summed over traces (risk units)")
    right.set_title("most often over-granted (held, never used)")
    for ax, data in ((left, missed), (right, over)):
        ax.set_ylabel("scope (OAuth scope string)")
        if data:  # a free row below the bars for the legend, which then covers none
            ax.set_ylim(-0.6 - 0.55 * len(ax.get_legend_handles_labels()[0]), len(data) - 0.4)
            ax.legend(fontsize=8, loc="lower right")
        else:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title)
    return fig


def divergence_figure(
    rows: Sequence[DivergenceCost],
    *,
    title: str = "What divergence from the plan costs",
) -> Figure:
    """Grouped bars: each policy's cost per task on the traces of each divergence kind."""
    fig, (ax,) = _figure(9.0, 4.8)
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
