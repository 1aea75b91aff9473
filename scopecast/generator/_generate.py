"""The generation loop: one random stream, one trace at a time, in the trace format.

For trace ``i`` of seed ``s``: draw a user (by activity), a task family (by the user's
preferences), the person it is about (usually one of the user's usual collaborators or
contacts) and how the task names them, the entities; compose the text and intended steps;
maybe add a long-tail request; resolve the steps to tools (the plan); decide whether the
agent writes the plan down; execute with divergence. Everything is drawn from one
``random.Random(seed)`` in a fixed order, and nothing reads the clock or iterates a set, so
one seed gives byte-identical output, and the first ``n`` traces of a longer run are the
same as a run of ``n``.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

from scopecast.catalogue import Catalogue
from scopecast.exceptions import ConfigError
from scopecast.generator._catalogue import TailTool, ToolIndex, build_tool_index, default_catalogue
from scopecast.generator._entities import fill_slots
from scopecast.generator._execution import Executor, PlannedStep
from scopecast.generator._families_work import TEAM_FAMILIES
from scopecast.generator._families_workplace import WORKPLACE_FAMILIES
from scopecast.generator._family import Family, Step, compose_task
from scopecast.generator._population import (
    COLLABORATOR_CUMWEIGHTS,
    EXTERNAL_CUMWEIGHTS,
    World,
    build_world,
    pick_usual,
)
from scopecast.generator._rates import GeneratorRates
from scopecast.generator._stats import GenerationStats
from scopecast.generator._tools import TOOL_TABLE
from scopecast.traces import Trace

__all__ = ["FAMILIES", "generate_lines", "generate_records", "generate_traces", "make_world"]

FAMILIES: tuple[Family, ...] = WORKPLACE_FAMILIES + TEAM_FAMILIES
"""Every task family of the generative model."""

FIRST_DAY = date(2026, 1, 5)
N_DAYS = 120
_DAYS = tuple((FIRST_DAY + timedelta(days=d)).isoformat() for d in range(N_DAYS))


def _capabilities() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for line in TOOL_TABLE.strip().splitlines():
        seen.setdefault(line.split("|")[0].strip(), None)
    return tuple(seen)


def make_world(rates: GeneratorRates | None = None, world_seed: int = 0) -> World:
    """Build the world (organisations, users, habits) the generator draws from."""
    return build_world(FAMILIES, _capabilities(), rates or GeneratorRates(), world_seed)


def _tail_tables(index: ToolIndex) -> dict[str, tuple[tuple[TailTool, ...], tuple[float, ...]]]:
    tables = {}
    for suite in ("google", "microsoft"):
        tools = tuple(t for t in index.tail if t.suite in (None, suite))
        tables[suite] = (tools, tuple(accumulate(t.weight for t in tools)))
    return tables


def generate_records(
    n: int,
    seed: int,
    catalogue: Catalogue | None = None,
    *,
    world_seed: int = 0,
    rates: GeneratorRates | None = None,
    id_prefix: str = "synthetic",
    stats: GenerationStats | None = None,
) -> Iterator[dict[str, object]]:
    """Yield ``n`` traces as trace-format dicts (keys in the format's order).

    Parameters
    ----------
    n : int
        How many traces.
    seed : int
        Seed of the trace stream.
    catalogue : Catalogue, optional
        Catalogue the traces must agree with (default: the bundled real-provider one).
    world_seed : int
        Seed of the organisations and users (default 0, shared across trace seeds).
    rates : GeneratorRates, optional
        Probabilities of the generative model (default: the documented ones).
    id_prefix : str
        Trace ids are ``{id_prefix}/s{seed}/{i:07d}``.
    stats : GenerationStats, optional
        Counters to accumulate what happened into.

    Raises
    ------
    ConfigError
        If ``n`` is negative or the catalogue knows none of the generator's tools.
    """
    if n < 0:
        raise ConfigError(f"The number of traces must be >= 0. Got {n} instead.")
    rates = rates or GeneratorRates()
    stats = stats if stats is not None else GenerationStats()
    index = build_tool_index(catalogue if catalogue is not None else default_catalogue())
    world = make_world(rates, world_seed)
    tails = _tail_tables(index)
    rng = random.Random(seed)
    executor = Executor(rng, index, rates, stats)
    families = world.families
    for i in range(n):
        user = world.pick_user(rng)
        target = rng.random() * user.family_cumweights[-1]
        chosen = families[bisect.bisect_right(user.family_cumweights, target)]
        person_named: bool | None = None
        if chosen.person == "external":
            who = (
                pick_usual(rng, user.externals, EXTERNAL_CUMWEIGHTS)
                if rng.random() < rates.collaborator_habit
                else user.org.externals[int(rng.random() * len(user.org.externals))]
            )
            form = int(rng.random() * 2)
            mention = who.full if form == 0 else who.email
            person_named = form == 0
        else:
            who = (
                pick_usual(rng, user.collaborators, COLLABORATOR_CUMWEIGHTS)
                if rng.random() < rates.collaborator_habit
                else user.org.members[int(rng.random() * len(user.org.members))]
            )
            roll = rng.random()
            mention = who.first if roll < 0.45 else who.full if roll < 0.75 else who.email
            person_named = roll < 0.75
            if chosen.person == "none":
                person_named = None
        values = fill_slots(rng, mention, who.email, user.org.name, user.channel)
        if chosen.person == "external":
            values["customer"] = who.company
        values["repo_path"] = f"{user.org.name}/{values['repo']}"
        extra: TailTool | None = None
        extra_clause = None
        if rng.random() < rates.rare_clause:
            tools, cumulative = tails[user.org.providers["suite"]]
            if tools:
                extra = tools[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
                extra_clause = extra.clauses[int(rng.random() * len(extra.clauses))].render(
                    rng, values
                )
                stats.rare_traces += 1
        text, steps = compose_task(rng, chosen, values, extra_clause)
        planned = executor.resolve(user, steps)
        if extra is not None:
            planned.append(
                PlannedStep(Step("tail." + extra.variant.name), (extra.variant,), extra.variant)
            )
        has_plan = rng.random() < user.agent.plan_share
        mentions_date = "date" in chosen.slots or "deadline" in chosen.slots
        calls = executor.execute(user, planned, values, person_named, mentions_date)
        day = _DAYS[int(rng.random() * N_DAYS)]
        minute = 7 * 60 + int(rng.random() * 12 * 60)
        record: dict[str, object] = {
            "trace_id": f"{id_prefix}/s{seed}/{i:07d}",
            "task": text,
            "context": {
                "domain": user.team,
                "user": user.user_id,
                "org": user.org.name,
                "agent": user.agent.name,
            },
        }
        stats.traces += 1
        stats.calls += len(calls)
        if has_plan:
            record["plan"] = [
                {"tool": p.planned.name, "scopes": list(p.planned.scopes)} for p in planned
            ]
            stats.traces_with_plan += 1
            _count_divergence(stats, planned, calls)
        record["calls"] = calls
        record["started_at"] = f"{day}T{minute // 60:02d}:{minute % 60:02d}:00Z"
        yield record


def _count_divergence(
    stats: GenerationStats, planned: list[PlannedStep], calls: list[dict[str, object]]
) -> None:
    plan_tools = [p.planned.name for p in planned]
    call_tools = [str(c["tool"]) for c in calls]
    if plan_tools != call_tools:
        stats.plan_traces_diverged += 1
    plan_scopes = {s for p in planned for s in p.planned.scopes}
    call_scopes = {s for c in calls for s in c["scopes"]}  # type: ignore[attr-defined]  # a list of scopes
    if call_scopes - plan_scopes:
        stats.plan_traces_unplanned_scope += 1
    if plan_scopes - call_scopes:
        stats.plan_traces_unused_scope += 1


def generate_lines(
    n: int,
    seed: int,
    catalogue: Catalogue | None = None,
    *,
    world_seed: int = 0,
    rates: GeneratorRates | None = None,
    id_prefix: str = "synthetic",
    stats: GenerationStats | None = None,
) -> Iterator[str]:
    """Yield ``n`` traces as JSON Lines records (no newline), byte for byte as
    :func:`~scopecast.write_traces` writes them; parameters as :func:`generate_records`."""
    for record in generate_records(
        n, seed, catalogue, world_seed=world_seed, rates=rates, id_prefix=id_prefix, stats=stats
    ):
        yield json.dumps(record, ensure_ascii=True)


def generate_traces(
    n: int,
    seed: int,
    catalogue: Catalogue | None = None,
    *,
    world_seed: int = 0,
    rates: GeneratorRates | None = None,
    id_prefix: str = "synthetic",
    stats: GenerationStats | None = None,
) -> Iterator[Trace]:
    """Yield ``n`` synthetic plan traces, validated by the trace format's models.

    Deterministic per ``seed`` (and ``world_seed``); see :func:`generate_records` for the
    parameters and the package docstring for the generative model.

    Examples
    --------
    >>> traces = list(generate_traces(3, seed=7))
    >>> [t.trace_id for t in traces]
    ['synthetic/s7/0000000', 'synthetic/s7/0000001', 'synthetic/s7/0000002']
    """
    for record in generate_records(
        n, seed, catalogue, world_seed=world_seed, rates=rates, id_prefix=id_prefix, stats=stats
    ):
        yield Trace.model_validate_json(json.dumps(record))
