"""Scoring several policies side by side on the same traces, and writing the results.

The JSON report has the shape of ``trace-format.md``:
``{"n_traces": int, "policies": {"<policy>": {"<metric>": float, ...}, ...}}``, each
policy's dict holding exactly the metrics of the note. As an addition, the top-level key
``"n_traces_by_policy": {"<policy>": int, ...}`` says how many traces each policy was
scored on (``plan`` only sees traces with a plan, and is absent when none has one). The
predictions file holds one line per trace of the model
policy's decisions, ``{"trace_id", "upfront", "batches"}``, so that anyone can re-score them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast.catalogue import Catalogue
from scopecast.evaluation._metrics import PolicyMetrics, score_outcomes
from scopecast.evaluation._simulator import Policy, TraceOutcome, simulate
from scopecast.exceptions import ConfigError
from scopecast.traces import Trace

__all__ = [
    "EvaluationReport",
    "PolicyResult",
    "evaluate_policies",
    "prediction_line",
    "write_predictions",
]


@dataclass(frozen=True)
class PolicyResult:
    """One policy's outcomes on the traces it applies to, and their metrics."""

    name: str
    outcomes: tuple[TraceOutcome, ...]
    metrics: PolicyMetrics

    @property
    def n_traces(self) -> int:
        """How many traces the policy was scored on."""
        return len(self.outcomes)


@dataclass(frozen=True)
class EvaluationReport:
    """Every policy's result on the same traces, in report order.

    Attributes
    ----------
    n_traces : int
        Number of traces evaluated.
    results : tuple[PolicyResult, ...]
        One result per policy that applied to at least one trace.
    skipped : tuple[str, ...]
        Policies that applied to no trace (``plan`` when no trace has a plan).
    """

    n_traces: int
    results: tuple[PolicyResult, ...]
    skipped: tuple[str, ...] = ()

    def result(self, name: str) -> PolicyResult:
        """The result of policy ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        known = [r.name for r in self.results]
        raise ConfigError(f"No policy named {name!r} in this report; it has {known}.")

    def to_json(self) -> dict[str, object]:
        """The report as the JSON object of the format note, plus ``n_traces_by_policy``.

        Each policy's dict holds exactly the metrics of the note (floats); the number of
        traces each policy was scored on goes in the separate top-level key
        ``n_traces_by_policy`` so that readers of the note's shape are not broken.
        """
        policies = {result.name: result.metrics.model_dump() for result in self.results}
        by_policy = {result.name: result.n_traces for result in self.results}
        return {"n_traces": self.n_traces, "policies": policies, "n_traces_by_policy": by_policy}

    def write_json(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path``."""
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def evaluate_policies(
    traces: Sequence[Trace],
    policies: Sequence[Policy],
    catalogue: Catalogue,
    *,
    progress: Callable[[str], None] | None = None,
) -> EvaluationReport:
    """Replay ``traces`` under each policy and score them.

    Parameters
    ----------
    traces : Sequence[Trace]
        The traces (typically a test file).
    policies : Sequence[Policy]
        The policies, in report order; names must be unique.
    catalogue : Catalogue
        Risk, ``jit_only`` and ``implies``.
    progress : Callable[[str], None] | None
        Called with each policy's name before it is replayed.

    Returns
    -------
    EvaluationReport
        Metrics and outcomes per policy.
    """
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ConfigError(f"Policy names must be unique to be reported side by side; got {names}.")
    results = []
    skipped = []
    for policy in policies:
        if progress is not None:
            progress(policy.name)
        outcomes = simulate(traces, policy, catalogue)
        if not outcomes:
            skipped.append(policy.name)
            continue
        results.append(
            PolicyResult(policy.name, tuple(outcomes), score_outcomes(outcomes, catalogue))
        )
    return EvaluationReport(len(traces), tuple(results), tuple(skipped))


def prediction_line(outcome: TraceOutcome) -> dict[str, object]:
    """One line of the predictions file: upfront set and non-empty batches of one trace."""
    return {
        "trace_id": outcome.trace_id,
        "upfront": sorted(outcome.upfront),
        "batches": {str(i): sorted(extra) for i, extra in sorted(outcome.batches.items())},
    }


def write_predictions(outcomes: Sequence[TraceOutcome], path: str | Path) -> None:
    """Write one JSON line per outcome (see :func:`prediction_line`)."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for outcome in outcomes:
            handle.write(json.dumps(prediction_line(outcome), ensure_ascii=False) + "\n")
