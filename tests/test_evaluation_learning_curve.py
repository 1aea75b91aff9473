"""Learning curve (grouped, nested subsamples) and the context ablation, scored like `evaluate`."""

from __future__ import annotations

import pytest

from scopecast.catalogue import derive_catalogue
from scopecast.evaluation import (
    DEFAULT_CONTEXT_VARIANTS,
    build_evaluation,
    context_ablation,
    default_sizes,
    evaluate_policies,
    frequency_trainer,
    grouped_subsample,
    learning_curve,
    model_trainer,
    without_context,
)
from scopecast.exceptions import ConfigError
from scopecast.traces import Call, Trace


def _traces(n: int) -> list[Trace]:
    return [
        Trace(
            trace_id=f"t{i}",
            task=f"task {i % 7}",
            context={"domain": "d", "user": f"u{i % 3}", "org": "o"},
            calls=(Call(tool="x", scopes=("g:read",)),),
        )
        for i in range(n)
    ]


def _by_task(trace: Trace) -> str:
    return trace.task


def test_grouped_subsample_draws_whole_groups_and_nests_for_one_seed() -> None:
    traces = _traces(70)
    small = grouped_subsample(traces, 15, seed=3, group=_by_task)
    large = grouped_subsample(traces, 35, seed=3, group=_by_task)
    assert len(small) == 20  # two groups of 10
    assert {t.trace_id for t in small} <= {t.trace_id for t in large}
    assert all(sum(t.task == s.task for t in small) == 10 for s in small)
    assert small == sorted(small, key=lambda t: int(t.trace_id[1:]))  # file order kept
    assert grouped_subsample(traces, 15, seed=3, group=_by_task) == small  # deterministic
    with pytest.raises(ConfigError, match="at least one trace"):
        grouped_subsample(traces, 0, seed=0)


def test_default_sizes_are_geometric_and_end_at_the_whole_set() -> None:
    assert default_sizes(3000) == [20, 70, 245, 857, 3000]
    assert default_sizes(10) == [10]


def test_model_trainer_groups_its_cross_validation_by_the_pattern_given() -> None:
    traces = [
        Trace(
            trace_id=f"t{i}",
            task=f"task {i % 7}",
            calls=(Call(tool="x", scopes=(f"g:{'read' if i % 2 else 'write'}",)),),
        )
        for i in range(30)
    ]
    trainer = model_trainer(group_pattern=r"^(z)", C=3.0, cv=3, calibration="sigmoid")
    # the pattern reaches the training: one that matches no trace id is refused there
    with pytest.raises(ConfigError, match="matches none"):
        trainer(traces, derive_catalogue(traces))


def test_without_context_removes_only_the_named_keys() -> None:
    (trace,) = without_context(_traces(1), ["user", "missing"])
    assert trace.context == {"domain": "d", "org": "o"}
    assert without_context(_traces(1), []) == _traces(1)


def test_learning_curve_points_record_the_size_asked_for() -> None:
    """Whole groups are drawn, so the traces drawn for one size vary by seed: ``size`` says
    which point of the curve they are (the figure and the notebook group by it)."""
    traces = _traces(70)  # 7 groups of 10 by task
    points = learning_curve(
        traces, traces, derive_catalogue(traces), sizes=[15, 70], seeds=(0, 1), group=_by_task
    )
    assert [(p.size, p.n_train, p.seed) for p in points] == [
        (15, 20, 0),
        (15, 20, 1),
        (70, 70, 0),
    ]
    assert [p.target for p in points] == [15, 15, 70]


@pytest.fixture(scope="module")
def agentdojo(shared_data):
    return build_evaluation(
        traces=[shared_data / "agentdojo_test.jsonl"],
        model_dir=None,
        train=[shared_data / "agentdojo_train.jsonl"],
        catalogue_path=shared_data / "agentdojo.catalogue.json",
    )


