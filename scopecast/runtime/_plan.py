"""The authorization plan: what to ask before the agent starts (by provider) and what to leave.

:class:`AuthorizationPlan` is what :meth:`~scopecast.runtime.PreAuthorizer.plan` returns
before every agent start. Its upfront scopes are known as soon as the policy has decided;
the per-scope explanation (one :class:`PlannedScope` with its probability and reason for
every candidate, most of them deferred) costs more to write than the decision itself, so a
plan made by the policy writes it only when ``upfront`` or ``deferred`` is first read.
Everything else behaves as a frozen pydantic model: the same constructor, ``model_validate``,
``model_validate_json``, ``model_dump``, ``model_dump_json``, equality, and use as a field
of another pydantic model; its JSON form is that of :class:`PlanFields`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from scopecast.catalogue import Catalogue
from scopecast.policy import UpfrontDecision

__all__ = ["AuthorizationPlan", "PlanFields", "PlannedScope", "ProviderConsent"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PlannedScope(BaseModel):
    """One scope of the plan with the predicted probability and the policy's reason."""

    model_config = _FROZEN

    scope: str = Field(description="The scope name.")
    provider: str = Field(description="Its provider (one consent screen).")
    probability: float = Field(ge=0.0, le=1.0, description="P(the run needs it), predicted.")
    reason: str = Field(description="Why it is asked now or left to the point of execution.")


class ProviderConsent(BaseModel):
    """The upfront scopes of one provider: one consent screen before the start."""

    model_config = _FROZEN

    provider: str = Field(description="The provider.")
    scopes: tuple[PlannedScope, ...] = Field(description="Its upfront scopes, by name.")


class PlanFields(BaseModel):
    """The fields of an :class:`AuthorizationPlan`: its schema and its JSON form."""

    model_config = _FROZEN

    task: str = Field(description="The task planned for.")
    upfront: tuple[ProviderConsent, ...] = Field(description="Asked before the start.")
    deferred: tuple[PlannedScope, ...] = Field(description="Left to the point of execution.")
    degraded: bool = Field(default=False, description="True when no model could be used.")
    warning: str | None = Field(default=None, description="Why the plan is degraded.")


def _explain(
    decision: UpfrontDecision, catalogue: Catalogue
) -> tuple[tuple[ProviderConsent, ...], tuple[PlannedScope, ...]]:
    """The plan's upfront consents and deferred scopes, from the policy's decision."""
    rows = decision.rows
    if rows is not None:
        held = rows.catalogue.closure(rows.upfront)
        planned = [
            (
                PlannedScope(
                    scope=row[0], provider=row[1], probability=row[2], reason=rows.reason(row, held)
                ),
                row[0] in rows.upfront,
            )
            for row in rows.rows()
        ]
    else:
        planned = [
            (
                PlannedScope(
                    scope=d.scope, provider=d.provider, probability=d.probability, reason=d.reason
                ),
                d.is_upfront,
            )
            for d in decision.decisions
        ]
    upfront: dict[str, list[PlannedScope]] = {}
    deferred: list[PlannedScope] = []
    for scope, is_upfront in planned:
        if is_upfront and not catalogue.is_jit_only(scope.scope):
            upfront.setdefault(scope.provider, []).append(scope)
        else:
            deferred.append(scope)
    return (
        tuple(
            ProviderConsent(provider=p, scopes=tuple(sorted(s, key=lambda x: x.scope)))
            for p, s in sorted(upfront.items())
        ),
        tuple(sorted(deferred, key=lambda x: (-x.probability, x.scope))),
    )


