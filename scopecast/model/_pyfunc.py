"""The MLflow pyfunc wrapper of a model directory: task + context in, upfront plan out.

MLflow loads it "from code" (a small entry script written at logging time calls
``mlflow.models.set_model(ScopecastPyfunc())``), so nothing is pickled: the model directory
is an MLflow artifact and :meth:`ScopecastPyfunc.load_context` reads it with
:func:`~scopecast.model.load_bundle` (checksum and skops trusted list included).

Input: a DataFrame with a ``task`` column and optionally ``context`` (a dict or its JSON
text), ``plan`` and ``calls``. Output: one record per row,
``{"upfront": {provider: [scope, ...]}, "probabilities": {scope: p}, "policy": name,
"planning_scale": s}`` (:data:`~scopecast.model.SERVED_RESULT_TYPE` for a Spark UDF). The upfront set is the one :class:`scopecast.runtime.PreAuthorizer`
plans for the same model directory: :func:`scopecast.policy.choose_upfront` with the default
cost model, its interruption cost times the planning scale that ``scopecast train`` chose and
recorded (``policy_interruption_scale``, 1 if none); never a ``jit_only`` scope.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from scopecast._model_files import recorded_policy_params
from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.features import as_task_inputs
from scopecast.model._persistence import ModelBundle, load_bundle
from scopecast.policy import CostModel, choose_upfront

__all__ = ["ScopecastPyfunc", "upfront_plan"]


def upfront_plan(
    probabilities: Mapping[str, float], catalogue: Catalogue, costs: CostModel | None = None
) -> tuple[dict[str, list[str]], str]:
    """The upfront scopes per provider under ``costs`` (default: the default cost model) and
    the name of the rule used."""
    decision = choose_upfront(probabilities, catalogue, costs or CostModel())
    by_provider: dict[str, list[str]] = {}
    for scope in sorted(decision.upfront):
        by_provider.setdefault(provider_of(scope), []).append(scope)
    return by_provider, "scopecast.policy.choose_upfront"


class ScopecastPyfunc(PythonModel):
    """Serve a scopecast model directory through ``mlflow models serve``."""

    def load_context(self, context: PythonModelContext) -> None:
        """Load the model directory artefact (checked like any model directory)."""
        self._bundle: ModelBundle = load_bundle(context.artifacts["model_dir"])
        self._scale = recorded_policy_params(self._bundle.metadata)[0] or 1.0
        self._costs = CostModel(interruption=self._scale)

    def predict(
        self,
        context: PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, object] | None = None,
    ) -> list[dict[str, object]]:
        """Upfront plan and probabilities for each row of ``model_input``."""
        inputs = as_task_inputs(model_input)
        results: list[dict[str, object]] = []
        for probabilities in self._bundle.predict_scopes(inputs):
            upfront, rule = upfront_plan(probabilities, self._bundle.catalogue, self._costs)
            results.append(
                {
                    "upfront": upfront,
                    "probabilities": {k: round(v, 6) for k, v in probabilities.items()},
                    "policy": rule,
                    "planning_scale": self._scale,
                }
            )
        return results
