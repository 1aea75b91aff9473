"""The streaming writer: generated traces straight to a JSON Lines or Parquet file.

JSON Lines is written line by line from the generator's dicts (no pydantic round trip, so
a million traces take minutes, not tens of minutes); the bytes are exactly what
:func:`~scopecast.write_traces` writes for the same traces. Parquet (``.parquet``) goes
through :mod:`scopecast.trace_tables` in row groups, so memory stays flat either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from scopecast.catalogue import Catalogue
from scopecast.exceptions import ConfigError
from scopecast.generator._generate import generate_lines, generate_traces
from scopecast.generator._rates import GeneratorRates
from scopecast.generator._stats import GenerationStats

T = TypeVar("T")

__all__ = ["write_generated"]

PROGRESS_EVERY = 1000
"""The progress callback is called every this many traces (and at the end)."""


def write_generated(
    path: str | Path,
    n: int,
    seed: int,
    catalogue: Catalogue | None = None,
    *,
    world_seed: int = 0,
    rates: GeneratorRates | None = None,
    id_prefix: str = "synthetic",
    stats: GenerationStats | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Generate ``n`` traces into ``path`` (JSON Lines, or Parquet for ``.parquet``); return ``n``.

    Parameters are those of :func:`~scopecast.generator.generate_records`; ``progress`` is
    called with the number of traces written so far, every :data:`PROGRESS_EVERY` traces.

    Raises
    ------
    ConfigError
        If the file's extension is neither ``.jsonl``/``.json``/``.ndjson`` nor ``.parquet``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        from scopecast.trace_tables import write_traces_parquet

        traces = generate_traces(
            n, seed, catalogue, world_seed=world_seed, rates=rates, id_prefix=id_prefix, stats=stats
        )
        written = write_traces_parquet(_counting(traces, progress), path)
    elif suffix in {".jsonl", ".json", ".ndjson"}:
        lines = generate_lines(
            n, seed, catalogue, world_seed=world_seed, rates=rates, id_prefix=id_prefix, stats=stats
        )
        written = 0
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            for line in _counting(lines, progress):
                handle.write(line)
                handle.write("\n")
                written += 1
    else:
        raise ConfigError(
            f"Cannot tell the format of {str(path)!r} from its extension {suffix or '(none)'!r}. "
            f"Expected '.jsonl' (JSON Lines) or '.parquet'."
        )
    if progress is not None:
        progress(written)
    return written


def _counting(items: Iterable[T], progress: Callable[[int], None] | None) -> Iterator[T]:
    for count, item in enumerate(items, 1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield item