class AuthorizationPlan:
    """What :class:`~scopecast.runtime.PreAuthorizer` advises before an agent starts.

    ``upfront`` is asked before the start (one consent per provider, never a ``jit_only``
    scope); ``deferred`` are the candidates left to the point of execution, where the guard
    asks them if and when a call needs them. A degraded plan (no usable model) asks nothing
    up front: the guard alone keeps every call within its grants.

    Immutable; constructed and validated like a pydantic model with the fields of
    :class:`PlanFields` (``task``, ``upfront``, ``deferred``, ``degraded``, ``warning``).
    """

    # Three slots, so that a plan made before every agent start costs three
    # ``object.__setattr__`` calls: ``degraded`` and ``warning`` are read from the fields
    # (a plan made from a policy decision is never degraded), the decision and its
    # catalogue are one slot.
    __slots__ = ("_fields", "_source", "task")

    task: str
    _fields: PlanFields | None
    _source: tuple[UpfrontDecision, Catalogue] | None

    def __init__(self, **data: Any) -> None:
        self._set_fields(PlanFields(**data))

    def _set_fields(self, fields: PlanFields) -> None:
        object.__setattr__(self, "task", fields.task)
        object.__setattr__(self, "_fields", fields)
        object.__setattr__(self, "_source", None)

    @classmethod
    def from_decision(
        cls, task: str, decision: UpfrontDecision, catalogue: Catalogue
    ) -> AuthorizationPlan:
        """The plan of a policy decision; its per-scope explanation is written on first read."""
        plan = cls.__new__(cls)
        object.__setattr__(plan, "task", task)
        object.__setattr__(plan, "_fields", None)
        object.__setattr__(plan, "_source", (decision, catalogue))
        return plan

    @classmethod
    def _from_fields(cls, fields: PlanFields) -> AuthorizationPlan:
        plan = cls.__new__(cls)
        plan._set_fields(fields)
        return plan

    def fields(self) -> PlanFields:
        """The plan as the pydantic model of its fields (written now if it was not yet)."""
        if self._fields is None:
            assert self._source is not None
            upfront, deferred = _explain(*self._source)
            fields = PlanFields.model_construct(
                task=self.task, upfront=upfront, deferred=deferred, degraded=False, warning=None
            )
            object.__setattr__(self, "_fields", fields)
            return fields
        return self._fields

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"AuthorizationPlan is immutable; cannot set {name!r}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"AuthorizationPlan is immutable; cannot delete {name!r}.")

    @property
    def degraded(self) -> bool:
        """True when no model could be used: nothing is asked up front."""
        return self._fields is not None and self._fields.degraded

    @property
    def warning(self) -> str | None:
        """Why the plan is degraded (``None`` if it is not)."""
        return None if self._fields is None else self._fields.warning

    @property
    def upfront(self) -> tuple[ProviderConsent, ...]:
        """Asked before the start: one consent per provider, scopes sorted by name."""
        return self.fields().upfront

    @property
    def deferred(self) -> tuple[PlannedScope, ...]:
        """Left to the point of execution, most likely first."""
        return self.fields().deferred

    @property
    def upfront_scopes(self) -> frozenset[str]:
        """Every upfront scope (pass to ``ScopeGuard.start(upfront=...)``)."""
        if self._fields is None and self._source is not None:
            decision, catalogue = self._source
            return frozenset(s for s in decision.upfront if not catalogue.is_jit_only(s))
        return frozenset(s.scope for consent in self.upfront for s in consent.scopes)

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers asked before the start (one consent screen each)."""
        if self._fields is None and self._source is not None:
            return tuple(sorted({s.partition(":")[0] for s in self.upfront_scopes}))
        return tuple(consent.provider for consent in self.upfront)

    # -- the pydantic model interface --------------------------------------------------

    @classmethod
    def model_validate(cls, obj: object) -> AuthorizationPlan:
        """Validate a mapping (or a plan) into a plan."""
        if isinstance(obj, AuthorizationPlan):
            return obj
        return cls._from_fields(PlanFields.model_validate(obj))

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> AuthorizationPlan:
        """Validate the JSON form of a plan."""
        return cls._from_fields(PlanFields.model_validate_json(data))

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON schema of a plan (that of :class:`PlanFields`)."""
        return PlanFields.model_json_schema()

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """The plan as a dict (keyword arguments as for ``BaseModel.model_dump``)."""
        return self.fields().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        """The plan as JSON (keyword arguments as for ``BaseModel.model_dump_json``)."""
        return self.fields().model_dump_json(**kwargs)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """A plan passes as it is; a mapping or JSON is validated as :class:`PlanFields`."""
        fields_schema = handler.generate_schema(PlanFields)
        from_fields = core_schema.no_info_after_validator_function(cls._from_fields, fields_schema)
        return core_schema.json_or_python_schema(
            json_schema=from_fields,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_fields]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda plan: plan.fields(), return_schema=fields_schema
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuthorizationPlan):
            return NotImplemented
        return self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        if self._fields is None:
            return (
                f"AuthorizationPlan(task={self.task!r}, "
                f"upfront_scopes={sorted(self.upfront_scopes)!r}, degraded=False)"
            )
        return f"AuthorizationPlan({self._fields!r})"

    def __reduce__(self) -> tuple[Callable[[PlanFields], AuthorizationPlan], tuple[PlanFields]]:
        return (AuthorizationPlan._from_fields, (self.fields(),))
