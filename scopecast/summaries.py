"""Counts that describe a trace file or a catalogue at a glance (what ``scopecast validate`` prints).

Summaries are computed in one streaming pass: a trace summary holds sets of tool, scope,
provider and domain names, never the traces themselves, so it works on files larger than
memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scopecast._types import provider_of
from scopecast.catalogue import Catalogue
from scopecast.traces import Trace

__all__ = ["CatalogueSummary", "TraceSummary", "summarize_catalogue", "summarize_traces"]

PROGRESS_EVERY = 1000
"""How many traces :func:`summarize_traces` reads between two progress callbacks."""


@dataclass
class TraceSummary:
    """What a set of traces holds.

    Attributes
    ----------
    n_traces, n_calls : int
        Traces and calls read.
    n_with_plan : int
        Traces that carry an articulated plan (``plan`` not null).
    n_without_calls : int
        Traces whose agent made no call at all.
    n_calls_by_status : dict[str, int]
        Calls per ``status`` (``ok`` when the record left it out).
    tools, scopes, domains : set[str]
        Distinct tools called, scopes needed, and ``context.domain`` values.
    tool_scopes : dict[str, set[str]]
        Each tool's scopes as the calls show them, for the tools a derived catalogue lists
        (:func:`scopecast.catalogue.derive_catalogue`: not a tool seen only in calls of
        status ``error`` with no scope, which the agent invented).
    """

    n_traces: int = 0
    n_calls: int = 0
    n_with_plan: int = 0
    n_without_calls: int = 0
    n_calls_by_status: dict[str, int] = field(default_factory=dict)
    tools: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    tool_scopes: dict[str, set[str]] = field(default_factory=dict)

    def add(self, trace: Trace) -> None:
        """Count one more trace."""
        self.n_traces += 1
        self.n_calls += len(trace.calls)
        self.n_with_plan += trace.plan is not None
        self.n_without_calls += not trace.calls
        for call in trace.calls:
            self.n_calls_by_status[call.status] = self.n_calls_by_status.get(call.status, 0) + 1
            self.tools.add(call.tool)
            self.scopes.update(call.scopes)
            if call.status != "error" or call.scopes:
                self.tool_scopes.setdefault(call.tool, set()).update(call.scopes)
        if "domain" in trace.context:
            self.domains.add(trace.context["domain"])

    @property
    def providers(self) -> set[str]:
        """Distinct providers of the scopes needed."""
        return {provider_of(scope) for scope in self.scopes}


def summarize_traces(
    traces: Iterable[Trace], *, progress: Callable[[int], None] | None = None
) -> TraceSummary:
    """Summarise ``traces`` in one pass; call ``progress(n_read)`` every 1000 traces.

    Examples
    --------
    >>> from scopecast import Call, Trace
    >>> s = summarize_traces([Trace(trace_id="r", task="t", calls=(Call(tool="x", scopes=("a:b",)),))])
    >>> (s.n_traces, s.n_calls, sorted(s.providers))
    (1, 1, ['a'])
    """
    summary = TraceSummary()
    for trace in traces:
        summary.add(trace)
        if progress is not None and summary.n_traces % PROGRESS_EVERY == 0:
            progress(summary.n_traces)
    if progress is not None:
        progress(summary.n_traces)
    return summary


@dataclass(frozen=True)
class CatalogueSummary:
    """What a catalogue holds.

    Attributes
    ----------
    n_tools, n_scopes : int
        Tools listed, and scopes described in ``scopes``.
    n_providers : int
        Providers of every scope the catalogue mentions.
    jit_only : tuple[str, ...]
        Scopes never asked before the start.
    n_implies : int
        ``implies`` links.
    undescribed : tuple[str, ...]
        Scopes a tool needs or a scope implies that ``scopes`` does not describe (they get
        the defaults: risk 0.5, not ``jit_only``).
    jit_by_implication : tuple[str, ...]
        Scopes not marked ``jit_only`` that imply one: never asked before the start either
        (granting them would grant the ``jit_only`` scope).
    """

    n_tools: int
    n_scopes: int
    n_providers: int
    jit_only: tuple[str, ...]
    n_implies: int
    undescribed: tuple[str, ...]
    jit_by_implication: tuple[str, ...] = ()


def summarize_catalogue(catalogue: Catalogue) -> CatalogueSummary:
    """Summarise a catalogue (counts, ``jit_only`` scopes, scopes left to defaults)."""
    described = {scope.name for scope in catalogue.scopes}
    return CatalogueSummary(
        n_tools=len(catalogue.tools),
        n_scopes=len(catalogue.scopes),
        n_providers=len(catalogue.providers),
        jit_only=tuple(sorted(s.name for s in catalogue.scopes if s.jit_only)),
        n_implies=sum(len(scope.implies) for scope in catalogue.scopes),
        undescribed=tuple(sorted(catalogue.all_scopes - described)),
        jit_by_implication=tuple(
            sorted(
                name
                for name in catalogue.all_scopes
                if not catalogue.is_jit_only(name) and catalogue.implies_jit_only(name)
            )
        ),
    )