def test_learning_curve_at_the_full_set_equals_the_model_policy_of_evaluate(agentdojo) -> None:
    points = learning_curve(
        agentdojo.train,
        agentdojo.test,
        agentdojo.catalogue,
        frequency_trainer,
        sizes=[10, 68],
        seeds=(0, 1),
    )
    assert [(p.n_train, p.seed) for p in points] == [(10, 0), (10, 1), (68, 0)]
    report = evaluate_policies(agentdojo.test, agentdojo.policies, agentdojo.catalogue)
    full = report.result("model").metrics
    assert points[-1].cost_per_task == pytest.approx(full.cost_per_task)
    assert points[-1].interruptions_per_task == pytest.approx(full.interruptions_per_task)
    assert points[0].cost_per_task != points[1].cost_per_task  # the seeds draw other traces


def test_context_ablation_changes_nothing_for_a_scorer_that_ignores_user_and_org(agentdojo) -> None:
    rows = context_ablation(agentdojo.train, agentdojo.test, agentdojo.catalogue)
    assert [r.variant for r in rows] == list(DEFAULT_CONTEXT_VARIANTS)
    assert len({r.cost_per_task for r in rows}) == 1
    with_domain = context_ablation(
        agentdojo.train,
        agentdojo.test,
        agentdojo.catalogue,
        variants={"all": (), "no domain": ("domain",)},
    )
    assert with_domain[0].cost_per_task != with_domain[1].cost_per_task


def test_context_ablation_trains_once_for_variants_that_change_no_trace(agentdojo) -> None:
    trained: list[int] = []

    def counting(traces, catalogue):
        trained.append(len(traces))
        return frequency_trainer(traces, catalogue)

    rows = context_ablation(agentdojo.train, agentdojo.test, agentdojo.catalogue, counting)
    assert trained == [len(agentdojo.train)]  # no user or org key: one model serves all
    assert len(rows) == len(DEFAULT_CONTEXT_VARIANTS)
    trained.clear()
    reference = frequency_trainer(agentdojo.train, agentdojo.catalogue)
    context_ablation(
        agentdojo.train,
        agentdojo.test,
        agentdojo.catalogue,
        counting,
        variants={"all": (), "no domain": ("domain",)},
        reference=reference,
    )
    assert trained == [len(agentdojo.train)]  # only the variant without domain


def test_learning_curve_scores_the_reference_at_the_full_size(agentdojo) -> None:
    trained: list[int] = []

    def counting(traces, catalogue):
        trained.append(len(traces))
        return frequency_trainer(traces, catalogue)

    reference = frequency_trainer(agentdojo.train[:5], agentdojo.catalogue)  # deliberately other
    points = learning_curve(
        agentdojo.train,
        agentdojo.test,
        agentdojo.catalogue,
        counting,
        sizes=[30, len(agentdojo.train)],
        seeds=(0,),
        reference=reference,
    )
    assert trained == [30]
    assert points[-1].n_train == len(agentdojo.train)
    alone = learning_curve(
        agentdojo.train[:5], agentdojo.test, agentdojo.catalogue, sizes=[5], seeds=(0,)
    )
    assert points[-1].cost_per_task == pytest.approx(alone[0].cost_per_task)


def test_full_point_and_context_rows_use_the_evaluated_policy_parameters(shared_data) -> None:
    setup = build_evaluation(
        traces=[shared_data / "agentdojo_test.jsonl"],
        model_dir=None,
        train=[shared_data / "agentdojo_train.jsonl"],
        catalogue_path=shared_data / "agentdojo.catalogue.json",
        interruption_scale=2.0,
        batching=False,
    )
    policy = setup.model_policy
    full = evaluate_policies(setup.test, setup.policies, setup.catalogue).result("model").metrics
    default = learning_curve(
        setup.train, setup.test, setup.catalogue, sizes=[len(setup.train)], seeds=(0,)
    )
    assert default[0].cost_per_task != pytest.approx(full.cost_per_task)  # other parameters
    like_evaluate = {"batching": policy.batching, "interruption_scale": policy.interruption_scale}
    points = learning_curve(
        setup.train,
        setup.test,
        setup.catalogue,
        sizes=[len(setup.train)],
        seeds=(0,),
        reference=policy.scorer,
        **like_evaluate,
    )
    assert points[0].cost_per_task == pytest.approx(full.cost_per_task)
    assert points[0].interruptions_per_task == pytest.approx(full.interruptions_per_task)
    rows = context_ablation(
        setup.train, setup.test, setup.catalogue, reference=policy.scorer, **like_evaluate
    )
    assert rows[0].cost_per_task == pytest.approx(full.cost_per_task)
