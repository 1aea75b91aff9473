"""Imports every command module so that each registers itself on the app (one line each)."""

from __future__ import annotations

from scopecast.cli import (
    _catalogue,  # noqa: F401
    _crossval,  # noqa: F401
    _demo,  # noqa: F401
    _evaluate,  # noqa: F401
    _generate,  # noqa: F401
    _plan,  # noqa: F401
    _train,  # noqa: F401
    _validate,  # noqa: F401
)
