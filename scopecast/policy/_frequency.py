"""A per-domain frequency scorer: the share of training runs of a domain that needed each scope.

It satisfies :class:`~scopecast.scoring.ScopeScorer` with no scikit-learn at all, so it is
both a baseline prior and a fallback when no trained model is available. A scope already
used by the calls made so far has probability 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from scopecast.scoring import TaskInput
from scopecast.traces import Trace

__all__ = ["DomainFrequencyScorer"]


class DomainFrequencyScorer:
    """``P(scope | context.domain)`` estimated by counting training traces.

    Parameters
    ----------
    traces : Iterable[Trace]
        Training traces. A domain never seen in them falls back to the frequencies over
        all training traces.

    Attributes
    ----------
    n_traces : int
        Number of training traces counted.
    domain_counts : dict[str, int]
        Training traces per domain (``""`` for traces without a domain).

    Examples
    --------
    >>> from scopecast.traces import Call, Trace
    >>> t = Trace(trace_id="a", task="x", context={"domain": "mail"},
    ...           calls=(Call(tool="send", scopes=("g:send",)),))
    >>> DomainFrequencyScorer([t]).predict_scopes([TaskInput("y", {"domain": "mail"})])
    [{'g:send': 1.0}]
    """

    def __init__(self, traces: Iterable[Trace]) -> None:
        self._by_domain: dict[str, Counter[str]] = {}
        self.domain_counts: dict[str, int] = {}
        overall: Counter[str] = Counter()
        n = 0
        for trace in traces:
            domain = trace.context.get("domain", "")
            self._by_domain.setdefault(domain, Counter()).update(trace.needed_scopes)
            self.domain_counts[domain] = self.domain_counts.get(domain, 0) + 1
            overall.update(trace.needed_scopes)
            n += 1
        self.n_traces = n
        self._overall = overall

    def prior(self, domain: str) -> dict[str, float]:
        """Share of the training traces of ``domain`` (or of all, if unseen) needing each scope."""
        counts = self._by_domain.get(domain)
        total = self.domain_counts.get(domain, 0)
        if counts is None or total == 0:
            counts, total = self._overall, self.n_traces
        if total == 0:
            return {}
        return {scope: count / total for scope, count in sorted(counts.items())}

    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        """Return the domain prior of each input, with scopes used so far set to 1."""
        result = []
        for item in inputs:
            probs = self.prior(item.context.get("domain", ""))
            for call in item.calls:
                probs.update(dict.fromkeys(call.scopes, 1.0))
            result.append(probs)
        return result
