"""Imports every command module so that each registers itself on the app (one line each)."""

# ruff: noqa: I001  (one import line per command module, so that merges stay simple)
from __future__ import annotations

from scopecast.cli import _evaluate  # noqa: F401
from scopecast.cli import _generate  # noqa: F401
