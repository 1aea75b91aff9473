"""Plans and adaptive divergence: from a task's intended steps to the plan and the calls made.

The agent first resolves each intended step to a tool: the organisation's provider for the
step's category, then the user's habitual variant (``habit_strength``). Those resolved
steps, conditional branches included, are the articulated **plan** (written for a share of
runs that depends on the agent, see ``AGENTS``). Execution then diverges from it:

- **planned branches that never run**: a conditional step runs with its family's
  ``branch`` probability;
- **extra lookups the agent discovers it needs**: before a step addressing a person the
  task names without an address, a lookup (contacts, chat directory, CRM, Stripe customer,
  Jira user) with probability ``lookup_if_named`` (``lookup_if_address`` when the address
  is given); before a write whose object was not read yet, the matching read with
  probability ``read_before_write``; a scope-free date check (``check_date``);
- **tool substitutions**: another variant than the planned one (``substitution``), and a
  fallback to another variant when a failed call is not retried;
- **failed calls and retries**: each attempt fails with ``call_error`` times the agent's
  multiplier (``status: "error"``), and is retried with probability ``retry``;
- **denials**: the user refuses a call needing a scope of risk >= 0.6 with probability
  ``denial`` (``status: "denied"``); the run then ends with probability ``stop_after_denial``.

Every call's scopes are exactly its tool's scopes in the catalogue, whatever its status.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from scopecast.generator._catalogue import ToolIndex, ToolVariant
from scopecast.generator._family import Step
from scopecast.generator._population import CATEGORY_OF, User
from scopecast.generator._rates import GeneratorRates
from scopecast.generator._stats import GenerationStats

__all__ = ["Executor", "PlannedStep"]

LOOKUP_FOR: dict[str, str] = {
    "mail": "contacts.lookup", "cal": "contacts.lookup", "files": "contacts.lookup",
    "doc": "contacts.lookup", "chat": "chat.lookup_user", "issue": "issue.find_user",
    "crm": "crm.find_contact", "pay": "pay.find_customer", "code": "code.list_members",
}  # fmt: skip
"""Capability prefix of a person-addressing step -> the lookup the agent may discover it needs."""

READ_BEFORE: dict[str, str] = {
    "cal.update_event": "cal.list_events", "cal.delete_event": "cal.list_events",
    "issue.update": "issue.read", "issue.comment": "issue.read", "issue.assign": "issue.read",
    "wiki.update_page": "wiki.read", "crm.update_deal": "crm.find_deal",
    "crm.update_contact": "crm.find_contact", "files.share_internal": "files.search",
    "files.share_external": "files.search", "mail.reply": "mail.read", "mail.archive": "mail.search",
    "sheet.append": "sheet.read", "doc.append": "doc.read", "pay.refund": "pay.list_charges",
    "pay.send_invoice": "pay.list_invoices", "code.commit": "code.read_file",
    "code.merge": "code.review", "mail.delete": "mail.search",
}  # fmt: skip
"""Write capability -> the read the agent may discover it needs first."""

ARG_SLOTS: dict[str, tuple[str, str]] = {
    "mail.send": ("to", "email"), "mail.reply": ("to", "email"), "mail.draft": ("to", "email"),
    "chat.post": ("channel", "channel"), "chat.read_channel": ("channel", "channel"),
    "code.read_file": ("repo", "repo_path"), "code.open_pr": ("repo", "repo_path"),
    "code.read_ci": ("repo", "repo_path"), "code.release": ("repo", "repo_path"),
    "issue.read": ("issue", "issue"), "issue.comment": ("issue", "issue"),
    "pay.refund": ("amount", "amount"), "pay.create_invoice": ("amount", "amount"),
    "files.search": ("query", "topic"), "mail.search": ("query", "topic"),
}  # fmt: skip
"""Capability -> (argument name, slot) recorded in ``calls[].args``."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """An intended step resolved to a tool: the step, its variants on the provider, the planned one."""

    step: Step
    options: tuple[ToolVariant, ...]
    planned: ToolVariant


class Executor:
    """Resolves steps to tools and executes them with divergence, counting into ``stats``."""

    def __init__(
        self, rng: random.Random, index: ToolIndex, rates: GeneratorRates, stats: GenerationStats
    ) -> None:
        self._rng = rng
        self._index = index
        self._rates = rates
        self._stats = stats
        date_tools = index.options("time.now", "builtin")
        self._date_tool = date_tools[0] if date_tools else None

    def options(self, user: User, capability: str) -> tuple[ToolVariant, ...]:
        """The variants of ``capability`` on the user's organisation's provider."""
        provider = user.org.providers[CATEGORY_OF[capability.partition(".")[0]]]
        return self._index.options(capability, provider)

    def habitual(
        self, user: User, capability: str, options: tuple[ToolVariant, ...]
    ) -> ToolVariant:
        """The variant the user reaches for: their habit, or any variant uniformly."""
        k = len(options)
        if k == 1:
            return options[0]
        habit = self._rates.habit_strength
        favourite = user.habitual_index(capability, k)
        stats = self._stats
        stats.habit_opportunities += 1
        stats.habit_expected += habit + (1.0 - habit) / k
        choice = favourite if self._rng.random() < habit else int(self._rng.random() * k)
        if choice == favourite:
            stats.habit_uses += 1
        return options[choice]

    def resolve(self, user: User, steps: list[Step]) -> list[PlannedStep]:
        """Turn intended steps into planned tools (steps with no tool in the catalogue are dropped)."""
        planned = []
        for step in steps:
            options = self.options(user, step.capability)
            if options:
                planned.append(
                    PlannedStep(step, options, self.habitual(user, step.capability, options))
                )
        return planned

    def _attempt(
        self,
        variant: ToolVariant,
        calls: list[dict[str, object]],
        args: dict[str, object] | None,
        error_p: float,
    ) -> str:
        """Run one step's tool with denial, failures, retries and fallback; return the final status."""
        rng, rates, stats = self._rng, self._rates, self._stats
        if variant.deniable:
            stats.denial_opportunities += 1
            if rng.random() < rates.denial:
                stats.denials += 1
                calls.append(_call(variant, args, "denied"))
                return "denied"
        retries_left = rates.max_retries
        while True:
            stats.attempts += 1
            if rng.random() >= error_p:
                calls.append(_call(variant, args, "ok"))
                return "ok"
            stats.errors += 1
            calls.append(_call(variant, args, "error"))
            if retries_left > 0:
                stats.retry_opportunities += 1
                if rng.random() < rates.retry:
                    stats.retries += 1
                    retries_left -= 1
                    continue
            return "error"

    def execute(
        self,
        user: User,
        planned: list[PlannedStep],
        values: dict[str, str],
        person_named: bool | None,
        mentions_date: bool,
    ) -> list[dict[str, object]]:
        """Execute ``planned`` with adaptive divergence; return the calls as trace-format dicts.

        ``person_named`` is ``None`` when the task is about nobody in particular, else
        whether it names the person without giving their address.
        """
        rng, rates, stats = self._rng, self._rates, self._stats
        error_p = rates.call_error * user.agent.error_multiplier
        calls: list[dict[str, object]] = []
        done: set[str] = set()
        if mentions_date and self._date_tool is not None and rng.random() < rates.check_date:
            calls.append(_call(self._date_tool, None, "ok"))
        for item in planned:
            step = item.step
            capability = step.capability
            if step.branch < 1.0:
                stats.branch_opportunities += 1
                if rng.random() >= step.branch:
                    continue
                stats.branches_run += 1
            if step.person and person_named is not None:
                self._discover_lookup(user, capability, person_named, values, calls, done, error_p)
            read = READ_BEFORE.get(capability)
            if read is not None and read not in done:
                read_options = self.options(user, read)
                if read_options:
                    stats.read_opportunities += 1
                    if rng.random() < rates.read_before_write:
                        stats.reads += 1
                        variant = self.habitual(user, read, read_options)
                        self._attempt(variant, calls, _args(read, values), error_p)
                        done.add(read)
            variant = item.planned
            if len(item.options) > 1:
                stats.substitution_opportunities += 1
                if rng.random() < rates.substitution:
                    stats.substitutions += 1
                    others = [v for v in item.options if v is not variant]
                    variant = others[int(rng.random() * len(others))]
            args = _args(capability, values)
            status = self._attempt(variant, calls, args, error_p)
            if status == "error" and len(item.options) > 1:
                others = [v for v in item.options if v is not variant]
                status = self._attempt(
                    others[int(rng.random() * len(others))], calls, args, error_p
                )
            if status == "denied" and rng.random() < rates.stop_after_denial:
                stats.stops += 1
                break
            done.add(capability)
        return calls

    def _discover_lookup(
        self,
        user: User,
        capability: str,
        person_named: bool,
        values: dict[str, str],
        calls: list[dict[str, object]],
        done: set[str],
        error_p: float,
    ) -> None:
        lookup = LOOKUP_FOR.get(capability.partition(".")[0])
        if lookup is None or lookup in done or lookup == capability:
            return
        options = self.options(user, lookup)
        if not options:
            return
        stats = self._stats
        if person_named:
            stats.lookup_named_opportunities += 1
            happens = self._rng.random() < self._rates.lookup_if_named
            stats.lookups_named += happens
        else:
            stats.lookup_address_opportunities += 1
            happens = self._rng.random() < self._rates.lookup_if_address
            stats.lookups_address += happens
        done.add(lookup)
        if happens:
            self._attempt(self.habitual(user, lookup, options), calls, None, error_p)


def _args(capability: str, values: dict[str, str]) -> dict[str, object] | None:
    slot = ARG_SLOTS.get(capability)
    return {slot[0]: values[slot[1]]} if slot is not None else None


def _call(variant: ToolVariant, args: dict[str, object] | None, status: str) -> dict[str, object]:
    call: dict[str, object] = {"tool": variant.name, "scopes": list(variant.scopes)}
    if args is not None:
        call["args"] = args
    if status != "ok":
        call["status"] = status
    return call
