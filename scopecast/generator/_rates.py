"""The generator's documented rates: plan share, divergence, habits and the long tail.

Every probability of the generative model that is not a property of one task family lives
here, with its default, so that ``data/README.md`` and the tests quote one source. The
tests check each rate on generated data within sampling tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scopecast.exceptions import ConfigError

__all__ = ["AGENTS", "AgentProfile", "GeneratorRates"]


@dataclass(frozen=True)
class AgentProfile:
    """An agent (model) the users run, with how it plans and how often its calls fail.

    Attributes
    ----------
    name : str
        As it appears in ``context.agent``.
    weight : float
        How many organisations use it, relatively.
    plan_share : float
        Probability that a run of this agent starts with an articulated plan.
    error_multiplier : float
        Multiplies :attr:`GeneratorRates.call_error` for its calls.
    """

    name: str
    weight: float
    plan_share: float
    error_multiplier: float


AGENTS: tuple[AgentProfile, ...] = (
    AgentProfile("gpt-4o", 3.0, 0.8, 0.8),
    AgentProfile("claude-3.5-sonnet", 3.0, 0.75, 0.7),
    AgentProfile("gemini-1.5-pro", 2.0, 0.6, 1.0),
    AgentProfile("llama-3.1-70b", 1.0, 0.35, 1.6),
    AgentProfile("mistral-large", 1.0, 0.4, 1.4),
)
"""The agents of the generated world; a user runs one agent (their organisation's choice)."""


@dataclass(frozen=True)
class GeneratorRates:
    """Probabilities of the generative model (defaults are the documented ones).

    Attributes
    ----------
    habit_strength : float
        Probability that a user calls their habitual tool for a capability; otherwise a
        variant is drawn uniformly (so the habitual one is used with
        ``habit + (1 - habit) / k`` among ``k`` variants).
    collaborator_habit : float
        Probability that the person a task is about is one of the user's four usual
        collaborators (weights 0.4, 0.3, 0.2, 0.1) rather than anyone in the organisation.
    lookup_if_named : float
        Probability that the agent discovers it must look a person up (contacts, chat
        directory, CRM...) before a step addressing someone the task names without an
        address; ``lookup_if_address`` when the task gives the email address.
    read_before_write : float
        Probability of an unplanned read (search the calendar, read the issue, find the
        page) before a write step whose object the run has not read yet.
    check_date : float
        Probability of an unplanned, scope-free date check at the start of a task that
        mentions a date.
    substitution : float
        Probability that a step runs with another tool variant than the planned one (when
        the provider offers more than one).
    call_error : float
        Probability that a call fails (``status: "error"``), times the agent's multiplier.
    retry : float
        Probability that a failed call is retried (up to ``max_retries`` times); otherwise
        the agent falls back to another variant if one exists, else moves on.
    denial : float
        Probability that the user refuses a call needing a scope of risk >= 0.6
        (``status: "denied"``).
    stop_after_denial : float
        Probability that the run ends at a denial (otherwise it skips that step).
    rare_clause : float
        Share of tasks with a long-tail request (a rare tool, Zipf-weighted).
    """

    habit_strength: float = 0.85
    collaborator_habit: float = 0.8
    lookup_if_named: float = 0.6
    lookup_if_address: float = 0.05
    read_before_write: float = 0.3
    check_date: float = 0.15
    substitution: float = 0.1
    call_error: float = 0.04
    retry: float = 0.8
    max_retries: int = 2
    denial: float = 0.04
    stop_after_denial: float = 0.5
    rare_clause: float = 0.06
    agents: tuple[AgentProfile, ...] = field(default=AGENTS)

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, float) and not 0.0 <= value <= 1.0:
                raise ConfigError(
                    f"GeneratorRates.{name} must be a probability in [0, 1]. Got {value} instead."
                )
        if self.max_retries < 0:
            raise ConfigError(
                f"GeneratorRates.max_retries must be >= 0. Got {self.max_retries} instead."
            )
        if not self.agents:
            raise ConfigError("GeneratorRates.agents must list at least one agent.")
