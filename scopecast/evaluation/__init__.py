"""Honest measurement of pre-authorization policies: the simulator and metrics of the format note.

- :func:`simulate` replays traces under a :class:`Policy` (upfront set, batches at interruptions);
- :func:`score_outcomes` computes every metric of ``trace-format.md``;
- the baselines (``jit_only``, ``all_known``, ``plan``, ``frequency``, ``oracle``) and
  :class:`ModelPolicy` (a scorer through :func:`scopecast.policy.choose_upfront`);
- :func:`evaluate_policies` scores them side by side; :func:`sweep_interruption_cost` traces
  each policy's frontier.

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
from scopecast.evaluation._metrics import METRIC_NAMES, PolicyMetrics, score_outcomes
from scopecast.evaluation._model_policy import ModelPolicy, ProgressCallback
from scopecast.evaluation._report import (
    EvaluationReport,
    PolicyResult,
    evaluate_policies,
    prediction_line,
    write_predictions,
)
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
    "DEFAULT_SCALES",
    "DEFAULT_SWEEP",
    "METRIC_NAMES",
    "AllKnownPolicy",
    "EvaluationReport",
    "FrequencyPolicy",
    "FrontierPoint",
    "JitOnlyPolicy",
    "ModelPolicy",
    "OraclePolicy",
    "PlanPolicy",
    "Policy",
    "PolicyMetrics",
    "PolicyParams",
    "PolicyResult",
    "ProgressCallback",
    "TraceOutcome",
    "TuningResult",
    "default_group",
    "dominated_baselines",
    "evaluate_policies",
    "fit_baselines",
    "grouped_folds",
    "plot_frontier",
    "prediction_line",
    "score_outcomes",
    "simulate",
    "simulate_trace",
    "sweep_interruption_cost",
    "tune_policy",
    "write_predictions",
    "write_sweep",
]
