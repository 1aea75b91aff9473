"""The training stack: what ``pip install 'scopecast[train]'`` adds to the runtime.

``pip install scopecast`` installs the runtime only: planning before the agent starts,
the guard, its run store and the OAuth consent (numpy, pydantic, SQLAlchemy, PyYAML,
authlib, httpx), so that an agent's image does not carry scikit-learn, MLflow or
matplotlib. Training, evaluation, the command line, Parquet traces and models without a
compact form need the packages below. Where scopecast reaches for them it goes through
:func:`needs_training_stack`, so that a runtime-only install gets one
:class:`~scopecast.exceptions.MissingExtraError` naming the extra instead of
``No module named 'sklearn'`` from deep inside.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

from scopecast.exceptions import MissingExtraError

TRAINING_STACK: dict[str, str] = {
    "sklearn": "scikit-learn",
    "scipy": "scipy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "skops": "skops",
    "mlflow": "mlflow",
    "matplotlib": "matplotlib",
    "typer": "typer",
    "rich": "rich",
}
"""Top-level module of each package of the ``train`` extra → its distribution name."""

INSTALL_HINT = "pip install 'scopecast[train]'"


def missing_extra(err: ModuleNotFoundError, purpose: str) -> MissingExtraError | None:
    """The :class:`MissingExtraError` for ``err`` if the missing module is in the training
    stack (``None`` otherwise: a missing module of anything else is not ours to explain)."""
    top = (err.name or "").partition(".")[0]
    if top not in TRAINING_STACK:
        return None
    if err.name != top and not _absent(top):  # installed, but a module of it is not there
        return MissingExtraError(
            f"{purpose} failed: {err}, although {TRAINING_STACK[top]} is installed (an "
            f"incomplete install, or a version scopecast does not support). Reinstall the "
            f"training stack with: pip install --upgrade 'scopecast[train]'"
        )
    missing = [TRAINING_STACK[m] for m in TRAINING_STACK if m == top or _absent(m)]
    return MissingExtraError(
        f"{purpose} needs scopecast's training stack, which is not installed "
        f"({', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing). The runtime "
        f"alone (pip install scopecast) plans with a model's compact form and guards calls; "
        f"install the rest with: {INSTALL_HINT}"
    )


def training_stack_found() -> bool:
    """Whether every package of the training stack can be found (none is imported)."""
    return not any(map(_absent, TRAINING_STACK))


def _absent(module: str) -> bool:
    """True if ``module`` (top-level) cannot be found, without importing it."""
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a finder refusing it, or a broken half-installed one
        return True


@contextmanager
def needs_training_stack(purpose: str) -> Iterator[None]:
    """Turn a missing training-stack module inside the block into :class:`MissingExtraError`.

    ``purpose`` starts the message: ``"Training the default model"``.
    """
    try:
        yield
    except ModuleNotFoundError as err:
        converted = missing_extra(err, purpose)
        if converted is None:
            raise
        raise converted from err
