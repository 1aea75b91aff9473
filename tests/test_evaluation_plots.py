"""Every figure has a title, labelled axes and a legend, and saves to PNG."""

from __future__ import annotations

import pytest

from scopecast.evaluation import (
    ContextAblationRow,
    DivergenceCost,
    ExampleTask,
    FrontierPoint,
    LearningCurvePoint,
    PrecisionRecallCurve,
    ReliabilityBin,
    ScopeErrors,
    context_ablation_figure,
    divergence_figure,
    frontier_figure,
    learning_curve_figure,
    precision_recall_figure,
    reliability_figure,
    scope_errors_figure,
)

FRONTIER = [
    FrontierPoint("model", 0.5, 1.0, 0.1, 0.6),
    FrontierPoint("model", 1.0, 0.5, 0.3, 0.8),
    FrontierPoint("model", 2.0, 0.2, 0.6, 1.0),
    FrontierPoint("jit_only", 1.0, 1.5, 0.0, 1.5),
]
ERRORS = [
    ScopeErrors("g:read", 0.2, 5, 4, 0, 0.0, (ExampleTask("a", "read it"),), ()),
    ScopeErrors("g:send", 0.5, 2, 0, 3, 1.5, (), (ExampleTask("b", "send it"),)),
]


def _figures():
    return {
        "frontier": lambda: frontier_figure(FRONTIER),
        "reliability": lambda: reliability_figure(
            {
                "all scopes": [
                    ReliabilityBin(0.0, 0.1, 10, 0.05, 0.1),
                    ReliabilityBin(0.9, 1.0, 2, 0.95, 1.0),
                ]
            }
        ),
        "pr": lambda: precision_recall_figure(
            [PrecisionRecallCurve("g:read", 2, (0.5, 1.0, 1.0), (1.0, 0.5, 0.0), 0.75)]
        ),
        "learning": lambda: learning_curve_figure(
            [
                LearningCurvePoint(10, 3, 0, 1.0, 0.5, 1.5),
                LearningCurvePoint(10, 3, 1, 1.0, 0.3, 1.3),
                LearningCurvePoint(40, 9, 0, 0.5, 0.3, 0.8),
            ],
            baselines={"jit_only": 2.0},
        ),
        "context": lambda: context_ablation_figure(
            [
                ContextAblationRow("all context", (), 0.5, 0.2, 0.7),
                ContextAblationRow("without user", ("user",), 0.6, 0.2, 0.8),
            ]
        ),
        "errors": lambda: scope_errors_figure(ERRORS),
        "divergence": lambda: divergence_figure(
            [
                DivergenceCost("as_planned", "plan", 4, 0.0, 0.0, 0.0),
                DivergenceCost("as_planned", "model", 4, 0.5, 0.1, 0.6),
                DivergenceCost("unplanned_scopes", "plan", 2, 1.0, 0.0, 1.0),
            ]
        ),
    }


@pytest.mark.parametrize("name", list(_figures()))
def test_figure_is_labelled_and_saves(name, tmp_path) -> None:
    fig = _figures()[name]()
    axes = fig.axes
    assert axes
    assert fig.get_suptitle() or all(ax.get_title() for ax in axes)
    for ax in axes:
        assert ax.get_xlabel()
        assert ax.get_ylabel()
        assert ax.get_legend() is not None
    fig.savefig(tmp_path / f"{name}.png")
    assert (tmp_path / f"{name}.png").stat().st_size > 1000


def test_frontier_marks_the_default_operating_point() -> None:
    fig = frontier_figure(FRONTIER, default_cost=1.0)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("default operating point (cost 1)" in label for label in labels)
    assert "jit_only" in labels


def test_frontier_stretches_the_overgrant_axis_only_for_a_far_point() -> None:
    assert frontier_figure(FRONTIER).axes[0].get_yscale() == "linear"
    far = [*FRONTIER, FrontierPoint("all_known", 1.0, 0.1, 20.0, 20.1)]  # 20 / 0.3 > 10
    ax = frontier_figure(far).axes[0]
    assert ax.get_yscale() == "symlog"
    assert "log scale above" in ax.get_ylabel()


def test_scope_errors_figure_says_none_when_nothing_was_overgranted() -> None:
    fig = scope_errors_figure(ERRORS[:1])
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == ["none"]


def test_learning_curve_draws_the_seeds_of_one_size_as_one_point() -> None:
    """Grouped subsamples of one size hold different numbers of traces per seed (21 and 25
    for 20): one point at their mean, with the range over the seeds as its band."""
    fig = learning_curve_figure(
        [
            LearningCurvePoint(21, 3, 0, 1.0, 0.5, 1.5, size=20),
            LearningCurvePoint(25, 4, 1, 1.0, 0.3, 1.3, size=20),
            LearningCurvePoint(68, 9, 0, 0.5, 0.3, 0.8, size=68),
        ]
    )
    (ax,) = fig.axes
    (curve,) = [line for line in ax.get_lines() if line.get_label().startswith("model policy")]
    assert list(curve.get_xdata()) == [23, 68]
    assert list(curve.get_ydata()) == pytest.approx([1.4, 0.8])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["23", "68"]


