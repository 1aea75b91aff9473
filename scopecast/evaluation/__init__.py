"""Honest measurement of pre-authorization policies: the simulator and metrics of the format note.

- :func:`simulate` replays traces under a :class:`Policy` (upfront set, batches at interruptions);
- :func:`score_outcomes` computes every metric of ``trace-format.md``;
- the baselines (``jit_only``, ``all_known``, ``plan``, ``frequency``, ``oracle``) and
  :class:`ModelPolicy` (a scorer through :func:`scopecast.policy.choose_upfront`);
- :func:`evaluate_policies` scores them side by side; :func:`cost_intervals` gives each cost
  per task a bootstrap interval over groups of traces (and the model's paired differences);
  :func:`nested_policy_cost` estimates, by nested grouped CV on the training traces, what the
  whole method (training and the choice of the policy's settings) costs on unseen groups;
  :func:`sweep_interruption_cost` traces each policy's frontier; :func:`group_floor` gives
  the cost of the best fixed set per task template, chosen on the template's own runs (how
  much of the spread between runs of one task no task-level policy can follow); :func:`build_evaluation`
  loads files and builds the policies exactly as ``scopecast evaluate`` does (the notebooks
  call it, so their numbers are the CLI's);
- calibration (:func:`upfront_probabilities`, :func:`reliability_bins`,
  :func:`calibration_summary`, :func:`precision_recall_curves`), learning curve and context
  ablation (:func:`learning_curve`, :func:`context_ablation`), error analysis
  (:func:`scope_errors`, :func:`divergence_costs`), the data sets of a folder
  (:func:`find_datasets`), and their figures (``*_figure``, matplotlib, imported lazily).

Imported by its own name (it may pull matplotlib when plotting), never from ``scopecast``.
"""

from scopecast.evaluation._baselines import (
    AllKnownPolicy,
    FrequencyPolicy,
    JitOnlyPolicy,
    OraclePolicy,
    PlanPolicy,
    fit_baselines,
)
from scopecast.evaluation._calibration import (
    CalibrationRow,
    PrecisionRecallCurve,
    ProbabilityTable,
    ReliabilityBin,
    calibration_summary,
    precision_recall_curves,
    reliability_bins,
    reliability_by_label,
    upfront_probabilities,
)
from scopecast.evaluation._calibration_plots import (
    precision_recall_figure,
    reliability_figure,
    scope_errors_figure,
)
from scopecast.evaluation._datasets import (
    EvaluationDataset,
    datasets_from_environment,
    find_datasets,
    matching_group_pattern,
    trained_model,
)
from scopecast.evaluation._divergence import (
    DIVERGENCE_KINDS,
    DivergenceCost,
    divergence_costs,
    divergence_kinds,
)
from scopecast.evaluation._errors import (
    ExampleTask,
    ScopeErrors,
    missed_at,
    most_missed,
    most_overgranted,
    scope_errors,
)
from scopecast.evaluation._group_floor import GroupFloor, group_floor
from scopecast.evaluation._intervals import (
    N_RESAMPLES,
    CostInterval,
    cost_intervals,
    trace_costs,
)
from scopecast.evaluation._learning_curve import (
    DEFAULT_CONTEXT_VARIANTS,
    ContextAblationRow,
    LearningCurvePoint,
    Trainer,
    context_ablation,
    default_sizes,
    frequency_trainer,
    grouped_subsample,
    learning_curve,
    model_trainer,
    without_context,
)
from scopecast.evaluation._metrics import METRIC_NAMES, PolicyMetrics, score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy, ProgressCallback
from scopecast.evaluation._nested import NestedFold, NestedResult, nested_policy_cost
from scopecast.evaluation._plots import (
    context_ablation_figure,
    divergence_figure,
    frontier_figure,
    learning_curve_figure,
)
from scopecast.evaluation._report import (
    EvaluationReport,
    PolicyResult,
    evaluate_policies,
    prediction_line,
    write_predictions,
)
from scopecast.evaluation._setup import EvaluationSetup, build_evaluation
from scopecast.evaluation._simulator import Policy, TraceOutcome, simulate, simulate_trace
from scopecast.evaluation._sweep import (
    DEFAULT_SWEEP,
    FrontierPoint,
    dominated_baselines,
    plot_frontier,
    sweep_interruption_cost,
    write_sweep,
)
from scopecast.evaluation._tuning import (
    DEFAULT_SCALES,
    PolicyParams,
    TuningResult,
    default_group,
    grouped_folds,
    tune_policy,
)

__all__ = [
    "DEFAULT_CONTEXT_VARIANTS",
    "DEFAULT_SCALES",
    "DEFAULT_SWEEP",
    "DIVERGENCE_KINDS",
    "METRIC_NAMES",
    "N_RESAMPLES",
    "AllKnownPolicy",
    "CalibrationRow",
    "ContextAblationRow",
    "CostInterval",
    "DivergenceCost",
    "EvaluationDataset",
    "EvaluationReport",
    "EvaluationSetup",
    "ExampleTask",
    "FrequencyPolicy",
    "FrontierPoint",
    "GroupFloor",
    "JitOnlyPolicy",
    "LearningCurvePoint",
    "ModelPolicy",
    "NestedFold",
    "NestedResult",
    "OraclePolicy",
    "PlanPolicy",
    "Policy",
    "PolicyMetrics",
    "PolicyParams",
    "PolicyResult",
    "PrecisionRecallCurve",
    "ProbabilityTable",
    "ProgressCallback",
    "ReliabilityBin",
    "ScopeErrors",
    "TraceOutcome",
    "Trainer",
    "TuningResult",
    "build_evaluation",
    "calibration_summary",
    "context_ablation",
    "context_ablation_figure",
    "cost_intervals",
    "datasets_from_environment",
    "default_group",
    "default_sizes",
    "divergence_costs",
    "divergence_figure",
    "divergence_kinds",
    "dominated_baselines",
    "evaluate_policies",
    "find_datasets",
    "fit_baselines",
    "frequency_trainer",
    "frontier_figure",
    "group_floor",
    "grouped_folds",
    "grouped_subsample",
    "learning_curve",
    "learning_curve_figure",
    "matching_group_pattern",
    "missed_at",
    "model_trainer",
    "most_missed",
    "most_overgranted",
    "nested_policy_cost",
    "plot_frontier",
    "precision_recall_curves",
    "precision_recall_figure",
    "prediction_line",
    "reliability_bins",
    "reliability_by_label",
    "reliability_figure",
    "scope_errors",
    "scope_errors_figure",
    "score_outcomes",
    "simulate",
    "simulate_trace",
    "sweep_interruption_cost",
    "trace_costs",
    "trained_model",
    "tune_policy",
    "upfront_probabilities",
    "without_context",
    "write_predictions",
    "write_sweep",
]
