"""Training on more traces than fit in memory: one streaming pass, then a bounded grouped sample.

The cost of :func:`~scopecast.model.train_predictor` grows with the number of rows times the
number of cross-validated fits, and it holds every trace in memory. For an organisation's
whole history (millions of traces) :func:`train_bounded` reads the traces once, as a stream,
keeping only

- the catalogue derived from *every* trace (so every scope ever used gets a column),
- the sha256 of every trace (the model's data hash, as :func:`~scopecast.model.data_hash`),
- a deterministic sample of at most ``max_traces`` traces chosen by group: each trace gets
  the key ``(sha256(group), sha256(trace_id))`` and the ``max_traces`` smallest keys are
  kept (a bounded heap), so whole groups enter or leave together (only the group at the
  boundary may be cut, and its kept traces still share one CV fold: grouped CV stays
  honest), which traces are kept does not depend on the order of the stream, and a larger
  stream's sample is drawn from the same distribution. The kept traces are returned in
  stream order, so a stream of at most ``max_traces`` traces trains exactly as
  :func:`~scopecast.model.train_predictor` on the same traces;

and then fits the usual :class:`ScopePredictor` (model selection by grouped CV included) on
the sample. Memory is bounded by ``max_traces``; time is one linear pass plus a fit whose
cost does not grow with the stream.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from scopecast.catalogue import Catalogue, derive_catalogue, merge_catalogues
from scopecast.exceptions import ConfigError
from scopecast.model._crossfit import ProgressCallback
from scopecast.model._grouping import group_of
from scopecast.model._predictor import ScopePredictor
from scopecast.model._training import train_predictor
from scopecast.traces import Trace, trace_to_json_line

__all__ = ["BoundedSample", "sample_traces", "train_bounded"]

PROGRESS_EVERY = 10_000
"""``progress("reading", n, 0)`` is called every this many traces read."""


@dataclass(frozen=True)
class BoundedSample:
    """What one streaming pass over the traces kept."""

    traces: list[Trace]
    """At most ``max_traces`` traces, in stream order (all of them if the stream is no longer)."""
    catalogue: Catalogue
    """Derived from every trace of the stream."""
    data_hash: str
    """sha256 of every trace's canonical JSON line, in stream order."""
    n_seen: int
    """Traces in the stream."""
    n_groups_seen: int = 0
    """CV groups in the stream, counted up to ``max_traces + 1`` (memory stays bounded): a
    count above ``max_traces`` means at least that many."""
    n_groups_kept: int = 0
    """CV groups the sample holds traces of (whole, but the one at the boundary)."""


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:12])


def sample_traces(
    traces: Iterable[Trace],
    max_traces: int,
    *,
    group_pattern: str | None = None,
    progress: ProgressCallback | None = None,
) -> BoundedSample:
    """Read ``traces`` once and keep a bounded grouped sample (see the module docstring).

    The sample holds the traces with the ``max_traces`` smallest keys, in stream order; a
    stream of at most ``max_traces`` traces is kept whole, in order.

    Raises
    ------
    ConfigError
        If ``max_traces`` is not positive.
    """
    if max_traces < 1:
        raise ConfigError(f"max_traces must be a positive number of traces. Got {max_traces}.")
    digest = hashlib.sha256()
    # A max-heap of the smallest keys through negation: heap[0] holds the largest kept key.
    heap: list[tuple[int, int, Trace]] = []
    n_seen = 0
    groups_seen: set[int] = set()  # at most max_traces + 1 of them: memory stays bounded

    def stream() -> Iterable[Trace]:
        nonlocal n_seen
        for trace in traces:
            digest.update(trace_to_json_line(trace).encode("utf-8"))
            digest.update(b"\n")
            group = _digest(group_of(trace, group_pattern))
            if len(groups_seen) <= max_traces:
                groups_seen.add(group)
            key = group << 96 | _digest(trace.trace_id)
            if len(heap) < max_traces:
                heapq.heappush(heap, (-key, -n_seen, trace))
            elif -key > heap[0][0]:
                heapq.heapreplace(heap, (-key, -n_seen, trace))
            n_seen += 1
            if progress is not None and n_seen % PROGRESS_EVERY == 0:
                progress("reading", n_seen, 0)
            yield trace

    derived = derive_catalogue(stream())
    kept = [item[2] for item in sorted(heap, key=lambda item: -item[1])]
    n_kept = len({-item[0] >> 96 for item in heap})
    return BoundedSample(kept, derived, digest.hexdigest(), n_seen, len(groups_seen), n_kept)


def train_bounded(
    traces: Iterable[Trace],
    catalogue: Catalogue | None = None,
    *,
    max_traces: int = 5000,
    predictor: ScopePredictor | None = None,
    group_pattern: str | None = None,
    prefix_weight: float = 1.0,
    progress: ProgressCallback | None = None,
) -> tuple[ScopePredictor, Catalogue, BoundedSample]:
    """Fit a :class:`ScopePredictor` on a bounded grouped sample of a stream of traces.

    Parameters
    ----------
    traces : iterable of Trace
        Read once (e.g. :func:`scopecast.iter_traces` over a large file).
    catalogue : Catalogue, optional
        A written catalogue, merged with the one derived from every trace (written wins).
    max_traces : int, default 5000
        Largest number of traces the model is fitted on.
    predictor, group_pattern, prefix_weight, progress
        As for :func:`~scopecast.model.train_predictor`.

    Returns
    -------
    predictor : ScopePredictor
    catalogue : Catalogue
        The merged catalogue (every scope of the stream).
    sample : BoundedSample
        The sample, the stream's data hash and its size.

    Raises
    ------
    ConfigError, DataValidationError, ModelError
        As :func:`sample_traces` and :func:`~scopecast.model.train_predictor`.
    """
    sample = sample_traces(traces, max_traces, group_pattern=group_pattern, progress=progress)
    merged = (
        sample.catalogue if catalogue is None else merge_catalogues(catalogue, sample.catalogue)[0]
    )
    model, merged = train_predictor(
        sample.traces,
        merged,
        predictor=predictor,
        group_pattern=group_pattern,
        prefix_weight=prefix_weight,
        progress=progress,
    )
    return model, merged, sample