def test_reliability_figure_gives_each_label_a_panel_with_counts_and_intervals() -> None:
    """Overlaid, a few-pair bin of one scope hides the others; each label gets its own
    panel, each bin its count and the 95% Wilson interval of its observed rate."""
    bins = {
        "all scopes": [
            ReliabilityBin(0.0, 0.1, 900, 0.02, 0.03),
            ReliabilityBin(0.9, 1.0, 3, 0.95, 1.0),
        ],
        "g:read": [ReliabilityBin(0.4, 0.5, 2, 0.45, 0.0)],
    }
    fig = reliability_figure(bins)
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().splitlines()[0] for ax in panels] == ["all scopes", "g:read"]
    assert [t.get_text() for t in panels[0].texts] == ["900", "3"]
    # 0 of 2 pairs: the interval reaches far above the point, to about 0.66.
    (bars,) = panels[1].collections
    (segment,) = bars.get_segments()
    assert segment[0][1] == pytest.approx(0.0)
    assert segment[1][1] == pytest.approx(0.658, abs=0.01)


def test_frontier_baselines_at_one_point_share_a_marker_in_their_own_colours() -> None:
    same = [*FRONTIER, FrontierPoint("frequency", 1.0, 1.5, 0.0, 1.5)]
    fig = frontier_figure(same)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "jit_only = frequency (same point)" in labels
    (curve,) = ax.get_lines()
    markers = ax.collections[1:]  # after the default operating point's star
    assert len(markers) == 1
    from matplotlib.colors import to_rgba

    assert tuple(markers[0].get_facecolor()[0]) != to_rgba(curve.get_color())


def test_scope_errors_figure_sets_jit_only_scopes_apart_and_gives_missed_of_needed() -> None:
    """A jit_only scope interrupts every run that needs it, under any policy: with the
    catalogue its bar is grey and labelled so, not counted among the model's wrong guesses."""
    from matplotlib.colors import to_rgba

    from scopecast.catalogue import Catalogue, ScopeSpec

    catalogue = Catalogue(
        scopes=(
            ScopeSpec(name="g:read", risk=0.2),
            ScopeSpec(name="b:pay", risk=1.0, jit_only=True),
        )
    )
    rows = [*ERRORS, ScopeErrors("b:pay", 1.0, 3, 3, 0, 0.0, (), ())]
    fig = scope_errors_figure(rows, catalogue=catalogue)
    left = fig.axes[0]
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == [
        "test traces it interrupted",
        "asked only at execution (jit_only): every need interrupts",
    ]
    scopes = [t.get_text() for t in left.get_yticklabels()]
    assert scopes == ["b:pay", "g:read"]  # most missed on top: g:read (4) above b:pay (3)
    (mistakes, by_design) = left.containers
    assert [bar.get_facecolor() for bar in by_design] == [to_rgba("tab:grey")]
    assert sorted(t.get_text().strip() for t in left.texts) == ["3/3", "4/5"]
    assert len(mistakes) == 1


def test_precision_recall_curves_carry_the_prevalence_a_random_ranking_reaches() -> None:
    import numpy as np

    from scopecast.evaluation import ProbabilityTable, precision_recall_curves

    table = ProbabilityTable(
        ("a", "b", "c", "d"),
        ("g:read",),
        np.array([[0.9], [0.8], [0.3], [0.1]]),
        np.array([[1.0], [0.0], [1.0], [0.0]]),
    )
    (curve,) = precision_recall_curves(table, ["g:read"])
    assert (curve.n_positive, curve.n_traces, curve.prevalence) == (2, 4, 0.5)
    fig = precision_recall_figure([curve])
    (ax,) = fig.axes
    assert any(list(line.get_ydata()) == [0.5, 0.5] for line in ax.get_lines())
    assert "random ranking" in ax.get_legend().get_texts()[-1].get_text()


def test_scope_names_with_dollar_signs_are_drawn_as_they_are(tmp_path) -> None:
    # any OAuth scope-token is a scope name; matplotlib read 'g:x$%#$y' as TeX and failed
    scope = "g:x$%#$y"
    bins = {scope: [ReliabilityBin(0.4, 0.5, 2, 0.45, 0.0)]}
    errors = [ScopeErrors(scope, 0.5, 2, 1, 3, 1.5, (), ())]
    curve = PrecisionRecallCurve(scope, 2, (0.5, 1.0, 1.0), (1.0, 0.5, 0.0), 0.75)
    for k, fig in enumerate(
        [reliability_figure(bins), scope_errors_figure(errors), precision_recall_figure([curve])]
    ):
        fig.savefig(tmp_path / f"{k}.png")
