"""The whole job on the bundled data, in one call: train, evaluate against every baseline, plan a task.

:func:`run_demo` is what ``scopecast demo`` runs (the README's first command): it trains the
default model from the bundled training traces (or reuses the cached one, see
:mod:`scopecast.defaults`), replays the bundled test traces under every policy of the
format note (``jit_only``, ``all_known``, ``plan``, ``frequency``, ``model``, ``oracle``),
compares the model with the ``plan`` baseline on the test traces that have a plan (the
``plan`` baseline applies to no other), and plans the scopes of an example task with
:class:`~scopecast.runtime.PreAuthorizer`. It imports scikit-learn (through the model);
import it by its own name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scopecast.defaults import (
    BUNDLED_CATALOGUE,
    BUNDLED_TEST,
    BUNDLED_TRAIN,
    bundled_data_hash,
    bundled_file,
    cache_dir,
    default_model_dir,
)
from scopecast.evaluation import EvaluationReport, evaluate_policies
from scopecast.evaluation._setup import build_evaluation
from scopecast.runtime import AuthorizationPlan, PreAuthorizer

__all__ = ["EXAMPLE_CONTEXT", "EXAMPLE_TASK", "DemoResult", "run_demo"]

EXAMPLE_TASK = (
    "Reply to Carlos about the vendor contract, and set up a call with him on Friday. "
    "If the numbers changed, attach the latest budget spreadsheet."
)
"""The task planned at the end of the demo (not in the bundled data)."""

EXAMPLE_CONTEXT: Mapping[str, str] = {
    "domain": "sales",
    "user": "acme-u03",
    "org": "acme",
    "agent": "claude-3.5-sonnet",
}
"""Its context: a sales user of the generated organisation ``acme`` (a Microsoft 365 org)."""


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and found.

    Attributes
    ----------
    model_dir : Path
        The default model directory.
    trained_now : bool
        Whether this run trained it (else it was cached).
    seconds_training : float
        Time spent training (0 when cached).
    report : EvaluationReport
        Every policy on every bundled test trace (``plan`` on those with a plan).
    plan_report : EvaluationReport
        ``plan`` and ``model`` on the test traces that have a plan: the fair comparison.
    description : str
        How the evaluation was set up.
    example : AuthorizationPlan
        The plan for :data:`EXAMPLE_TASK`.
    """

    model_dir: Path
    trained_now: bool
    seconds_training: float
    report: EvaluationReport
    plan_report: EvaluationReport
    description: str
    example: AuthorizationPlan


def run_demo(
    *,
    retrain: bool = False,
    task: str = EXAMPLE_TASK,
    context: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_training: Callable[[str, int, int], None] | None = None,
) -> DemoResult:
    """Train (or reuse) the default model, evaluate every policy, and plan ``task``.

    Parameters
    ----------
    retrain : bool
        Train the default model again even if it is cached.
    task, context : str, Mapping[str, str]
        The example task to plan (default :data:`EXAMPLE_TASK` with :data:`EXAMPLE_CONTEXT`).
    environ : Mapping[str, str], optional
        Where to read the cache location from (default ``os.environ``).
    on_stage : callable, optional
        Called with a short description of each stage as it starts.
    on_training : callable, optional
        ``on_training(stage, done, total)`` while the model trains.
    """

    def stage(text: str) -> None:
        if on_stage is not None:
            on_stage(text)

    target = cache_dir(environ) / f"default-{bundled_data_hash()}"
    trained_now = retrain or not target.is_dir()
    stage("training the default model" if trained_now else f"using the cached model {target}")
    started = time.perf_counter()
    model_dir = default_model_dir(retrain=retrain, environ=environ, progress=on_training)
    seconds = time.perf_counter() - started if trained_now else 0.0
    stage("replaying the test traces under every policy")
    setup = build_evaluation(
        traces=[bundled_file(BUNDLED_TEST)],
        model_dir=model_dir,
        train=[bundled_file(BUNDLED_TRAIN)],
        catalogue_path=bundled_file(BUNDLED_CATALOGUE),
    )
    report = evaluate_policies(setup.test, setup.policies, setup.catalogue)
    with_plan = [trace for trace in setup.test if trace.plan is not None]
    pair = [p for p in setup.policies if p.name == "plan"] + [setup.model_policy]
    plan_report = evaluate_policies(with_plan, pair, setup.catalogue)
    stage("planning the example task")
    example = PreAuthorizer(model_dir).plan(task, context=dict(context or EXAMPLE_CONTEXT))
    return DemoResult(
        model_dir, trained_now, seconds, report, plan_report, setup.description, example
    )
