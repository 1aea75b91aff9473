"""Traces as tables: pandas DataFrames (one row per trace) and Parquet files.

This module imports pyarrow (and pandas, inside the DataFrame functions); it is imported
by its own name, never from ``import scopecast``, which must stay light.

Both tables have one row per trace and the columns

=================  ======================================================================
``trace_id``       string
``task``           string
``context``        mapping of string to string (``None``: the record had no ``context``)
``plan``           list of ``{"tool", "scopes"}``, or ``None``
``calls``          list of ``{"tool", "scopes", "args", "status", "at"}``; a call leaves out
                   (DataFrame) or holds ``null`` for (Parquet) the fields its record left out
``started_at``     string, or ``None``
``needed_scopes``  sorted union of ``calls[].scopes``: the label (derived; checked on read)
``absent_fields``  which of ``context``, ``plan``, ``started_at`` the record left out
=================  ======================================================================

so that a trace read back has exactly the fields it was written with (``args`` absent
stays absent and ``{}`` stays ``{}``; ``status`` absent is not ``"ok"``; ``plan`` absent
is not ``plan: null``), and JSON Lines → Parquet → JSON Lines gives the same bytes (for
files with fields in the format's order, as :func:`scopecast.write_traces` writes them). In
the DataFrame, ``args`` is the JSON object; in Parquet, where its keys vary from call to
call, it is stored as JSON text. Reading a table checks every row like a JSON Lines
line and reports the source, the 1-based row and the field of every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scopecast._training_stack import needs_training_stack

with needs_training_stack("Reading or writing Parquet traces (scopecast.trace_tables)"):
    import pyarrow as pa
    import pyarrow.parquet as pq

from scopecast._trace_rows import COLUMNS, check_columns, trace_from_row, trace_to_row
from scopecast.exceptions import ConfigError, DataIssue, DataValidationError
from scopecast.traces import MAX_ISSUES, Trace, check_traces

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "PARQUET_SCHEMA",
    "iter_traces_parquet",
    "numbered_parquet_traces",
    "traces_from_dataframe",
    "traces_to_dataframe",
    "write_traces_parquet",
]

_SCOPES = pa.list_(pa.string())
PARQUET_SCHEMA = pa.schema(
    [
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("task", pa.string(), nullable=False),
        pa.field("context", pa.map_(pa.string(), pa.string())),
        pa.field(
            "plan",
            pa.list_(pa.struct([pa.field("tool", pa.string()), pa.field("scopes", _SCOPES)])),
        ),
        pa.field(
            "calls",
            pa.list_(
                pa.struct(
                    [
                        pa.field("tool", pa.string()),
                        pa.field("scopes", _SCOPES),
                        pa.field("args", pa.string()),  # JSON text of the arguments object
                        pa.field("status", pa.string()),
                        pa.field("at", pa.string()),
                    ]
                )
            ),
            nullable=False,
        ),
        pa.field("started_at", pa.string()),
        pa.field("needed_scopes", _SCOPES, nullable=False),
        pa.field("absent_fields", _SCOPES, nullable=False),
    ],
    metadata={"scopecast.format": "trace-v1"},
)
"""The Parquet schema written by :func:`write_traces_parquet`."""

ROW_GROUP_SIZE = 10_000


def traces_to_dataframe(traces: Iterable[Trace]) -> pd.DataFrame:
    """Return a DataFrame with one row per trace and the columns :data:`COLUMNS`.

    Nested fields are plain JSON-able objects (dicts and lists), so a row can be turned
    back into its trace with :func:`traces_from_dataframe` without losing which fields
    were set.

    Examples
    --------
    >>> from scopecast import Call, Trace
    >>> t = Trace(trace_id="r1", task="mail Bob", calls=(Call(tool="send", scopes=("google:gmail.send",)),))
    >>> traces_to_dataframe([t]).loc[0, "needed_scopes"]
    ['google:gmail.send']
    """
    import pandas as pd

    rows = [trace_to_row(trace, args_as_json=False) for trace in traces]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_traces_parquet(
    traces: Iterable[Trace], path: str | Path, *, row_group_size: int = ROW_GROUP_SIZE
) -> int:
    """Write traces to a Parquet file in row groups of ``row_group_size``; return how many.

    Streaming: only one row group is held at a time, so ``traces`` may be a generator
    over a file larger than memory.
    """
    if row_group_size < 1:
        raise ConfigError(
            f"The 'row_group_size' parameter of write_traces_parquet must be a positive "
            f"integer. Got {row_group_size!r} instead."
        )
    count = 0
    with pq.ParquetWriter(str(path), PARQUET_SCHEMA) as writer:
        batch: list[dict[str, object]] = []
        for trace in traces:
            batch.append(trace_to_row(trace, args_as_json=True))
            if len(batch) >= row_group_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
            count += len(batch)
    return count


def traces_from_dataframe(
    frame: pd.DataFrame, *, source: str = "<DataFrame>", max_issues: int = MAX_ISSUES
) -> list[Trace]:
    """Validate the rows of a DataFrame (columns :data:`COLUMNS`) into traces.

    Only ``trace_id``, ``task`` and ``calls`` are required columns; a missing cell
    (``None``/``NaN``) of an optional column means the field is absent unless the
    ``absent_fields`` column says otherwise. Nothing is coerced: a value of the wrong type
    is an error, as in JSON Lines.

    Raises
    ------
    DataValidationError
        Listing every bad row (1-based, in frame order) and field, and every unknown or
        missing column.
    """
    check_columns((str(name) for name in frame.columns), source)
    names = [str(name) for name in frame.columns]

    def records() -> Iterator[tuple[int, Trace | list[DataIssue]]]:
        for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            yield number, trace_from_row(dict(zip(names, values, strict=True)), source, number)

    return [
        trace for _, trace in check_traces(source, records(), max_issues=max_issues, unit="row")
    ]


def numbered_parquet_traces(
    path: str | Path, *, max_issues: int = MAX_ISSUES, batch_size: int = 4096
) -> Iterator[tuple[int, Trace]]:
    """Stream ``(row, trace)`` from a Parquet file, ``batch_size`` rows at a time.

    Raises
    ------
    DataValidationError
        If the file is not Parquet, lacks a required column, has an unknown one, or any
        row is invalid (all rows are checked; the error comes after the last good one).
    """
    source = str(path)
    try:
        parquet = pq.ParquetFile(source)
    except (OSError, pa.ArrowException) as err:
        raise DataValidationError.single(
            source, None, "", f"cannot be read as Parquet: {err}"
        ) from err
    check_columns(parquet.schema_arrow.names, source)
    maps = tuple(f.name for f in parquet.schema_arrow if pa.types.is_map(f.type))

    def records() -> Iterator[tuple[int, Trace | list[DataIssue]]]:
        number = 0
        try:
            for batch in parquet.iter_batches(batch_size=batch_size):
                for row in batch.to_pylist():
                    number += 1
                    yield number, trace_from_row(row, source, number, map_columns=maps)
        except (OSError, pa.ArrowException) as err:
            raise DataValidationError.single(
                source, number + 1, "", f"cannot be read: {err}"
            ) from err

    try:
        yield from check_traces(source, records(), max_issues=max_issues, unit="row")
    finally:
        parquet.close()


def iter_traces_parquet(
    path: str | Path, *, max_issues: int = MAX_ISSUES, batch_size: int = 4096
) -> Iterator[Trace]:
    """Stream the traces of a Parquet file written by :func:`write_traces_parquet`.

    :func:`scopecast.iter_traces` and :func:`scopecast.read_traces` call this for
    ``.parquet`` paths.
    """
    for _, trace in numbered_parquet_traces(path, max_issues=max_issues, batch_size=batch_size):
        yield trace
