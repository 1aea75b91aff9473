"""Task families: what kind of request a task is, how it is phrased, and which steps it takes.

A :class:`Family` has several *core* phrasings (templates with inline alternatives), the
*steps* every task of the family takes (capabilities, not tools: the organisation picks
the provider and the user's habit picks the tool), and *options*: clauses that appear in a
share of its tasks and add steps. An option whose steps have ``branch < 1`` is a
conditional ("if nobody replied by Friday, nudge them"): the agent plans the branch, and
it runs with probability ``branch``. :func:`compose_task` draws one task: its text and its
intended steps, in order.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from scopecast.generator._phrasing import CLOSERS, OPENERS, Template, capitalise, parse_template

__all__ = ["Family", "Option", "Step", "compose_task"]

PersonKind = Literal["colleague", "external", "none"]


@dataclass(frozen=True)
class Step:
    """One intended step of a task.

    Attributes
    ----------
    capability : str
        What the step does (``mail.send``); the organisation's provider and the user's
        habit turn it into a tool.
    branch : float
        Probability that the step runs once planned: 1 for an unconditional step, less for
        a conditional branch that may never run.
    person : bool
        Whether the step addresses the task's person (the agent may discover it must look
        them up first when the task names them without an address).
    """

    capability: str
    branch: float = 1.0
    person: bool = False


@dataclass(frozen=True)
class Option:
    """An optional clause of a family's task and the steps it adds.

    Attributes
    ----------
    clauses : tuple[Template, ...]
        Alternative phrasings of the clause.
    rate : float
        Share of the family's tasks whose text includes the clause.
    steps : tuple[Step, ...]
        Steps the clause adds.
    sentence : bool
        Whether the clause is its own sentence (conditionals) rather than joined with "and".
    at : {"end", "before_last", "start"}
        Where its steps go among the family's steps.
    """

    clauses: tuple[Template, ...]
    rate: float
    steps: tuple[Step, ...]
    sentence: bool = False
    at: Literal["end", "before_last", "start"] = "end"


@dataclass(frozen=True)
class Family:
    """A kind of task: its phrasings, its steps, its options and who asks for it.

    Attributes
    ----------
    name : str
        Identifier, e.g. ``"reply_email"``.
    teams : Mapping[str, float]
        Relative weight of the family in each team's work (teams not listed never ask it).
    cores : tuple[Template, ...]
        Alternative core phrasings: imperatives with a lower-case start, or statements
        marked with a leading ``^`` (no opener such as "can you" is put before them).
    steps : tuple[Step, ...]
        Steps every task of the family takes.
    options : tuple[Option, ...]
        Optional clauses.
    person : {"colleague", "external", "none"}
        Whom ``{person}`` refers to.
    """

    name: str
    teams: Mapping[str, float]
    cores: tuple[Template, ...]
    steps: tuple[Step, ...]
    options: tuple[Option, ...] = ()
    person: PersonKind = "colleague"
    slots: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names: set[str] = set()
        for template in self.cores:
            names |= template.slots
        for option in self.options:
            for template in option.clauses:
                names |= template.slots
        object.__setattr__(self, "slots", frozenset(names))


def family(
    name: str,
    teams: Mapping[str, float],
    cores: tuple[str, ...],
    steps: tuple[Step, ...],
    options: tuple[Option, ...] = (),
    person: PersonKind = "colleague",
) -> Family:
    """Build a :class:`Family` from template strings."""
    return Family(
        name, dict(teams), tuple(parse_template(c) for c in cores), steps, options, person
    )


def option(
    clauses: tuple[str, ...],
    rate: float,
    steps: tuple[Step, ...],
    *,
    sentence: bool = False,
    at: Literal["end", "before_last", "start"] = "end",
) -> Option:
    """Build an :class:`Option` from template strings."""
    return Option(tuple(parse_template(c) for c in clauses), rate, steps, sentence, at)


_JOINERS = (" and ", ", then ", ", and also ", "; also ", " and then ", ", plus ")


def _pick(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[int(rng.random() * len(items))]


def compose_task(
    rng: random.Random,
    chosen: Family,
    values: Mapping[str, str],
    extra_clause: str | None = None,
) -> tuple[str, list[Step]]:
    """Draw one task of ``chosen``: its text and its intended steps in order.

    ``extra_clause`` (a long-tail request, already rendered) is joined with "and" after
    the family's own clauses; its step is added by the caller.
    """
    opener, is_question = OPENERS[int(rng.random() * len(OPENERS))]
    core = chosen.cores[int(rng.random() * len(chosen.cores))].render(rng, values)
    if core.startswith("^"):  # a statement, not an imperative: no opener
        opener, is_question, core = "", False, core[1:]
    text = opener + core
    sentences: list[str] = []
    steps = list(chosen.steps)
    for opt in chosen.options:
        if rng.random() >= opt.rate:
            continue
        clause = opt.clauses[int(rng.random() * len(opt.clauses))].render(rng, values)
        if opt.sentence:
            sentences.append(capitalise(clause))
        else:
            text += _pick(rng, _JOINERS) + clause
        if opt.at == "end":
            steps.extend(opt.steps)
        elif opt.at == "start":
            steps[0:0] = opt.steps
        else:
            steps[len(steps) - 1 : len(steps) - 1] = opt.steps
    if extra_clause is not None:
        text += _pick(rng, _JOINERS) + extra_clause
    closer = _pick(rng, CLOSERS)
    if "{deadline}" in closer:
        closer = closer.replace("{deadline}", values["deadline"])
    text += closer
    if sentences:
        text += ". " + ". ".join(sentences) + "."
    elif is_question:
        text += "?"
    else:
        text += _pick(rng, (".", ".", "", "!"))
    return capitalise(text), steps
