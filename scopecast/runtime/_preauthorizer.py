"""Before the agent starts: predict which scopes the task will need and plan the upfront consent.

:class:`PreAuthorizer` loads a model directory (its numpy-only compact form when it has one,
else through ``scopecast.model``, imported lazily) or takes
any :class:`~scopecast.scoring.ScopeScorer`, predicts ``P(scope needed)`` from the task,
context and optional plan, and lets :func:`scopecast.policy.choose_upfront` pick the scopes
worth asking now. A model that cannot be loaded or fails to predict (any exception of the
scorer, or a malformed answer) degrades the plan to point-of-execution consent only, with a
warning: never to "allow". A scope the scorer gives that the catalogue does not know is not
asked up front (unknown risk, and no tool of the catalogue needs it), with a logged warning.
A context value the model never saw (``domain=workplace`` for a model trained on ``email``
and ``calendar``) is ignored by the model; with a compact model, that is logged once per
field, as are a domain without a support and a field named like a plan feature
(:mod:`scopecast.runtime._context_check`).
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scopecast._model_files import recorded_policy_params
from scopecast._training_stack import training_stack_found
from scopecast.catalogue import Catalogue
from scopecast.defaults import default_model_dir
from scopecast.exceptions import (
    ConfigError,
    MissingExtraError,
    ModelError,
    ModelUnavailableWarning,
    ScopecastError,
)
from scopecast.policy import CostModel, choose_upfront
from scopecast.runtime._compact import CompactScorer
from scopecast.runtime._compact_files import CompactBundle, load_scorer
from scopecast.runtime._compact_layout import CompactLayout
from scopecast.runtime._context_check import ContextNotes
from scopecast.runtime._plan import AuthorizationPlan
from scopecast.runtime._scorer_output import checked_probabilities, known_probabilities
from scopecast.runtime._start_arguments import check_context
from scopecast.scoring import ScopeScorer, TaskInput
from scopecast.traces import PlanStep

if TYPE_CHECKING:
    from scopecast.runtime._guard import ScopeGuard

__all__ = ["PreAuthorizer"]

logger = logging.getLogger(__name__)

DEGRADED_RECORD = "scopecast_degraded"
"""Attribute set on the log record of a degraded plan: a caller that reports the
``ModelUnavailableWarning`` itself (``scopecast plan``) filters these records out."""
DEFAULT_TRAINING_RECORD = "scopecast_default_training"
"""Attribute set on the log record saying the default model is trained first: a caller
that says so itself (``scopecast plan``) filters it out."""

# What loading or using a broken model may raise; the plan then degrades (asks nothing upfront).
_MODEL_FAILURES = (
    ScopecastError,
    ImportError,
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
)


def _check_plan_arguments(task: object, context: object, plan: object) -> None:
    """Fail on arguments of the wrong type, before the scorer sees them.

    Inside the scorer they raised (a context value 3 or None from a JSON config, a plan of
    dicts in the trace file's shape), and that failure was taken for the model's: the plan
    degraded to nothing up front, saying to retrain the model.
    """
    if not isinstance(task, str):
        raise ConfigError(f"PreAuthorizer.plan needs the task as a str; got {type(task).__name__}.")
    if not task.strip():
        raise ConfigError("PreAuthorizer.plan needs a non-empty task.")
    check_context(context, "PreAuthorizer.plan")
    if plan is not None:
        if isinstance(plan, str | bytes) or not isinstance(plan, Sequence):
            raise ConfigError(
                f"PreAuthorizer.plan needs plan as a sequence of PlanStep; got "
                f"{type(plan).__name__}."
            )
        for index, step in enumerate(plan):
            if not isinstance(step, PlanStep):
                raise ConfigError(
                    f"PreAuthorizer.plan needs plan as a sequence of PlanStep; step {index} "
                    f"is a {type(step).__name__}. Build each step as "
                    f"PlanStep(tool='email.send_email', scopes=('google:gmail.send',)), or "
                    f"from a step of a trace file with PlanStep.model_validate_json(text)."
                )


class PreAuthorizer:
    """Plan the consent asked before an agent starts.

    Parameters
    ----------
    model : str, pathlib.Path, ScopeScorer or None
        A model directory written by ``scopecast train`` (its catalogue comes with it), or a
        scorer object (then ``catalogue`` is required). ``None``: the embedded default, the
        model trained from the bundled data (:func:`scopecast.defaults.default_model_dir`;
        trained and cached on first use, which takes a while once).
    catalogue : Catalogue, optional
        Overrides the model's catalogue (risk, ``jit_only``, ``implies``, providers).
    costs : CostModel, optional
        The policy's costs (interruption, consent screen, risk weight).
    planning_scale : float, optional
        The policy plans with ``planning_scale * costs.interruption``. ``None``: the scale
        ``scopecast train`` chose for the model by grouped cross-validation (recorded in its
        metadata as ``policy_interruption_scale``), else 1. It corrects for how sharp the
        model's probabilities are on tasks it has not seen; ``costs`` stay what is minimised.
    batching : bool, optional
        Whether :meth:`guard`'s consents add likely scopes at an interruption. ``None``: what
        ``scopecast train`` chose and recorded as ``policy_batching``, else True.

    Attributes
    ----------
    planning_costs : CostModel
        ``costs`` with the interruption scaled: the costs every plan minimises (pass them to
        :class:`~scopecast.runtime.ScopeGuard` as ``costs=`` so its batches agree, or make
        the guard with :meth:`guard`).
    batching : bool
        Whether the model's policy adds likely scopes to a consent at an interruption (what
        ``scopecast train`` chose and recorded as ``policy_batching``; True if it did not).

    Raises
    ------
    ConfigError
        If a scorer comes without a catalogue.

    Examples
    --------
    >>> from scopecast.catalogue import Catalogue, ScopeSpec
    >>> class Steady:
    ...     def predict_scopes(self, inputs):
    ...         return [{"google:gmail.send": 0.9} for _ in inputs]
    >>> catalogue = Catalogue(scopes=(ScopeSpec(name="google:gmail.send", risk=0.6),))
    >>> plan = PreAuthorizer(Steady(), catalogue=catalogue).plan("Email Carlos")
    >>> sorted(plan.upfront_scopes)
    ['google:gmail.send']
    """

    def __init__(
        self,
        model: str | Path | ScopeScorer | None = None,
        *,
        catalogue: Catalogue | None = None,
        costs: CostModel | None = None,
        planning_scale: float | None = None,
        batching: bool | None = None,
    ) -> None:
        if planning_scale is not None and not (
            math.isfinite(planning_scale) and planning_scale > 0
        ):
            raise ConfigError(f"planning_scale must be a positive number; got {planning_scale!r}.")
        self.costs = costs or CostModel()
        self.planning_costs = self.costs
        self.batching = True if batching is None else batching
        self.warning: str | None = None
        """Why no model is usable, and what the plans do instead; ``None`` while one is."""
        self.degraded_reason: str | None = None
        """The first part of :attr:`warning`: what failed (for a caller that stops on it)."""
        self._scorer: ScopeScorer | None = None
        self._compact_layout: CompactLayout | None = None
        self._context_notes: ContextNotes | None = None
        self._context_lock = threading.Lock()
        if model is None:
            model = self._default_model()
            if model is None:  # degraded: the guard alone asks at each call
                self.catalogue = catalogue or Catalogue()
                return
        if isinstance(model, str | Path):
            self._scorer, loaded = self._load(Path(model))
            catalogue = catalogue or loaded
        else:
            if catalogue is None:
                raise ConfigError(
                    "PreAuthorizer(scorer) needs catalogue=... (risk, jit_only and providers "
                    "of the scopes); a model directory brings its own."
                )
            self._scorer = model
        recorded_scale, recorded_batching = recorded_policy_params(_metadata_of(self._scorer))
        if planning_scale is None:
            planning_scale = recorded_scale
        self.batching = recorded_batching is not False if batching is None else batching
        self.catalogue = catalogue or Catalogue()
        if planning_scale is not None and planning_scale != 1.0:
            self.planning_costs = self.costs.model_copy(
                update={"interruption": self.costs.interruption * planning_scale}
            )

    def __repr__(self) -> str:
        state = "degraded" if self._scorer is None else type(self._scorer).__name__
        return f"PreAuthorizer({state})"

    def guard(self, **options: Any) -> ScopeGuard:
        """A :class:`~scopecast.runtime.ScopeGuard` whose consents follow this plan's policy.

        It gets this PreAuthorizer's catalogue, :attr:`planning_costs` and scorer, so that a
        just-in-time batch at an interruption is chosen by the same model and costs as the
        plan was (no scorer, so no batch, when the model is degraded or its policy does not
        batch: the guard then asks exactly what a call misses). ``options`` go to
        ``ScopeGuard`` (``store``, ``authorizer``, ``mode``, ``recorder``, ...).

        Raises
        ------
        ConfigError
            If ``options`` name ``scorer``, ``costs`` or ``catalogue`` (they come from here),
            or this PreAuthorizer has no catalogue of tools (its model could not be loaded
            and no ``catalogue=`` was given): that guard would refuse every call.
        """
        from scopecast.runtime._guard import ScopeGuard

        taken = sorted({"scorer", "costs", "catalogue"} & set(options))
        if taken:
            raise ConfigError(
                f"PreAuthorizer.guard() sets {', '.join(taken)} itself (from its model); "
                f"construct ScopeGuard(...) directly to choose them."
            )
        if not self.catalogue.tools:
            why = f" ({self.warning})" if self.warning else ""
            raise ConfigError(
                f"This PreAuthorizer has no catalogue of tools{why}, so its guard would refuse "
                f"every call. Pass catalogue=load_catalogue(...) to PreAuthorizer, so that a "
                f"model that cannot be loaded still leaves a working guard."
            )
        scorer = self._scorer if self.batching else None
        return ScopeGuard(self.catalogue, scorer=scorer, costs=self.planning_costs, **options)

    @property
    def is_degraded(self) -> bool:
        """Whether no model is usable (plans then ask nothing before the start)."""
        return self._scorer is None

    def _degrade(self, why: str, *, training_stack_missing: bool = False) -> None:
        fix = (
            "Pass the directory of a model trained with `scopecast train` where "
            "scopecast[train] is installed (this runtime plans with its compact form)."
            if training_stack_missing
            else "Retrain with `scopecast train` or pass a working model directory."
        )
        self.degraded_reason = why
        self.warning = (
            f"{why}; scopes will be asked at the point of execution only (nothing up front). {fix}"
        )
        logger.warning("%s", self.warning, extra={DEGRADED_RECORD: True})
        warnings.warn(self.warning, ModelUnavailableWarning, stacklevel=3)

    def _default_model(self) -> Path | None:
        try:
            try:
                return default_model_dir(train=False)
            except ModelError:  # not cached: trained now, for minutes, in this process
                if training_stack_found():  # else it cannot train, and says why below
                    logger.warning(
                        "PreAuthorizer() without a model: training the default model of the "
                        "bundled demo data first (a few minutes, once; then cached). It knows "
                        "that data's tools, not your agent's: pass the directory `scopecast "
                        "train` wrote on your traces.",
                        extra={DEFAULT_TRAINING_RECORD: True},
                    )
            return default_model_dir()
        except _MODEL_FAILURES as err:
            self._degrade(
                f"The default model cannot be trained from the bundled data "
                f"({type(err).__name__}: {err})",
                training_stack_missing=isinstance(err, MissingExtraError),
            )
            return None

    def _load(self, directory: Path) -> tuple[ScopeScorer | None, Catalogue | None]:
        try:
            # The compact form (numpy only) when the directory has one; else scopecast.model,
            # imported lazily by load_scorer (it is heavy: scikit-learn).
            bundle = load_scorer(directory)
            catalogue = getattr(bundle, "catalogue", None)
            if not isinstance(bundle, ScopeScorer) or not isinstance(catalogue, Catalogue):
                raise TypeError(
                    f"load_scorer returned a {type(bundle).__name__}, not a ModelBundle"
                )
        except _MODEL_FAILURES as err:
            self._degrade(
                f"The model {str(directory)!r} cannot be loaded ({type(err).__name__}: {err})",
                training_stack_missing=isinstance(err, MissingExtraError),
            )
            return None, None
        return bundle, catalogue

    def plan(
        self,
        task: str,
        context: Mapping[str, str] | None = None,
        plan: Sequence[PlanStep] | None = None,
    ) -> AuthorizationPlan:
        """The authorization plan for ``task`` (with its ``context`` and articulated ``plan``).

        Raises
        ------
        ConfigError
            If the arguments are not of the trace format's types (the caller's mistake: a
            failure of the model degrades instead, see :attr:`warning`).
        """
        _check_plan_arguments(task, context, plan)
        if self._scorer is None:
            return self._degraded_plan(task)
        task_input = TaskInput.before_start(
            task, dict(context or {}), None if plan is None else tuple(plan)
        )
        try:
            layout = self._layout()
            if layout is not None:
                prediction = layout.predict(task_input)
                if prediction[1]:  # model scopes outside an overriding catalogue
                    self._drop_unknown([scope for scope, _ in prediction[1]])
                    prediction = (prediction[0], [])
            else:
                try:
                    answer = self._scorer.predict_scopes([task_input])
                except Exception as err:  # anyone's code, maybe remote: degrade, not allow
                    # the type only: its text may carry what it was given (URLs, headers)
                    self._degrade(f"The model failed to predict ({type(err).__name__})")
                    return self._degraded_plan(task)
                probabilities, unknown = known_probabilities(
                    checked_probabilities(answer), self.catalogue
                )
                if unknown:
                    self._drop_unknown(unknown)
        except Exception as err:  # a malformed answer, or the compact model failed: degrade
            self._degrade(f"The model failed to predict ({type(err).__name__}: {err})")
            return self._degraded_plan(task)
        if layout is not None:
            if task_input.context or layout.scorer.context_fields:
                self._note_context(layout.scorer, task_input.context)
            decision = layout.decide(prediction, self.planning_costs)
        else:
            decision = choose_upfront(probabilities, self.catalogue, self.planning_costs)
        return AuthorizationPlan.from_decision(task, decision, self.catalogue)

    def _note_context(self, scorer: CompactScorer, context: Mapping[str, str]) -> None:
        """Log, once each, what the model cannot read in ``context`` (see
        :mod:`scopecast.runtime._context_check`); a failure here never fails the plan."""
        try:
            notes = self._context_notes
            if notes is None:
                with self._context_lock:  # one ContextNotes, or threads would each say all
                    notes = self._context_notes
                    if notes is None:
                        notes = self._context_notes = ContextNotes(
                            scorer.indicator_vocabulary,
                            scorer.domain_support,
                            logger,
                            scorer.context_fields,
                        )
            notes.note(context)
        except Exception:  # a diagnostic only: the plan stands without it
            logger.debug("checking the task's context failed", exc_info=True)

    @staticmethod
    def _drop_unknown(scopes: list[str]) -> None:
        logger.warning(
            "scopes not in the catalogue are not asked up front (unknown risk, no tool of the "
            "catalogue needs them; the guard asks whatever a call needs): %s",
            scopes,
        )

    def _degraded_plan(self, task: str) -> AuthorizationPlan:
        return AuthorizationPlan(
            task=task, upfront=(), deferred=(), degraded=True, warning=self.warning
        )

    def _layout(self) -> CompactLayout | None:
        """The compact scorer laid out over the catalogue's tables (built on first use)."""
        layout = self._compact_layout
        if layout is None or layout.catalogue is not self.catalogue:
            scorer = self._scorer
            if isinstance(scorer, CompactBundle):
                scorer = scorer.scorer
            if not isinstance(scorer, CompactScorer):
                return None
            layout = self._compact_layout = CompactLayout(scorer, self.catalogue)
        return layout


def _metadata_of(scorer: object) -> object:
    """``scorer.metadata`` (what ``scopecast train`` recorded), or ``None``.

    A scorer object is anyone's code: a remote proxy may answer any attribute with a call
    that fails. The recorded policy is optional, so that failure only means none recorded.
    """
    try:
        return getattr(scorer, "metadata", None)
    except Exception:  # anyone's code: no recorded policy, not a failed construction
        logger.debug("reading the scorer's metadata failed", exc_info=True)
        return None
