"""Output paths of the CLI, checked before any work: writable, and never one of the inputs.

A report written over the traces it was computed from, or a predictions file written over a
model's ``metadata.json``, destroys data and still exits 0; an unwritable path found after an
hour of training wastes the hour. So each command checks its outputs first
(:func:`check_outputs`), and a write that fails anyway is one red line that says the figures
were printed (:func:`written`), never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from scopecast.cli._app import fail

__all__ = ["Output", "check_outputs", "written"]

Output = tuple[str, Path | None, bool]
"""An output: its option (``"--json"``), its path (``None``: not asked for), and whether it
is a directory (``--sweep``, ``--out``)."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_outputs(
    outputs: Sequence[Output],
    inputs: Iterable[Path | None] = (),
    protected: Iterable[Path | None] = (),
) -> None:
    """Fail (exit 1, one line) unless every output can be written and destroys no input.

    ``inputs``: files the command reads (an output must not be one of them); ``protected``:
    directories an output must not be in (a model the command reads). Two outputs never
    share a path (``--json r --predictions r`` wrote the report, then the predictions over it).
    """
    read = {p.resolve() for p in inputs if p is not None}
    folders = [p.resolve() for p in protected if p is not None]
    claimed: dict[Path, str] = {}
    for option, path, is_dir in outputs:
        if path is None:
            continue
        target = path.resolve()
        if target in claimed:
            raise fail(
                f"{option} {path} is also the path of {claimed[target]}; one would write over "
                f"the other. Give each output its own path."
            )
        claimed[target] = option
        if not is_dir and target in read:
            raise fail(f"{option} {path} is one of the input files; writing it would destroy it.")
        if is_dir and any(_inside(f, target) for f in read):
            raise fail(f"{option} {path} holds an input file; pick an empty or new directory.")
        for folder in folders:
            if _inside(target, folder):
                raise fail(
                    f"{option} {path} is inside the model directory {folder}; writing there "
                    f"would change the model. Pick a path outside it."
                )
        if target.exists() and target.is_dir() != is_dir:
            kind = "a directory" if target.is_dir() else "a file"
            raise fail(
                f"{option} {path} is {kind}; it needs {'a directory' if is_dir else 'a file'}."
            )
        base = _nearest_existing(target if is_dir else target.parent)
        if not base.is_dir() or not os.access(base, os.W_OK):
            raise fail(f"{option} {path} cannot be written ({base} is not a writable directory).")
        if not is_dir and not target.parent.is_dir():
            raise fail(f"The folder of {option} {path} does not exist; create it or pick another.")


@contextmanager
def written(option: str, path: Path) -> Iterator[None]:
    """Turn a failed write of ``path`` into one red line (the figures are on the screen)."""
    try:
        yield
    except OSError as err:
        raise fail(
            f"Could not write {option} {path} ({err.strerror or err}); the figures are printed "
            f"above."
        ) from err
