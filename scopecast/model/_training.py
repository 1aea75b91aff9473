"""Training the scope model on traces: validation, prefix augmentation, groups.

Each trace gives one row *before the start* (no calls, weight 1) and, so that the same
model can re-predict at an interruption, one row per proper prefix of its calls
(``calls[:k]`` for ``k = 1 .. n-1``, weight ``prefix_weight / (n - 1)`` each, so a trace's
prefixes weigh ``prefix_weight`` in all). Every row's label is the trace's needed scopes;
the predictor does not train a scope on rows whose calls already used it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scopecast.catalogue import Catalogue, derive_catalogue, merge_catalogues
from scopecast.exceptions import DataValidationError, ModelError
from scopecast.model._crossfit import ProgressCallback
from scopecast.model._grouping import compiled_group_pattern, groups_for
from scopecast.model._predictor import ScopePredictor
from scopecast.scoring import TaskInput
from scopecast.traces import Trace, trace_to_json_line

__all__ = [
    "TrainingRows",
    "check_trainable",
    "data_hash",
    "train_predictor",
    "training_catalogue",
    "training_rows",
]


def training_catalogue(traces: Sequence[Trace], catalogue: Catalogue | None) -> Catalogue:
    """The catalogue a model trained on ``traces`` uses and records: ``catalogue`` merged with
    the one derived from the traces' calls (every tool and scope they used), or the derived
    one alone."""
    derived = derive_catalogue(traces)
    return derived if catalogue is None else merge_catalogues(catalogue, derived)[0]


def data_hash(traces: Sequence[Trace]) -> str:
    """sha256 of the traces' canonical JSON lines (in order, ``\\n``-terminated)."""
    digest = hashlib.sha256()
    for trace in traces:
        digest.update(trace_to_json_line(trace).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingRows:
    """The rows a predictor is fitted on: inputs, labels, weights and CV groups."""

    inputs: list[TaskInput]
    labels: list[frozenset[str]]
    weights: np.ndarray
    groups: np.ndarray
    trace_index: np.ndarray
    """Which trace each row came from."""


def training_rows(
    traces: Sequence[Trace],
    groups: Sequence[str],
    *,
    prefixes: bool = True,
    prefix_weight: float = 1.0,
) -> TrainingRows:
    """Rows before the start and (if ``prefixes``) at every proper prefix of the calls."""
    inputs: list[TaskInput] = []
    labels: list[frozenset[str]] = []
    weights: list[float] = []
    row_groups: list[str] = []
    index: list[int] = []
    for t, (trace, group) in enumerate(zip(traces, groups, strict=True)):
        needed = trace.needed_scopes
        n = len(trace.calls)
        ks = [0] + (list(range(1, n)) if prefixes and n > 1 else [])
        for k in ks:
            inputs.append(TaskInput.from_trace(trace, k))
            labels.append(needed)
            weights.append(1.0 if k == 0 else prefix_weight / (n - 1))
            row_groups.append(group)
            index.append(t)
    return TrainingRows(
        inputs, labels, np.asarray(weights), np.asarray(row_groups, dtype=object), np.asarray(index)
    )


def check_trainable(traces: Sequence[Trace]) -> None:
    """Fail with a clear message when ``traces`` cannot train a scope model.

    Raises
    ------
    DataValidationError
        No traces, or no trace with any call.
    ModelError
        Every call has no scope, or the traces use fewer than two scopes.
    """
    if not traces:
        raise DataValidationError(
            "No usable traces to train on: the input holds 0 traces. Pass JSON Lines files "
            "with at least one trace (the format: README.md, 'Traces and catalogues')."
        )
    if not any(trace.calls for trace in traces):
        raise DataValidationError(
            f"None of the {len(traces)} traces has any call, so there is nothing to learn "
            f"which scopes a task needs. Train on traces that record their tool calls."
        )
    used = {scope for trace in traces for scope in trace.needed_scopes}
    if not used:
        raise ModelError(
            f"Every call of the {len(traces)} traces has an empty scope list, so no scope can "
            f"be learned. Check that the traces record each call's scopes."
        )
    if len(used) < 2:
        raise ModelError(
            f"The traces use a single scope ({next(iter(used))}); a scope model needs at least "
            f"two to learn anything beyond 'always ask for it'. Add traces of other tasks, or "
            f"request that scope up front without a model."
        )


def train_predictor(
    traces: Sequence[Trace],
    catalogue: Catalogue | None = None,
    *,
    predictor: ScopePredictor | None = None,
    group_pattern: str | None = None,
    prefixes: bool = True,
    prefix_weight: float = 1.0,
    progress: ProgressCallback | None = None,
) -> tuple[ScopePredictor, Catalogue]:
    """Fit a :class:`ScopePredictor` on traces; return it and the catalogue it was trained with.

    Parameters
    ----------
    traces : sequence of Trace
    catalogue : Catalogue, optional
        A written catalogue; it is merged with the one derived from the traces (the written
        one wins), and every scope of the result gets a column.
    predictor : ScopePredictor, optional
        Unfitted estimator with the hyper-parameters to use (default ``ScopePredictor()``).
    group_pattern : str, optional
        Regex on ``trace_id`` naming the CV group (see :func:`group_of`).
    prefixes, prefix_weight
        Prefix augmentation for re-prediction mid-run (see the module docstring).
    progress : callable, optional
        ``progress(stage, done, total)``.

    Raises
    ------
    DataValidationError, ModelError
        If the traces cannot train a model (see :func:`check_trainable`).
    ConfigError
        If ``group_pattern`` is not a valid regular expression.
    """
    if group_pattern is not None:
        compiled_group_pattern(group_pattern)
    check_trainable(traces)
    merged = training_catalogue(traces, catalogue)
    groups = groups_for(list(traces), group_pattern)
    rows = training_rows(traces, groups, prefixes=prefixes, prefix_weight=prefix_weight)
    model = ScopePredictor() if predictor is None else predictor
    model.fit(
        rows.inputs,
        rows.labels,
        groups=rows.groups,
        sample_weight=rows.weights,
        catalogue=merged,
        progress=progress,
    )
    return model, merged
