"""Entity pools the task texts draw from: people, topics, dates, channels, repositories, customers.

People are members of the organisations of the generated world (see ``_population``);
the other entities are drawn per task. :func:`fill_slots` returns the values of every
slot a task can use; it draws them all at once (a handful of ``random()`` calls), which is
cheaper than resolving slots lazily.
"""

from __future__ import annotations

import random

__all__ = [
    "CUSTOMERS",
    "FIRST_NAMES",
    "LAST_NAMES",
    "ORG_NAMES",
    "fill_slots",
]

FIRST_NAMES = (
    "Carlos", "Priya", "Mei", "Jonas", "Amara", "Luca", "Sofia", "Daniel", "Aisha", "Tom",
    "Hannah", "Kenji", "Fatima", "Oliver", "Zoe", "Mateo", "Ines", "Ravi", "Lena", "Marcus",
    "Chloe", "Ahmed", "Nina", "Samuel", "Yuki", "Elena", "Kwame", "Grace", "Felix", "Laura",
    "Diego", "Sara", "Noah", "Olga", "Ben", "Leila", "Arjun", "Emma", "Victor", "Maya",
    "Hugo", "Julia", "Omar", "Clara", "Ethan", "Ana", "Pavel", "Rosa", "Liam", "Ivy",
)  # fmt: skip
LAST_NAMES = (
    "Diaz", "Patel", "Chen", "Berg", "Okafor", "Rossi", "Novak", "Kim", "Khan", "Walsh",
    "Schmidt", "Tanaka", "Haddad", "Brown", "Moreau", "Silva", "Costa", "Iyer", "Larsen",
    "Reed", "Dubois", "Nasser", "Petrova", "Adeyemi", "Sato", "Garcia", "Mensah", "Murphy",
    "Weber", "Lopez", "Fischer", "Nguyen", "Cohen", "Ivanova", "Hughes", "Farah", "Mehta",
    "Jensen", "Santos", "Park",
)  # fmt: skip
ORG_NAMES = (
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "soylent",
    "tyrell", "cyberdyne", "aperture", "vandelay", "dunder", "monarch", "oscorp",
)  # fmt: skip
CUSTOMERS = (
    "Northwind", "Contoso", "Fabrikam", "Initrode", "Pied Piper", "Blue Sparrow", "Brightline",
    "Lumen Labs", "Redwood Health", "Tailspin Toys", "Alpine Foods", "Helios Energy",
    "Kestrel Logistics", "Orbit Media", "Summit Bank", "Quill & Co", "Nimbus Air", "Verdant",
)  # fmt: skip
TOPICS = (
    "Q3 budget", "vendor contract", "launch plan", "offsite", "hiring plan", "security review",
    "pricing change", "onboarding checklist", "board deck", "roadmap", "incident postmortem",
    "renewal", "design review", "quarterly numbers", "migration", "SOC 2 audit",
    "partner proposal", "churn analysis", "holiday schedule", "API deprecation", "travel policy",
    "expense report", "customer feedback", "release notes", "OKR draft",
)  # fmt: skip
"""Subjects of tasks, without an article: ``{subject}`` is bare, ``{topic}`` has "the"."""
PROJECTS = (
    "Apollo", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
    "Juniper", "Kepler", "Lighthouse", "Mosaic", "Nova", "Orion", "Prism",
)  # fmt: skip
DATES = (
    "Friday", "Monday", "tomorrow", "next Tuesday", "Thursday afternoon", "March 3",
    "the 14th", "next week", "Wednesday morning", "end of the month", "April 22", "June 9",
)  # fmt: skip
TIMES = ("10am", "2pm", "9:30", "11:00", "3:30pm", "4pm", "noon", "8:45am")
DEADLINES = ("Friday", "EOD", "tomorrow morning", "the end of the week", "Monday", "5pm")
REPOS = ("api", "web-app", "infra", "billing-service", "mobile", "data-pipeline", "auth", "docs")
CHANNELS = ("#general", "#eng", "#sales", "#support", "#finance", "#ops", "#random", "#leads")
AMOUNTS = ("$49", "$120", "$89.99", "$1,200", "$350", "$15", "$2,400", "$760")
DOC_KINDS = ("notes", "summary", "one-pager", "brief", "write-up", "doc", "recap")
ISSUE_WORDS = ("login bug", "flaky test", "timeout on checkout", "broken export", "memory leak",
               "500 on /search", "slow dashboard", "typo on the pricing page", "crash on upload")  # fmt: skip


def _pick(rng: random.Random, pool: tuple[str, ...]) -> str:
    return pool[int(rng.random() * len(pool))]


def fill_slots(
    rng: random.Random, person: str, person_email: str, org: str, channel: str
) -> dict[str, str]:
    """Return the value of every slot a task template can use.

    Parameters
    ----------
    rng : random.Random
        The generator's one random stream.
    person : str
        How the task names the person it is about (a first name, a full name or an email).
    person_email : str
        That person's email address (for call arguments).
    org : str
        The organisation (repository owner, issue-key prefix).
    channel : str
        The chat channel the user habitually posts to.
    """
    project = _pick(rng, PROJECTS)
    subject = _pick(rng, TOPICS)
    return {
        "person": person,
        "email": person_email,
        "topic": "the " + subject,
        "subject": subject,
        "project": project,
        "date": _pick(rng, DATES),
        "time": _pick(rng, TIMES),
        "deadline": _pick(rng, DEADLINES),
        "repo": _pick(rng, REPOS),
        "channel": channel,
        "customer": _pick(rng, CUSTOMERS),
        "amount": _pick(rng, AMOUNTS),
        "invoice": f"INV-{1000 + int(rng.random() * 9000)}",
        "issue": f"{project.upper()[:4]}-{10 + int(rng.random() * 990)}",
        "bug": _pick(rng, ISSUE_WORDS),
        "doc": _pick(rng, DOC_KINDS),
        "newhire": f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)}",
        "org": org,
    }
