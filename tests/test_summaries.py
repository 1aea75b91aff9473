"""Trace and catalogue summaries: the counts `scopecast validate` prints."""

from __future__ import annotations

from scopecast import Call, Catalogue, ScopeSpec, ToolSpec, Trace
from scopecast.summaries import summarize_catalogue, summarize_traces


def test_summarize_traces_counts_everything_in_one_pass() -> None:
    traces = [
        Trace(
            trace_id="1",
            task="t",
            context={"domain": "mail"},
            plan=(),
            calls=(
                Call(tool="send", scopes=("google:gmail.send",)),
                Call(tool="post", scopes=("slack:chat:write",), status="denied"),
            ),
        ),
        Trace(trace_id="2", task="t", calls=()),
    ]
    seen: list[int] = []
    summary = summarize_traces(iter(traces), progress=seen.append)
    assert (summary.n_traces, summary.n_calls, summary.n_with_plan) == (2, 2, 1)
    assert summary.n_without_calls == 1
    assert summary.n_calls_by_status == {"ok": 1, "denied": 1}
    assert summary.tools == {"send", "post"}
    assert summary.providers == {"google", "slack"}
    assert summary.domains == {"mail"}
    assert seen == [2]


def test_summarize_catalogue_lists_undescribed_and_jit_only() -> None:
    catalogue = Catalogue(
        tools=(ToolSpec(name="pay", scopes=("bank:pay", "bank:read")),),
        scopes=(ScopeSpec(name="bank:pay", jit_only=True, implies=("bank:view",)),),
    )
    summary = summarize_catalogue(catalogue)
    assert summary.jit_only == ("bank:pay",)
    assert summary.undescribed == ("bank:read", "bank:view")
    assert (summary.n_tools, summary.n_scopes, summary.n_providers, summary.n_implies) == (
        1,
        1,
        1,
        1,
    )


def test_summarize_catalogue_lists_scopes_jit_only_by_implication() -> None:
    # cal:write implies cal:read, marked jit_only: cal:write is never asked up front either
    catalogue = Catalogue(
        scopes=(
            ScopeSpec(name="cal:write", implies=("cal:read",)),
            ScopeSpec(name="cal:admin", implies=("cal:write",)),
            ScopeSpec(name="cal:read", jit_only=True),
            ScopeSpec(name="cal:free"),
        ),
    )
    summary = summarize_catalogue(catalogue)
    assert summary.jit_only == ("cal:read",)
    assert summary.jit_by_implication == ("cal:admin", "cal:write")
