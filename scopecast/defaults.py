"""Where the bundled data lives: the catalogue and the synthetic traces the embedded default uses.

The repository keeps them in ``data/``; an installed wheel carries the same files as
``scopecast/_data/`` (``force-include`` in ``pyproject.toml``). This module is light (no
scikit-learn, pandas or MLflow) and reads nothing at import.
"""

from __future__ import annotations

from pathlib import Path

from scopecast.exceptions import ConfigError

__all__ = [
    "BUNDLED_CATALOGUE",
    "BUNDLED_TEST",
    "BUNDLED_TRAIN",
    "bundled_data_dir",
    "bundled_file",
]

BUNDLED_CATALOGUE = "catalogue.json"
BUNDLED_TRAIN = "traces_train.jsonl"
BUNDLED_TEST = "traces_test.jsonl"


def bundled_data_dir() -> Path:
    """Return the directory of the bundled data (installed ``scopecast/_data`` or the checkout's ``data/``).

    Raises
    ------
    ConfigError
        If neither exists (a broken installation).
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "_data", package.parent / "data"):
        if (candidate / BUNDLED_CATALOGUE).is_file():
            return candidate
    raise ConfigError(
        f"The bundled data (catalogue.json, traces_train.jsonl, traces_test.jsonl) is missing: "
        f"looked in {package / '_data'} and {package.parent / 'data'}. Reinstall scopecast, "
        f"or run from a checkout of its repository."
    )


def bundled_file(name: str) -> Path:
    """Return the path of one bundled file (``catalogue.json``, ``traces_train.jsonl``, ...).

    Raises
    ------
    ConfigError
        If the file is not part of the bundled data.
    """
    path = bundled_data_dir() / name
    if not path.is_file():
        raise ConfigError(
            f"{name!r} is not part of the bundled data in {path.parent}. Expected one of "
            f"{BUNDLED_CATALOGUE!r}, {BUNDLED_TRAIN!r}, {BUNDLED_TEST!r}."
        )
    return path
