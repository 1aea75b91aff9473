"""Synthetic plan traces from a documented generative model of agents using real OAuth providers.

Real trace sets are small and have no articulated plans; this generator makes traces
realistic enough to study plans, divergence and scale, deterministically per seed.

The generative model, one module per concept:

- ``_scopes`` / ``_tools`` / ``_catalogue``: a catalogue of real providers (Google Workspace,
  Microsoft Graph, Slack, GitHub, Atlassian, Notion, Salesforce, HubSpot, Stripe, and a long
  tail: Zoom, Airtable, Dropbox, DocuSign, ...) with their real scope strings, risk,
  ``jit_only`` (payments, administration, deleting, sharing outside the organisation) and
  ``implies`` following each provider's hierarchy; tools grouped by *capability*.
- ``_population``: organisations that pick one provider per category (Google vs Microsoft,
  Slack vs Teams, Jira vs GitHub Issues, ...) and users with habits (team, agent, favourite
  task families, usual collaborators, habitual tool variants).
- ``_family`` / ``_families_*`` / ``_phrasing`` / ``_entities``: task families with varied
  natural phrasing composed from interchangeable parts (openers, cores with synonyms,
  optional and conditional clauses, closers) and entities (people, dates, projects,
  channels, repositories, customers, amounts).
- ``_execution``: the articulated plan and adaptive divergence from it (planned branches
  that never run, discovered lookups, tool substitutions, failures and retries, denials).
- ``_rates``: every documented probability (:class:`GeneratorRates`, :data:`AGENTS`).
- ``_generate`` / ``_writer``: the seeded loop and the streaming writer.

``data/README.md`` documents the rates and how the bundled sample was made.

Examples
--------
>>> from scopecast.generator import generate_traces
>>> trace = next(generate_traces(1, seed=1))
>>> trace.trace_id
'synthetic/s1/0000000'
"""

from scopecast.generator._catalogue import build_tool_index, default_catalogue
from scopecast.generator._generate import (
    FAMILIES,
    generate_lines,
    generate_records,
    generate_traces,
    make_world,
)
from scopecast.generator._rates import AGENTS, AgentProfile, GeneratorRates
from scopecast.generator._stats import GenerationStats
from scopecast.generator._writer import write_generated

__all__ = [
    "AGENTS",
    "FAMILIES",
    "AgentProfile",
    "GenerationStats",
    "GeneratorRates",
    "build_tool_index",
    "default_catalogue",
    "generate_lines",
    "generate_records",
    "generate_traces",
    "make_world",
    "write_generated",
]
