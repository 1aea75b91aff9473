"""The pydantic models of the trace format: :class:`Trace`, its :class:`Call` and :class:`PlanStep`.

The format is specified in ``trace-format.md``; these models are its source of truth. They
reject unknown fields, wrong types and malformed scope strings, and never coerce a value
(a Python list where a tuple is held is taken as that tuple; its items are still checked).
Reading and writing trace files is :mod:`scopecast.traces`, which re-exports these models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
)

from scopecast._types import CallStatus, Scope, ToolName

__all__ = ["Call", "PlanStep", "Trace", "needed_scopes"]


def _check_iso8601(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError as err:
        raise ValueError("expected an ISO-8601 timestamp such as '2026-03-02T10:14:00Z'") from err
    return value


def _reject_json_null(value: object, info: ValidationInfo) -> object:
    # The format has no null for optional call fields or started_at: leave them out instead.
    # Python code may still pass None (the writer then leaves the field out).
    if value is None and info.mode == "json":
        raise ValueError("null is not allowed here; leave the field out instead")
    return value


NoJsonNull = BeforeValidator(_reject_json_null)


def _list_as_tuple(value: object) -> object:
    # Python code writes lists (PlanStep(tool=..., scopes=["google:gmail.send"])), which
    # strict mode refuses for a tuple; a JSON array reaches this validator as a list too.
    # Only the container is converted: every element is still validated strictly.
    return tuple(value) if isinstance(value, list) else value


ListAsTuple = BeforeValidator(_list_as_tuple)
Timestamp = Annotated[str, AfterValidator(_check_iso8601)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class PlanStep(BaseModel):
    """One step of an articulated plan: the tool the agent meant to call and its scopes."""

    model_config = _STRICT

    tool: ToolName = Field(description="Tool name as the agent's toolset names it.")
    scopes: Annotated[tuple[Scope, ...], ListAsTuple] = Field(
        description="Scopes the step would need."
    )


class Call(BaseModel):
    """One executed tool call and the scopes it needed."""

    model_config = _STRICT

    tool: ToolName = Field(description="Tool name as the agent's toolset names it.")
    scopes: Annotated[tuple[Scope, ...], ListAsTuple] = Field(
        description="Scopes this call needed (may be empty)."
    )
    args: Annotated[dict[str, JsonValue] | None, NoJsonNull] = Field(
        default=None, description="Arguments; never a model feature unless a feature says so."
    )
    status: CallStatus = Field(
        default="ok", description="'denied': the user refused the scope at the point of execution."
    )
    at: Annotated[Timestamp | None, NoJsonNull] = Field(
        default=None, description="When the call started (ISO-8601)."
    )


class Trace(BaseModel):
    """One agent run: task, pre-start context and plan, and the calls actually made.

    The *needed scopes* of a trace (the label the model learns) are the union of the
    scopes of its calls: :attr:`needed_scopes`.
    """

    model_config = _STRICT

    trace_id: NonEmptyText = Field(description="Unique within a file set.")
    task: NonEmptyText = Field(description="The request as the agent received it.")
    context: dict[str, str] = Field(
        default_factory=dict, description="What is known before the start: domain, user, org, ..."
    )
    plan: Annotated[tuple[PlanStep, ...] | None, ListAsTuple] = Field(
        default=None, description="The articulated plan, if the agent wrote one before starting."
    )
    calls: Annotated[tuple[Call, ...], ListAsTuple] = Field(
        description="Tool calls the agent executed, in order."
    )
    started_at: Annotated[Timestamp | None, NoJsonNull] = Field(
        default=None, description="When the run started."
    )

    @property
    def needed_scopes(self) -> frozenset[str]:
        """The union of ``calls[].scopes``: what the run needed."""
        return needed_scopes(self.calls)

    @property
    def plan_scopes(self) -> frozenset[str] | None:
        """The union of the plan steps' scopes, or ``None`` when the trace has no plan."""
        if self.plan is None:
            return None
        return frozenset(scope for step in self.plan for scope in step.scopes)


def needed_scopes(calls: Iterable[Call]) -> frozenset[str]:
    """Return the union of the scopes of ``calls``."""
    return frozenset(scope for call in calls for scope in call.scopes)
