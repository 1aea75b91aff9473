"""The generated world: organisations, their providers, their users and the users' habits.

An organisation picks one provider per category once: its office suite (Google Workspace
55 %, Microsoft 365 45 %), its chat (Google orgs: Slack; Microsoft orgs: Teams 60 %, Slack
40 %), its tracker (Jira 55 %, GitHub Issues 45 %), its wiki (Confluence for most Jira
orgs, else Notion), its CRM (Salesforce or HubSpot, evenly); code is on GitHub and payments
on Stripe. Every user of an organisation uses its providers, so an org's traces never mix
Gmail and Outlook.

A user belongs to a team (engineering 35 %, sales 20 %, support 15 %, finance 10 %,
operations 10 %, management 10 %: ``context.domain``), runs one agent (their
organisation's standard one for 70 % of users, otherwise their own pick),
has an activity weight (Pareto: a few users run many tasks), task-family preferences (the
team's weights times a per-user Gamma(0.8) factor: people repeat the same kinds of task),
four usual collaborators and three usual external contacts, a usual chat channel, and a
habitual tool variant for every capability (see ``GeneratorRates.habit_strength``).

The world comes from its own seed (``world_seed``, default 0), separate from the trace
seed: two samples with different trace seeds are two periods of the same organisations,
which is how a model trained on one is used on the other.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from itertools import accumulate

from scopecast.generator._entities import CHANNELS, CUSTOMERS, FIRST_NAMES, LAST_NAMES, ORG_NAMES
from scopecast.generator._family import Family
from scopecast.generator._rates import AgentProfile, GeneratorRates

__all__ = [
    "CATEGORY_OF",
    "COLLABORATOR_CUMWEIGHTS",
    "EXTERNAL_CUMWEIGHTS",
    "TEAMS",
    "Org",
    "Person",
    "User",
    "World",
    "build_world",
]

TEAMS: tuple[tuple[str, float], ...] = (
    ("engineering", 0.35),
    ("sales", 0.2),
    ("support", 0.15),
    ("finance", 0.1),
    ("operations", 0.1),
    ("management", 0.1),
)

CATEGORY_OF: dict[str, str] = {
    "mail": "suite", "cal": "suite", "files": "suite", "doc": "suite", "sheet": "suite",
    "contacts": "suite", "directory": "suite", "chat": "chat", "code": "code",
    "issue": "tracker", "wiki": "wiki", "crm": "crm", "pay": "payments", "time": "builtin",
}  # fmt: skip
"""Capability prefix -> provider category of the organisation."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a task can be about: first name, full name, email address and company."""

    first: str
    full: str
    email: str
    company: str


@dataclass(frozen=True)
class Org:
    """An organisation: its name, its provider per category, its people and its customers' contacts."""

    name: str
    providers: dict[str, str]
    members: tuple[Person, ...]
    externals: tuple[Person, ...]


@dataclass(frozen=True)
class User:
    """A user and their habits (see the module docstring)."""

    user_id: str
    person: Person
    org: Org
    team: str
    agent: AgentProfile
    family_cumweights: tuple[float, ...]
    collaborators: tuple[Person, ...]
    externals: tuple[Person, ...]
    channel: str
    habits: dict[str, float]

    def habitual_index(self, capability: str, n_variants: int) -> int:
        """Index of the user's habitual variant among ``n_variants`` of ``capability``."""
        return int(self.habits.get(capability, 0.0) * n_variants)


@dataclass(frozen=True)
class World:
    """All users with their cumulative activity weights, and the families they draw from."""

    users: tuple[User, ...]
    activity_cumweights: tuple[float, ...]
    families: tuple[Family, ...]

    def pick_user(self, rng: random.Random) -> User:
        """Draw a user in proportion to their activity."""
        target = rng.random() * self.activity_cumweights[-1]
        return self.users[bisect.bisect_right(self.activity_cumweights, target)]


