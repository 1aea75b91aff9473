"""Generated traces follow the trace format and agree with the catalogue; the catalogue is the providers' own."""

from __future__ import annotations

import re

import pytest

from scopecast import Catalogue, ToolSpec
from scopecast._types import SCOPE_PATTERN
from scopecast.exceptions import ConfigError
from scopecast.generator import FAMILIES, default_catalogue, generate_traces

N = 3000


@pytest.fixture(scope="module")
def traces():
    return list(generate_traces(N, seed=21))


def test_every_call_and_plan_step_uses_a_catalogue_tool_with_exactly_its_scopes(traces) -> None:
    catalogue = default_catalogue()
    for trace in traces:
        for step in (*trace.calls, *(trace.plan or ())):
            spec = catalogue.tool(step.tool)
            assert spec is not None, step.tool
            assert step.scopes == spec.scopes, (trace.trace_id, step.tool)


def test_every_scope_is_described_and_follows_the_pattern() -> None:
    catalogue = default_catalogue()
    described = {spec.name for spec in catalogue.scopes}
    assert catalogue.all_scopes <= described
    for name in described:
        assert re.match(SCOPE_PATTERN, name), name


def test_catalogue_uses_the_providers_real_scope_strings() -> None:
    catalogue = default_catalogue()
    for name in (
        "google:gmail.readonly", "google:gmail.send", "google:gmail.modify", "google:gmail.compose",
        "google:calendar.events", "google:calendar.events.readonly", "google:drive.file",
        "google:drive.readonly", "google:drive", "google:documents", "google:spreadsheets",
        "microsoft:Mail.Read", "microsoft:Mail.Send", "microsoft:Calendars.ReadWrite",
        "microsoft:Files.ReadWrite", "slack:channels:read", "slack:chat:write", "slack:users:read",
        "slack:files:write", "github:repo", "github:read:org", "github:workflow",
        "atlassian:read:jira-work", "atlassian:write:jira-work", "stripe:refund_write",
        "notion:insert_content", "hubspot:crm.objects.contacts.write", "salesforce:api",
    ):  # fmt: skip
        assert catalogue.has_scope(name), name
    assert len(catalogue.providers) >= 15


def test_catalogue_hierarchies_follow_the_providers() -> None:
    catalogue = default_catalogue()
    assert catalogue.covers(["google:gmail.modify"], ["google:gmail.readonly", "google:gmail.send"])
    assert catalogue.covers(["github:repo"], ["github:public_repo", "github:repo:status"])
    assert catalogue.covers(["github:admin:org"], ["github:read:org"])
    assert catalogue.covers(["microsoft:Files.ReadWrite.All"], ["microsoft:Files.Read"])
    assert not catalogue.covers(["google:drive.file"], ["google:drive.readonly"])
    assert not catalogue.covers(["slack:chat:write"], ["slack:channels:history"])


def test_catalogue_marks_payments_admin_deleting_and_external_sharing_jit_only() -> None:
    catalogue = default_catalogue()
    for name in (
        "stripe:refund_write", "stripe:payout_write", "google:admin.directory.user",
        "microsoft:User.ReadWrite.All", "slack:admin.users:write", "github:admin:org",
        "github:delete_repo", "google:mail.google.com", "google:drive", "dropbox:sharing.write",
    ):  # fmt: skip
        assert catalogue.is_jit_only(name), name
        assert catalogue.risk(name) >= 0.9
    assert not catalogue.is_jit_only("google:gmail.send")
    assert catalogue.risk("google:gmail.readonly") < catalogue.risk("google:gmail.send")


def test_traces_have_context_users_orgs_agents_and_timestamps(traces) -> None:
    for trace in traces[:200]:
        assert set(trace.context) == {"domain", "user", "org", "agent"}
        assert trace.context["user"].startswith(trace.context["org"] + "-")
        assert trace.started_at is not None
        assert trace.calls or trace.plan is not None


def test_most_tools_appear_and_the_model_has_many_families(traces) -> None:
    tools = {call.tool for trace in traces for call in trace.calls}
    assert len(tools) >= 110
    assert len(FAMILIES) >= 20


def test_phrasing_is_varied(traces) -> None:
    tasks = [trace.task for trace in traces]
    assert len(set(tasks)) >= 0.98 * len(tasks)
    openings = {" ".join(task.split()[:2]) for task in tasks}
    assert len(openings) >= 150


def test_a_custom_catalogue_restricts_the_tools_and_adds_its_own_to_the_tail() -> None:
    base = default_catalogue()
    keep = [t for t in base.tools if not t.name.startswith(("outlook.", "teams."))]
    extra = ToolSpec(
        name="acme.file_expense",
        scopes=("acme:expenses.write",),
        description="File an expense claim.",
    )
    custom = Catalogue(tools=(*keep, extra), scopes=base.scopes)
    traces = list(generate_traces(3000, seed=5, catalogue=custom))
    tools = {call.tool for trace in traces for call in trace.calls}
    assert not any(name.startswith(("outlook.", "teams.")) for name in tools)
    assert "acme.file_expense" in tools
    expense = next(t for t in traces if any(c.tool == "acme.file_expense" for c in t.calls))
    assert "file an expense claim" in expense.task


def test_a_catalogue_without_any_known_tool_is_refused() -> None:
    custom = Catalogue(tools=(ToolSpec(name="x.y", scopes=("x:y",)),))
    with pytest.raises(ConfigError, match="knows none of its tools"):
        list(generate_traces(1, seed=0, catalogue=custom))
