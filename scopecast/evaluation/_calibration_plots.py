"""Figures of calibration and errors: reliability diagrams, precision-recall curves, the scopes
most missed and most over-granted. Readable without the code: titles, labelled axes, legends.

Each function takes the output of an evaluation function (:mod:`._calibration`,
:mod:`._errors`) and returns a :class:`matplotlib.figure.Figure` built without pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from scopecast._training_stack import needs_training_stack
from scopecast.catalogue import Catalogue
from scopecast.evaluation._calibration import PrecisionRecallCurve, ReliabilityBin
from scopecast.evaluation._errors import ScopeErrors, most_missed, most_overgranted
from scopecast.evaluation._figure_canvas import literal_text, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["precision_recall_figure", "reliability_figure", "scope_errors_figure"]


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
            ax.set_title(f"{literal_text(label)}\n{total:,} pairs, {positive:,} needed", fontsize=9)
        else:
            ax.set_title(literal_text(label), fontsize=9)
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
    fig, (ax,) = new_figure(7.0, 6.5)
    for k, curve in enumerate(curves):
        colour = f"C{k + 1}"
        ax.step(
            curve.recall,
            curve.precision,
            where="post",
            color=colour,
            linewidth=max(3.5 - 0.5 * k, 1.0),
            alpha=0.85,
            label=f"{literal_text(curve.scope)} (AP {curve.average_precision:.2f}, "
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
    fig, (left, right) = new_figure(12.0, 0.4 * top + 2.0, ncols=2)
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
    left.set_yticks(range(len(missed)), [literal_text(r.scope) for r in missed])
    for i, r in enumerate(missed):
        left.annotate(
            f" {r.n_missed}/{r.n_needed}", (r.n_missed, i), va="center", fontsize=7, color="dimgrey"
        )
    left.margins(x=0.15)
    left.set_xlabel("traces in which the scope interrupted the run (count)")
    left.set_title("most often missed (caused an interruption)")
    right.barh(
        [literal_text(r.scope) for r in over][::-1],
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