ORG_AGENT_SHARE = 0.7
"""Share of an organisation's users who run its standard agent (the others pick their own)."""
COLLABORATOR_CUMWEIGHTS = (0.4, 0.7, 0.9, 1.0)
"""Cumulative weights of a user's four usual collaborators (0.4, 0.3, 0.2, 0.1)."""
EXTERNAL_CUMWEIGHTS = (0.5, 0.8, 1.0)
"""Cumulative weights of a user's three usual external contacts (0.5, 0.3, 0.2)."""


def pick_usual(
    rng: random.Random, usual: tuple[Person, ...], cumulative: tuple[float, ...]
) -> Person:
    """Draw one of a user's usual people with the documented weights."""
    return usual[min(bisect.bisect_right(cumulative, rng.random()), len(usual) - 1)]


def _weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    target = rng.random() * sum(w for _, w in items)
    for name, weight in items:
        target -= weight
        if target < 0:
            return name
    return items[-1][0]


def _providers(rng: random.Random) -> dict[str, str]:
    suite = _weighted(rng, (("google", 0.55), ("microsoft", 0.45)))
    chat = "slack" if suite == "google" else _weighted(rng, (("microsoft", 0.6), ("slack", 0.4)))
    tracker = _weighted(rng, (("atlassian", 0.55), ("github", 0.45)))
    wiki = (
        _weighted(rng, (("atlassian", 0.8), ("notion", 0.2)))
        if tracker == "atlassian"
        else "notion"
    )
    crm = _weighted(rng, (("salesforce", 0.5), ("hubspot", 0.5)))
    return {
        "suite": suite, "chat": chat, "code": "github", "tracker": tracker, "wiki": wiki,
        "crm": crm, "payments": "stripe", "builtin": "builtin",
    }  # fmt: skip


def _person(first: str, last: str, company: str) -> Person:
    domain = company.lower().replace(" ", "").replace("&", "") + ".com"
    return Person(first, f"{first} {last}", f"{first.lower()}.{last.lower()}@{domain}", company)


def build_world(
    families: tuple[Family, ...],
    capabilities: tuple[str, ...],
    rates: GeneratorRates,
    world_seed: int = 0,
    n_orgs: int = 12,
) -> World:
    """Build the organisations and users of one world, deterministically from ``world_seed``."""
    rng = random.Random(world_seed)
    agents = tuple((a.name, a.weight) for a in rates.agents)
    agent_by_name = {a.name: a for a in rates.agents}
    users: list[User] = []
    activity: list[float] = []
    for org_name in ORG_NAMES[:n_orgs]:
        providers = _providers(rng)
        org_agent = _weighted(rng, agents)
        n_members = 5 + int(rng.random() * 26)
        names = rng.sample([(f, s) for f in FIRST_NAMES for s in LAST_NAMES], n_members + 12)
        members = tuple(_person(f, s, org_name) for f, s in names[:n_members])
        externals = tuple(
            _person(f, s, CUSTOMERS[int(rng.random() * len(CUSTOMERS))])
            for f, s in names[n_members:]
        )
        org = Org(org_name, providers, members, externals)
        for index, person in enumerate(members):
            team = _weighted(rng, TEAMS)
            agent = agent_by_name[
                org_agent if rng.random() < ORG_AGENT_SHARE else _weighted(rng, agents)
            ]
            weights = [f.teams.get(team, 0.0) * rng.gammavariate(0.8, 1.0) for f in families]
            others = [p for p in members if p is not person]
            users.append(
                User(
                    user_id=f"{org_name}-u{index:02d}",
                    person=person,
                    org=org,
                    team=team,
                    agent=agent,
                    family_cumweights=tuple(accumulate(weights)),
                    collaborators=tuple(rng.sample(others, 4)),
                    externals=tuple(rng.sample(externals, 3)),
                    channel=CHANNELS[int(rng.random() * len(CHANNELS))],
                    habits={cap: rng.random() for cap in capabilities},
                )
            )
            activity.append(rng.paretovariate(1.5))
    return World(tuple(users), tuple(accumulate(activity)), families)
